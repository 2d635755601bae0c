//! Reading the docs' markdown for `tests/guide_names_real_code.rs`: units, code spans,
//! line links, anchors and sections, and whether a Rust file defines a named item.
//! [`first_read`] holds the checks of what the First read promises a learner;
//! [`named`] those of the files, items and other pages a doc names.

pub mod first_read;
pub mod named;

/// The repository's root: where the docs' paths start.
pub fn root() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The docs' units that each name their own files: a table row, a list item (with its
/// wrapped lines), a paragraph. Each comes with its first line's number in `text`.
pub fn units(text: &str) -> Vec<(usize, String)> {
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
pub fn line_links(text: &str) -> Vec<(&str, &str, usize)> {
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
pub fn resolve(doc_dir: &str, target: &str) -> String {
    match target.strip_prefix("../") {
        Some(from_root) if doc_dir == "docs" => from_root.to_string(),
        _ if doc_dir.is_empty() => target.to_string(),
        _ => format!("{doc_dir}/{target}"),
    }
}

/// A unit with each line link written out as "`file` `name`", the docs' convention.
pub fn with_links_spelled_out(unit: &str, doc_dir: &str) -> String {
    let mut out = unit.to_string();
    for (name, path, line) in line_links(unit) {
        let link = format!("[`{name}`]({path}#L{line})");
        let spelled = format!("`{}` `{name}`", resolve(doc_dir, path));
        out = out.replace(&link, &spelled);
    }
    out
}

/// The text between each pair of backticks (the docs' code fences hold none).
pub fn code_spans(unit: &str) -> impl Iterator<Item = &str> {
    unit.split('`').skip(1).step_by(2)
}

/// A span that names a file of this repository, such as `src/app/router.rs` or `init.sql`
/// (not a URL path such as `/openapi.json`, nor code such as `Route::Users`, nor a file
/// the build writes under `target/`).
pub fn is_repo_path(span: &str) -> bool {
    const EXTENSIONS: [&str; 10] = [
        ".rs", ".sql", ".sh", ".json", ".mjs", ".md", ".html", ".css", ".js", ".txt",
    ];
    let plain = span
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._-/".contains(c));
    plain
        && !span.starts_with('/')
        && !span.starts_with("target/")
        && EXTENSIONS.iter().any(|ext| span.ends_with(ext))
}

/// Whether the code of `line` (not a trailing `//` comment) holds `name` as whole words.
pub fn holds(line: &str, name: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    code.match_indices(name).any(|(at, _)| {
        let next = code[at + name.len()..].chars().next();
        !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Whether `source` defines `kind name` (`fn` also async, generic or a method).
pub fn defines(source: &str, kind: &str, name: &str) -> bool {
    source.lines().any(|line| {
        let needle = format!("{kind} {name}");
        holds(line, &needle)
            && (kind != "fn"
                || line.contains(&format!("{needle}("))
                || line.contains(&format!("{needle}<")))
    })
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as `-`.
pub fn anchor(heading: &str) -> String {
    let kept = heading
        .chars()
        .filter(|c| c.is_alphanumeric() || " -_".contains(*c));
    kept.collect::<String>().to_lowercase().replace(' ', "-")
}

/// The anchors of the headings of `text`, as GitHub makes them.
pub fn headings(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.strip_prefix('#'))
        .map(|heading| anchor(heading.trim_start_matches('#').trim()))
        .collect()
}

/// The section of `text` under the heading whose anchor is `target`, up to the next
/// heading of the same level or above.
pub fn heading_section<'a>(text: &'a str, target: &str) -> &'a str {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let level = |line: &str| line.chars().take_while(|c| *c == '#').count();
    let start = lines
        .iter()
        .position(|l| level(l) > 0 && anchor(l.trim_start_matches('#').trim()) == target)
        .unwrap_or_else(|| panic!("no heading #{target}"));
    let end = (start + 1..lines.len())
        .find(|i| (1..=level(lines[start])).contains(&level(lines[*i])))
        .unwrap_or(lines.len());
    let from: usize = lines[..start].iter().map(|l| l.len()).sum();
    let to: usize = lines[..end].iter().map(|l| l.len()).sum();
    &text[from..to]
}
