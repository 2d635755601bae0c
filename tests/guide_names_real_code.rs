//! `docs/under-the-hood.md` maps FastAPI's features to files and functions of this
//! repository. This test reads the guide (compiled in, so editing it re-runs the test)
//! and fails when a path it names does not exist, or a function it names as `fn name`
//! is not in the file named before it in the same table row, list item or paragraph.
//! The guide's convention: a file in backticks, then the functions it holds, each as
//! `fn name` in backticks.

use std::path::Path;

const GUIDE: &str = include_str!("../docs/under-the-hood.md");

/// The guide cut into units that each name their own files: a table row, a list item
/// (with its wrapped lines), a paragraph. Each comes with its first line's number.
fn units(text: &str) -> Vec<(usize, String)> {
    let mut units: Vec<(usize, String)> = Vec::new();
    let mut open = false;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        let starts_unit = line.starts_with('|')
            || line.starts_with("- ")
            || line
                .split_once(". ")
                .is_some_and(|(n, _)| n.parse::<u32>().is_ok());
        match units.last_mut() {
            _ if line.is_empty() => open = false,
            Some((_, unit)) if open && !starts_unit => {
                unit.push(' ');
                unit.push_str(line);
            }
            _ => {
                units.push((index + 1, line.to_string()));
                open = !line.starts_with('|');
            }
        }
    }
    units
}

/// The text between each pair of backticks (the guide's code fences hold none).
fn code_spans(unit: &str) -> impl Iterator<Item = &str> {
    unit.split('`').skip(1).step_by(2)
}

/// A span that names a file of this repository, such as `src/app/router.rs` or `init.sql`
/// (not a URL path such as `/openapi.json`, nor code such as `Route::Users`).
fn is_repo_path(span: &str) -> bool {
    const EXTENSIONS: [&str; 10] = [
        ".rs", ".sql", ".sh", ".json", ".mjs", ".md", ".html", ".css", ".js", ".txt",
    ];
    let plain = span
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
    plain && !span.starts_with('/') && EXTENSIONS.iter().any(|ext| span.ends_with(ext))
}

/// Whether `source` defines `fn name` (free function or method, async or not).
fn defines(source: &str, name: &str) -> bool {
    let needle = format!("fn {name}");
    source.match_indices(&needle).any(|(at, _)| {
        let next = source[at + needle.len()..].chars().next();
        matches!(next, Some('(' | '<'))
    })
}

#[test]
fn every_file_and_function_the_guide_names_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    let (mut files, mut functions) = (0, 0);
    for (number, unit) in units(GUIDE) {
        let mut current: Option<(&str, String)> = None;
        for span in code_spans(&unit) {
            if is_repo_path(span) {
                files += 1;
                let path = root.join(span);
                if !path.is_file() {
                    problems.push(format!("line {number}: no file {span}"));
                }
                // Only Rust files hold the functions named after them.
                if span.ends_with(".rs") {
                    let source = std::fs::read_to_string(&path).unwrap_or_default();
                    current = Some((span, source));
                }
            } else if let Some(name) = span.strip_prefix("fn ") {
                functions += 1;
                match &current {
                    Some((file, source)) if !defines(source, name) => {
                        problems.push(format!("line {number}: no `fn {name}` in {file}"));
                    }
                    Some(_) => {}
                    None => problems.push(format!("line {number}: `fn {name}` follows no file")),
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "the guide is out of date:\n{}",
        problems.join("\n")
    );
    // A guard against a parser that silently finds nothing.
    assert!(
        files >= 20 && functions >= 40,
        "found {files} files, {functions} functions"
    );
    println!("the guide names {files} files and {functions} functions, all present");
}

#[test]
fn the_checker_catches_what_it_should() {
    assert!(defines("pub async fn run(listener", "run"));
    assert!(defines("fn within<T>(", "within"));
    assert!(!defines("fn running(", "run"));
    assert!(is_repo_path("src/app/router.rs"));
    assert!(is_repo_path("init.sql"));
    assert!(!is_repo_path("Route::Users"));
    assert!(!is_repo_path("/openapi.json"));
    let spans: Vec<&str> = code_spans("a `src/x.rs` b `fn y` c").collect();
    assert_eq!(spans, ["src/x.rs", "fn y"]);
    let text = "1. a `x`\n   b\n2. c\n\n| r1 |\n| r2 |\npara\nwraps";
    let found: Vec<(usize, String)> = units(text);
    let lines: Vec<usize> = found.iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, [1, 3, 5, 6, 7]);
    assert_eq!(found[0].1, "1. a `x` b");
    assert_eq!(found[4].1, "para wraps");
}
