//! `docs/under-the-hood.md` and the README's "First read" and map name files, items and
//! lines of this repository. This test reads them (compiled in, so editing them re-runs
//! it) and fails, naming the line, when:
//!
//! - a file or folder named in backticks does not exist;
//! - an item named as `fn x`, `struct X`, `enum X`, `const X`, `trait X`, `mod x`,
//!   `static X` or `type X` is not defined in the file named before it in the same
//!   table row, list item or paragraph (the docs' convention: a file, then its items);
//! - a line link such as [`fn match_path`](src/app/router.rs#L131) points at a line
//!   that does not hold its link text (`python3 scripts/relink-docs.py` fixes those);
//! - a relative link points at no file.

use std::path::Path;

const GUIDE: &str = include_str!("../docs/under-the-hood.md");
const README: &str = include_str!("../README.md");
const KINDS: [&str; 8] = [
    "fn", "struct", "enum", "const", "trait", "mod", "static", "type",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The part of `text` from the heading `from` up to the next `## ` heading.
fn section<'a>(text: &'a str, from: &str) -> &'a str {
    let start = text.find(from).unwrap_or_else(|| panic!("no {from:?}"));
    let rest = &text[start + from.len()..];
    &text[start..start + from.len() + rest.find("\n## ").unwrap_or(rest.len())]
}

/// The docs' units that each name their own files: a table row, a list item (with its
/// wrapped lines), a paragraph. Each comes with its first line's number in `text`.
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

/// `[`name`](target#Ln)` links: (name, target, line), in order.
fn line_links(text: &str) -> Vec<(&str, &str, usize)> {
    let mut links = Vec::new();
    for (at, _) in text.match_indices("[`") {
        let rest = &text[at + 2..];
        let Some((name, rest)) = rest.split_once("`](") else {
            continue;
        };
        let Some((target, _)) = rest.split_once(')') else {
            continue;
        };
        if let Some((path, line)) = target.split_once("#L") {
            if let (false, Ok(line)) = (name.contains('`'), line.parse()) {
                links.push((name, path, line));
            }
        }
    }
    links
}

/// `target` as written in a doc in `doc_dir` (`""` or `"docs"`), relative to the root.
fn resolve(doc_dir: &str, target: &str) -> String {
    match target.strip_prefix("../") {
        Some(from_root) if doc_dir == "docs" => from_root.to_string(),
        _ if doc_dir.is_empty() => target.to_string(),
        _ => format!("{doc_dir}/{target}"),
    }
}

/// A unit with each line link written out as "`file` `name`", the docs' convention.
fn with_links_spelled_out(unit: &str, doc_dir: &str) -> String {
    let mut out = unit.to_string();
    for (name, path, line) in line_links(unit) {
        let link = format!("[`{name}`]({path}#L{line})");
        let spelled = format!("`{}` `{name}`", resolve(doc_dir, path));
        out = out.replace(&link, &spelled);
    }
    out
}

/// The text between each pair of backticks (the docs' code fences hold none).
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

