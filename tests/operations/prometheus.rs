//! Reads `/metrics` with the Python Prometheus client's own parser
//! (`prometheus_client.parser.text_string_to_metric_families`), so that "it parses" means
//! a real Prometheus library accepts it, not that our reader agrees with our writer.
//!
//! The parser runs in a Python that has `prometheus_client`: `$PROMETHEUS_PYTHON` if
//! set, else `python3` if it has the package, else a venv made once under cargo's
//! target directory with the pinned version from PyPI.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The version installed into the venv when no Python at hand has the package.
const PROMETHEUS_CLIENT: &str = "prometheus-client==0.21.1";

const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
samples = []
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        samples.append({"family": family.name, "type": family.type, "name": s.name,
                        "labels": s.labels, "value": s.value})
print(json.dumps(samples))
"#;

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Sample {
    /// The family's name as the parser reports it (a counter's without `_total`).
    pub family: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Every sample of `text`; panics with the parser's error if it rejects the text.
pub fn parse(text: &str) -> Vec<Sample> {
    let python = python();
    let mut child = Command::new(python)
        .args(["-c", PARSE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the Prometheus parser");
    let mut stdin = child.stdin.take().expect("piped stdin");
    stdin
        .write_all(text.as_bytes())
        .expect("write to the parser");
    drop(stdin);
    let output = child.wait_with_output().expect("the parser's output");
    assert!(
        output.status.success(),
        "prometheus_client rejected /metrics: {}\n{text}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the parser's JSON")
}

/// The value of the one sample called `name` whose labels include `labels`; 0 if there
/// is none (a series appears on its first observation).
pub fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert!(
        matching.len() <= 1,
        "{name} {labels:?} matches {matching:?}"
    );
    matching.first().map_or(0.0, |s| s.value)
}

fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| tokio::task::block_in_place(find_or_install))
}

fn has_client(python: &str) -> bool {
    let check = Command::new(python)
        .args(["-c", "import prometheus_client.parser"])
        .stderr(Stdio::null())
        .status();
    check.is_ok_and(|status| status.success())
}

fn find_or_install() -> PathBuf {
    if let Ok(python) = std::env::var("PROMETHEUS_PYTHON") {
        assert!(
            has_client(&python),
            "PROMETHEUS_PYTHON={python} cannot import prometheus_client"
        );
        return python.into();
    }
    if has_client("python3") {
        return "python3".into();
    }
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("prometheus-client-venv");
    let python = venv.join("bin/python");
    if has_client(&python.to_string_lossy()) {
        return python;
    }
    let run = |program: &str, args: &[&str]| {
        let status = Command::new(program).args(args).status();
        assert!(
            status.as_ref().is_ok_and(|s| s.success()),
            "{program} {args:?} failed ({status:?}): the metrics tests need python3 with \
             venv and pip (Debian: apt-get install python3-venv), and PyPI, or \
             PROMETHEUS_PYTHON pointing at a Python that has prometheus_client"
        );
    };
    run("python3", &["-m", "venv", &venv.to_string_lossy()]);
    let pip = venv.join("bin/pip");
    run(
        &pip.to_string_lossy(),
        &[
            "install",
            "-q",
            "--disable-pip-version-check",
            PROMETHEUS_CLIENT,
        ],
    );
    python
}
