//! What a doc names, checked against the tree: the files and items of each unit (a
//! file in backticks, then its items), and its `page.md#heading` links into other pages.

use super::{
    anchor, code_spans, defines, is_repo_path, resolve, root, units, with_links_spelled_out,
};

/// The item kinds a doc may name after a file, as `fn x`, `struct X`...
const KINDS: [&str; 8] = [
    "fn", "struct", "enum", "const", "trait", "mod", "static", "type",
];

/// Every problem with the files and items `text` names, and how many of each it checked.
pub fn check_names(text: &str, doc_dir: &str, problems: &mut Vec<String>) -> (usize, usize) {
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

/// Every problem with the `page.md#heading` links of `text` (a doc in `doc_dir`): the
/// page must have that heading. (`check_links` sees a page's own headings only.)
pub fn check_anchors_on_other_pages(
    text: &str,
    doc: &str,
    doc_dir: &str,
    problems: &mut Vec<String>,
) {
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
