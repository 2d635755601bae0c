//! The Prometheus text exposition format, version 0.0.4: what `prometheus_client`'s
//! `generate_latest()` writes.
//!
//! Each metric family is a `# HELP` line, a `# TYPE` line, then one line per sample:
//! `name{label="value",...} number`. Label values are quoted, with `\`, `"` and newlines
//! escaped; numbers are floats in Go's spelling (`+Inf`, `NaN`). Prometheus reads
//! exactly this, so it is written by hand here in a few lines rather than by a crate.

use std::fmt::Write;

/// What `/metrics` answers with: the format and its version, as Prometheus asks for.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Label names and values of one sample.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

/// The text being written.
#[derive(Default)]
pub struct Exposition {
    text: String,
}

/// The `# TYPE` of a family.
#[derive(Clone, Copy)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Exposition {
    /// Starts a family: its `# HELP` and `# TYPE` lines.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let kind = match kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        // HELP text escapes only `\` and newlines (quotes are fine there).
        let help = help.replace('\\', r"\\").replace('\n', r"\n");
        let _ = writeln!(self.text, "# HELP {name} {help}\n# TYPE {name} {kind}");
    }

    /// One sample line.
    pub fn sample(&mut self, name: &str, labels: Labels<'_>, value: f64) {
        self.sample_with_le(name, labels, "", value);
    }

    /// One sample line with an extra `le` label last (a histogram bucket) unless `le`
    /// is empty.
    pub fn sample_with_le(&mut self, name: &str, labels: Labels<'_>, le: &str, value: f64) {
        self.text.push_str(name);
        let extra = (!le.is_empty()).then_some(("le", le));
        let mut all = labels.iter().copied().chain(extra).peekable();
        if all.peek().is_some() {
            self.text.push('{');
            for (index, (label, value)) in all.enumerate() {
                if index > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", format_value(value));
    }

    pub fn finish(self) -> String {
        self.text
    }
}

/// A label value inside its quotes: `\` → `\\`, `"` → `\"`, newline → `\n`.
fn escape_label(value: &str) -> std::borrow::Cow<'_, str> {
    if !value.contains(['\\', '"', '\n']) {
        return value.into();
    }
    value
        .replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
        .into()
}

/// A sample value: integers without a fraction (counters read best that way), the
/// special values as Prometheus spells them.
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_has_help_type_and_escaped_labels() {
        let mut out = Exposition::default();
        out.family("x_total", Kind::Counter, "Things.\nCounted \\ here.");
        out.sample("x_total", &[("path", "a\"b\\c\nd")], 3.0);
        out.sample("x_total", &[], 0.25);
        assert_eq!(
            out.finish(),
            "# HELP x_total Things.\\nCounted \\\\ here.\n# TYPE x_total counter\n\
             x_total{path=\"a\\\"b\\\\c\\nd\"} 3\nx_total 0.25\n"
        );
    }

    #[test]
    fn special_values_are_spelled_as_prometheus_does() {
        assert_eq!(format_value(f64::INFINITY), "+Inf");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(1.5), "1.5");
        assert_eq!(format_value(1e20), "100000000000000000000");
    }
}
