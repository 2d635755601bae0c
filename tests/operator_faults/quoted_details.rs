//! Row D: what the docs tell a client about error bodies is what the code sends. Every
//! `detail` message quoted in README.md, docs/compatibility.md and docs/reliability.md
//! must be a string literal in src/ (a comment does not count); and the two 503s a
//! client can get, "never sent" and "sent, outcome unknown", must be documented with
//! distinct details in docs/compatibility.md and docs/reliability.md, the second saying
//! that retrying the same email answers 409 if the user was created. Before the fix
//! there was one 503 body for both, and reliability.md quoted a 409 message (`Email
//! already registered`) the code does not send.
//!
//! A quoted message is either the string of a `"detail": "..."` in the text (JSON, as a
//! curl session prints it), or a sentence in backticks or double quotes right after a
//! status code: ``409 `...` ``, `**409** (`...`)`, `400 "..."`. Only sentences count
//! (they start with a capital letter): `422 `json_invalid`` names a type, not a
//! detail. A literal with `{}` placeholders (a `format!`) matches the message it makes.

use std::path::Path;

const DOCS: [&str; 3] = ["README.md", "docs/compatibility.md", "docs/reliability.md"];

/// A message quoted in a doc: where, and the status it is quoted after, if any.
#[derive(Debug)]
struct Quoted {
    doc: &'static str,
    line: usize,
    status: Option<u16>,
    message: String,
}

#[test]
fn every_detail_the_docs_quote_is_sent_by_the_code() {
    let literals = source_literals();
    let quoted: Vec<Quoted> = DOCS.iter().flat_map(|doc| quoted_in(doc)).collect();
    assert!(
        quoted.len() >= 5,
        "the docs' quotes were not found: {quoted:?}"
    );
    let missing: Vec<String> = quoted
        .iter()
        .filter(|q| !literals.iter().any(|literal| sends(literal, &q.message)))
        .map(|q| format!("{}:{}: {:?}", q.doc, q.line, q.message))
        .collect();
    assert!(
        missing.is_empty(),
        "quoted in the docs, in no string literal of src/:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn the_two_503_details_are_distinct_and_documented() {
    let mut missed = Vec::new();
    for doc in ["docs/compatibility.md", "docs/reliability.md"] {
        let mut details: Vec<String> = quoted_in(doc)
            .into_iter()
            .filter(|q| q.status == Some(503))
            .map(|q| q.message)
            .collect();
        details.sort();
        details.dedup();
        let unknown = details
            .iter()
            .any(|d| d.contains("may have been created") && d.contains("409"));
        if details.len() < 2 || !unknown {
            missed.push(format!(
                "{doc}: 503 details quoted (503 `...`): {details:?}; wanted two distinct, \
                 one saying the user may have been created and a retry answers 409"
            ));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n"));
}

/// Whether the literal `literal` sends `message`: it is the message, holds it as a
/// JSON string (`r#"{"detail":"..."}"#`), or makes it from placeholders (`format!`).
fn sends(literal: &str, message: &str) -> bool {
    let json = serde_json::to_string(message).unwrap_or_default();
    literal == message || literal.contains(&json) || template_makes(literal, message)
}

/// Whether `template` (`"Request body too large (limit {limit} bytes)"`) can make
/// `message`. The fixed parts must say something: `"{}"` alone makes anything.
fn template_makes(template: &str, message: &str) -> bool {
    let mut fixed = Vec::new();
    let mut rest = template;
    while let Some((before, after)) = rest.split_once('{') {
        let Some((_, after)) = after.split_once('}') else {
            return false;
        };
        fixed.push(before);
        rest = after;
    }
    if fixed.is_empty() || fixed.iter().map(|f| f.len()).sum::<usize>() + rest.len() < 10 {
        return false;
    }
    let Some(mut left) = message.strip_prefix(fixed[0]) else {
        return false;
    };
    for part in &fixed[1..] {
        match left.find(part) {
            Some(at) => left = &left[at + part.len()..],
            None => return false,
        }
    }
    left.ends_with(rest)
}

/// Every message `doc` quotes.
fn quoted_in(doc: &'static str) -> Vec<Quoted> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(doc);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{doc}: {e}"));
    let mut found = Vec::new();
    for (line, unit) in units(&text) {
        let quote = |status, message| Quoted {
            doc,
            line,
            status,
            message,
        };
        found.extend(json_details(&unit).into_iter().map(|m| quote(None, m)));
        for (status, message) in after_statuses(&unit) {
            found.push(quote(Some(status), message));
        }
    }
    found
}

/// The units a quote cannot span, each with its first line's number: a paragraph
/// (its lines joined, as markdown wraps a quote over two of them), a table row, a line
/// of a code block.
fn units(text: &str) -> Vec<(usize, String)> {
    let mut units: Vec<(usize, String)> = Vec::new();
    let (mut in_code, mut in_paragraph) = (false, false);
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            in_paragraph = false;
            continue;
        }
        match units.last_mut() {
            Some((_, paragraph)) if in_paragraph && !trimmed.is_empty() && !in_code => {
                paragraph.push(' ');
                paragraph.push_str(trimmed);
            }
            _ if trimmed.is_empty() => in_paragraph = false,
            _ => {
                units.push((index + 1, trimmed.to_string()));
                in_paragraph = !in_code && !trimmed.starts_with('|');
            }
        }
    }
    units
}

/// The strings of the `"detail": "..."` in `text`.
fn json_details(text: &str) -> Vec<String> {
    let mut details = Vec::new();
    for (at, key) in text.match_indices("\"detail\"") {
        let rest = text[at + key.len()..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            continue;
        };
        let rest = rest.trim_start();
        if !rest.starts_with('"') {
            continue; // a list of validation errors, not a message
        }
        // The JSON string: up to the first quote not escaped by a backslash.
        let mut escaped = false;
        let end = rest[1..].char_indices().find(|&(_, c)| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        });
        if let Some((end, _)) = end {
            if let Ok(detail) = serde_json::from_str(&rest[..end + 2]) {
                details.push(detail);
            }
        }
    }
    details
}

/// `(status, message)` for each sentence quoted right after a 4xx or 5xx status code.
fn after_statuses(line: &str) -> Vec<(u16, String)> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    for at in 0..bytes.len().saturating_sub(3) {
        // Three ASCII digits, not part of a longer word or number.
        let digits = bytes[at..at + 3].iter().all(u8::is_ascii_digit);
        let bounded = (at == 0 || !bytes[at - 1].is_ascii_alphanumeric())
            && !bytes.get(at + 3).is_some_and(|b| b.is_ascii_alphanumeric());
        if !digits || !bounded {
            continue;
        }
        let Ok(status @ 400..=599) = line[at..at + 3].parse::<u16>() else {
            continue;
        };
        let rest = line[at + 3..].trim_start_matches('*').trim_start();
        let rest = rest.strip_prefix('(').unwrap_or(rest);
        let Some(close) = rest.chars().next().filter(|c| *c == '`' || *c == '"') else {
            continue;
        };
        let Some((quoted, _)) = rest[1..].split_once(close) else {
            continue;
        };
        if quoted.starts_with('{') {
            found.extend(json_details(quoted).into_iter().map(|m| (status, m)));
        } else if quoted.starts_with(|c: char| c.is_uppercase()) {
            found.push((status, quoted.to_string()));
        }
    }
    found
}

/// Every string literal of every `.rs` file under src/, unescaped.
fn source_literals() -> Vec<String> {
    let mut literals = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src/") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let source = std::fs::read_to_string(&path).expect("a source file");
                literals.extend(super::rust_literals::strings(&source));
            }
        }
    }
    literals
}
