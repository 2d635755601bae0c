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
//! - a relative link points at no file, or a `#` link at no heading of its page.

mod doc_check;

use std::path::Path;

use doc_check::{
    anchor, code_spans, defines, holds, is_repo_path, line_links, resolve, units,
    with_links_spelled_out,
};

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

/// Every problem with the links of `text`: line links that moved, files or headings
/// that are gone.
fn check_links(text: &str, doc: &str, doc_dir: &str, problems: &mut Vec<String>) -> usize {
    let headings: Vec<String> = text
        .lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|heading| anchor(heading.trim_start_matches('#').trim()))
        .collect();
    for target in text
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
    {
        let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
        if file.is_empty() && !headings.iter().any(|heading| *heading == fragment) {
            problems.push(format!("{doc}: no heading for the link (#{fragment})"));
        }
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
    let heading = "One `POST /users`, from accept to row and back";
    assert_eq!(
        anchor(heading),
        "one-post-users-from-accept-to-row-and-back"
    );
    assert_eq!(
        anchor("uvicorn's defaults and ours"),
        "uvicorns-defaults-and-ours"
    );
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

const EXERCISES: &str = include_str!("../docs/exercises.md");

/// Every problem with the `page.md#heading` links of `text` (a doc in `doc_dir`): the
/// page must have that heading. (`check_links` sees a page's own headings only.)
fn check_anchors_on_other_pages(text: &str, doc: &str, doc_dir: &str, problems: &mut Vec<String>) {
    for target in text
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
    {
        let Some((file, fragment)) = target.split_once('#') else {
            continue;
        };
        if !file.ends_with(".md") {
            continue;
        }
        let page = std::fs::read_to_string(root().join(resolve(doc_dir, file)));
        let page = page.unwrap_or_default();
        let headings = page.lines().filter_map(|line| line.strip_prefix('#'));
        let mut anchors = headings.map(|heading| anchor(heading.trim_start_matches('#').trim()));
        if !anchors.any(|heading| heading == fragment) {
            problems.push(format!("{doc}: ({target}) is no heading of {file}"));
        }
    }
}

/// docs/exercises.md sends a reader to files, items and sections to change or read: the
/// guide's checks, and the sections of other pages it links to.
#[test]
fn every_file_item_and_section_the_exercises_name_exists() {
    let mut problems = Vec::new();
    let (files, items) = check_names(EXERCISES, "docs", &mut problems);
    check_links(EXERCISES, "docs/exercises.md", "docs", &mut problems);
    check_anchors_on_other_pages(EXERCISES, "docs/exercises.md", "docs", &mut problems);
    assert!(
        problems.is_empty(),
        "docs/exercises.md is out of date:\n{}",
        problems.join("\n")
    );
    assert!(
        files >= 15 && items >= 12,
        "exercises: {files} files, {items} items"
    );
    let mut caught = Vec::new();
    check_anchors_on_other_pages("[a](under-the-hood.md#no-such)", "t", "docs", &mut caught);
    assert_eq!(caught.len(), 1, "{caught:?}");
}
