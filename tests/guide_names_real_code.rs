//! The README, `docs/under-the-hood.md` and the pages the README links under docs/ name
//! files, items and lines of this repository. This test reads them (compiled in, so
//! editing them re-runs it) and fails, naming the line, when:
//!
//! - a file or folder named in backticks does not exist;
//! - an item named as `fn x`, `struct X`, `enum X`, `const X`, `trait X`, `mod x`,
//!   `static X` or `type X` is not defined in the file named before it in the same
//!   table row, list item or paragraph (the docs' convention: a file, then its items);
//! - a line link such as [`fn match_path`](src/app/router.rs#L131) points at a line
//!   that does not hold its link text (`python3 scripts/relink-docs.py` fixes those);
//! - a relative link points at no file, or a `#` link at no heading of its page (or,
//!   for a link into another checked page, at no heading of that page);
//! - the README's First read states a size its `wc -l` lines no longer count, or links
//!   a file of the core that they leave out;
//! - the guide's skip list sends a file to a section that does not name it;
//! - a page of docs/ is neither checked here nor listed as left out, with why.

mod doc_check;

use doc_check::named::{check_anchors_on_other_pages, check_names};
use doc_check::{
    anchor, defines, heading_section, headings, holds, is_repo_path, line_links, resolve, root,
    units, with_links_spelled_out,
};

const GUIDE: &str = include_str!("../docs/under-the-hood.md");
const README: &str = include_str!("../README.md");
/// The guide and the pages the README's sections moved to: every name and link checked.
const PAGES: [(&str, &str); 8] = [
    ("docs/under-the-hood.md", GUIDE),
    ("docs/operations.md", include_str!("../docs/operations.md")),
    (
        "docs/configuration.md",
        include_str!("../docs/configuration.md"),
    ),
    ("docs/tls.md", include_str!("../docs/tls.md")),
    (
        "docs/high-availability.md",
        include_str!("../docs/high-availability.md"),
    ),
    (
        "docs/standby-reads.md",
        include_str!("../docs/standby-reads.md"),
    ),
    (
        "docs/performance.md",
        include_str!("../docs/performance.md"),
    ),
    ("docs/testing.md", include_str!("../docs/testing.md")),
];
/// Pages of docs/ whose names are not checked, and why; their links are.
const LINKS_ONLY: [(&str, &str); 4] = [
    ("docs/benchmarks.md", include_str!("../docs/benchmarks.md")),
    (
        "docs/reliability.md",
        include_str!("../docs/reliability.md"),
    ),
    (
        "docs/compatibility.md",
        include_str!("../docs/compatibility.md"),
    ),
    ("docs/exercises.md", include_str!("../docs/exercises.md")),
];
/// The part of `text` from the heading `from` up to the next `## ` heading.
fn section<'a>(text: &'a str, from: &str) -> &'a str {
    let start = text.find(from).unwrap_or_else(|| panic!("no {from:?}"));
    let rest = &text[start + from.len()..];
    &text[start..start + from.len() + rest.find("\n## ").unwrap_or(rest.len())]
}

/// Every checked page: (path from the root, text).
fn pages() -> Vec<(&'static str, &'static str)> {
    let mut all = vec![("README.md", README)];
    all.extend(PAGES);
    all.extend(LINKS_ONLY);
    all
}

/// Every problem with the links of `text`: line links that moved, files or headings
/// (of this page, or of another checked page) that are gone.
fn check_links(text: &str, doc: &str, doc_dir: &str, problems: &mut Vec<String>) -> usize {
    for target in text
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
    {
        let (file, fragment) = target.split_once('#').unwrap_or((target, ""));
        let page = if file.is_empty() {
            Some(text)
        } else {
            let path = resolve(doc_dir, file);
            pages()
                .into_iter()
                .find(|(p, _)| *p == path)
                .map(|(_, t)| t)
        };
        if !file.is_empty()
            && !file.contains("://")
            && !root().join(resolve(doc_dir, file)).exists()
        {
            problems.push(format!("{doc}: the link ({target}) leads nowhere"));
        }
        let lands = |page: &str| headings(page).iter().any(|heading| heading == fragment);
        if !fragment.is_empty() && !fragment.starts_with('L') && page.is_some_and(|p| !lands(p)) {
            problems.push(format!("{doc}: no heading for the link ({target})"));
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
    let (mut files, mut items, mut links) = (0, 0, 0);
    for (path, text) in [("README.md", README)].into_iter().chain(PAGES) {
        let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        let (f, i) = check_names(text, dir, &mut problems);
        problems
            .iter_mut()
            .filter(|p| p.starts_with("line "))
            .for_each(|p| {
                *p = format!("{path}: {p}");
            });
        links += check_links(text, path, dir, &mut problems);
        (files, items) = (files + f, items + i);
    }
    for (path, text) in LINKS_ONLY {
        check_links(text, path, "docs", &mut problems);
    }
    assert!(
        problems.is_empty(),
        "the docs are out of date:\n{}",
        problems.join("\n")
    );
    // A guard against a parser that silently finds nothing.
    assert!(
        files >= 100 && items >= 150 && links >= 50,
        "{files} files, {items} items, {links} line links"
    );
}

#[test]
fn every_page_of_docs_is_checked_or_said_not_to_be() {
    let listed: Vec<&str> = PAGES
        .iter()
        .chain(&LINKS_ONLY)
        .map(|(path, _)| *path)
        .collect();
    for entry in std::fs::read_dir(root().join("docs")).expect("docs/") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            let path = format!("docs/{name}");
            assert!(
                listed.contains(&path.as_str()),
                "{path}: add it to PAGES or LINKS_ONLY"
            );
        }
    }
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
    let page = "# A\na\n## B\nb\n# C\nc";
    assert_eq!(heading_section(page, "a"), "# A\na\n## B\nb\n");
    assert_eq!(heading_section(page, "b"), "## B\nb\n");
    assert!(!is_repo_path("target/tmp/reliability-figures.txt"));
}

const EXERCISES: &str = include_str!("../docs/exercises.md");

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
