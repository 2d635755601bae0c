//! What the README's First read and the guide's skip list promise a learner: sizes that
//! are today's, and a place that explains each file it says to skip.

use super::{code_spans, heading_section, line_links};
use crate::{GUIDE, README, root, section};

/// The README's First read counts what it asks a learner to read: `wc -l` lines, each
/// ending in "# ... about N lines". Each N must be within 15% of today's count, and
/// every `src/` file the First read links must be counted.
#[test]
fn the_first_reads_sizes_are_todays() {
    let first_read = section(README, "## First read");
    let commands = wc_commands(first_read);
    assert_eq!(commands.len(), 2, "{commands:?}");
    let mut counted = Vec::new();
    for command in &commands {
        let (files, comment) = command.split_once('#').expect("a comment with the size");
        let stated: usize = comment
            .split("about ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("no \"about N lines\" in {comment:?}"));
        let mut lines = 0;
        for path in files.split_whitespace().skip(2).flat_map(expand) {
            let text = std::fs::read_to_string(root().join(&path)).expect("a counted file");
            lines += text.lines().count();
            counted.push(path);
        }
        assert!(
            lines.abs_diff(stated) * 100 <= stated * 15,
            "`{}` counts {lines} lines; the README says about {stated}: update it",
            files.trim()
        );
    }
    for (_, path, _) in line_links(first_read) {
        if path.starts_with("src/") {
            assert!(
                counted.iter().any(|c| c == path),
                "{path} is linked, not counted"
            );
        }
    }
}

/// The `wc -l` commands of `text`, each with its `\` continuations joined.
fn wc_commands(text: &str) -> Vec<String> {
    let (mut commands, mut current) = (Vec::new(), String::new());
    for line in text.lines().map(str::trim) {
        if current.is_empty() && !line.starts_with("wc -l ") {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(rest) => current = format!("{current}{rest} "),
            None => commands.push(std::mem::take(&mut current) + line),
        }
    }
    commands
}

/// A path, or the files a `dir/prefix*suffix` pattern matches, sorted.
fn expand(pattern: &str) -> Vec<String> {
    let Some((before, suffix)) = pattern.split_once('*') else {
        return vec![pattern.to_string()];
    };
    let (dir, prefix) = before.rsplit_once('/').unwrap_or(("", before));
    let mut found: Vec<String> = std::fs::read_dir(root().join(dir))
        .expect("the pattern's folder")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with(prefix) && name.ends_with(suffix))
        .map(|name| format!("{dir}/{name}"))
        .collect();
    found.sort();
    found
}

/// Each row of the guide's skip list sends its files to sections (`#` links); each
/// file must be named in one of them.
#[test]
fn the_skip_list_sends_each_file_where_it_is_explained() {
    let skip = section(GUIDE, "### What to skip on a first read");
    let rows = skip
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| job") && !l.starts_with("| ---"));
    let mut problems = Vec::new();
    for row in rows {
        let cells: Vec<&str> = row.split(" | ").collect();
        let targets: Vec<&str> = cells[2]
            .split("](#")
            .skip(1)
            .filter_map(|rest| rest.split(')').next())
            .collect();
        assert!(!targets.is_empty(), "no section for: {row}");
        for file in code_spans(cells[1]).filter(|span| span.starts_with("src/")) {
            let named = targets
                .iter()
                .any(|t| heading_section(GUIDE, t).contains(file));
            if !named {
                problems.push(format!("{file}: not named in {targets:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