/// Whether the code of `line` (not a trailing `//` comment) holds `name` as whole words.
fn holds(line: &str, name: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices(name).any(|(at, _)| {
        let next = code[at + name.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Whether `source` defines `kind name` (`fn` also async, generic or a method).
fn defines(source: &str, kind: &str, name: &str) -> bool {
    source.lines().any(|line| {
        let needle = format!("{kind} {name}");
        holds(line, &needle)
            && (kind != "fn"
                || line.contains(&format!("{needle}("))
                || line.contains(&format!("{needle}<")))
    })
}

/// Every problem with the files and items `text` names, and how many of each it checked.
fn check_names(text: &str, doc_dir: &str, problems: &mut Vec<String>) -> (usize, usize) {
    let (mut files, mut items) = (0, 0);
    for (number, unit) in units(text) {
        let unit = with_links_spelled_out(&unit, doc_dir);
        let mut current: Option<(&str, String)> = None;
        for span in code_spans(&unit) {
            if span.starts_with("src/") && span.ends_with('/') {
                if !root().join(span).is_dir() {
                    problems.push(format!("line {number}: no folder {span}"));
                }
            } else if is_repo_path(span) {
                files += 1;
                let path = root().join(span);
                if !path.is_file() {
                    problems.push(format!("line {number}: no file {span}"));
                }
                if span.ends_with(".rs") {
                    current = Some((span, std::fs::read_to_string(&path).unwrap_or_default()));
                }
            } else if let Some((kind, name)) = span.split_once(' ') {
                if !KINDS.contains(&kind) || name.contains(' ') {
                    continue;
                }
                items += 1;
                match &current {
                    Some((file, source)) if !defines(source, kind, name) => {
                        problems.push(format!("line {number}: no `{kind} {name}` in {file}"));
                    }
                    Some(_) => {}
                    None => problems.push(format!("line {number}: `{span}` follows no file")),
                }
            }
        }
    }
    (files, items)
}

/// Every problem with the links of `text`: line links that moved, files that are gone.
fn check_links(text: &str, doc: &str, doc_dir: &str, problems: &mut Vec<String>) -> usize {
    for target in text
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
    {
        let file = target.split('#').next().unwrap_or("");
        if !file.is_empty()
            && !file.contains("://")
            && !root().join(resolve(doc_dir, file)).exists()
        {
            problems.push(format!("{doc}: the link ({target}) leads nowhere"));
        }
    }
    let links = line_links(text);
    for &(name, path, line) in &links {
        let source =
            std::fs::read_to_string(root().join(resolve(doc_dir, path))).unwrap_or_default();
        let at = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
        if !holds(at, name) {
            problems.push(format!(
                "{doc}: [`{name}`]({path}#L{line}) is stale, line {line} is `{}`: run python3 scripts/relink-docs.py",
                at.trim()
            ));
        }
    }
    links.len()
}

#[test]
fn every_file_item_and_line_the_docs_name_exists() {
    let mut problems = Vec::new();
    let (files, items) = check_names(GUIDE, "docs", &mut problems);
    let first_read = section(README, "## First read");
    let map = section(README, "## Where FastAPI's features went");
    let (readme_files, readme_items) =
        check_names(&format!("{first_read}\n\n{map}"), "", &mut problems);
    let guide_links = check_links(GUIDE, "docs/under-the-hood.md", "docs", &mut problems);
    let readme_links = check_links(README, "README.md", "", &mut problems);
    assert!(
        problems.is_empty(),
        "the docs are out of date:\n{}",
        problems.join("\n")
    );
    // A guard against a parser that silently finds nothing.
    assert!(
        files >= 40 && items >= 80,
        "guide: {files} files, {items} items"
    );
    assert!(
        readme_files >= 20 && readme_items >= 25,
        "README: {readme_files} files, {readme_items} items"
    );
    assert!(
        guide_links >= 12 && readme_links >= 10,
        "{guide_links}, {readme_links} line links"
    );
}

#[test]
fn the_checker_catches_what_it_should() {
    assert!(defines("pub async fn run(listener", "fn", "run"));
    assert!(defines("fn within<T>(", "fn", "within"));
    assert!(!defines("fn running(", "fn", "run"));
    assert!(!defines("// see fn run(", "fn", "run"));
    assert!(defines("pub struct UsersApp {", "struct", "UsersApp"));
    assert!(!defines("pub struct UsersAppX {", "struct", "UsersApp"));
    assert!(defines(
        "pub const ROUTES: [Declared; 7]",
        "const",
        "ROUTES"
    ));
    assert!(defines("pub mod router;", "mod", "router"));
    assert!(is_repo_path("src/app/router.rs"));
    assert!(!is_repo_path("Route::Users"));
    assert!(!is_repo_path("/openapi.json"));
    assert_eq!(resolve("docs", "../src/app.rs"), "src/app.rs");
    let unit = "a [`fn y`](../src/x.rs#L3) b";
    assert_eq!(line_links(unit), [("fn y", "../src/x.rs", 3)]);
    assert_eq!(
        with_links_spelled_out(unit, "docs"),
        "a `src/x.rs` `fn y` b"
    );
    let mut problems = Vec::new();
    check_links("[`fn match_path`](src/app.rs#L1)", "t", "", &mut problems);
    assert!(problems[0].contains("is stale"), "{problems:?}");
    let text = "1. a `x`\n   b\n2. c\n\n| r1 |\n| r2 |\npara\nwraps";
    let lines: Vec<usize> = units(text).iter().map(|(n, _)| *n).collect();
    assert_eq!(lines, [1, 3, 5, 6, 7]);
    assert_eq!(section("x\n## A\na\n## B\nb", "## A"), "## A\na");
}
