//! The orders the source declares in its own docs, read so that there is one place to
//! write them: the layers (the first column of the table in lib.rs's `//!` map, one row
//! per layer, top to bottom) and each folder's children (its `//!` sentence
//! ``Inside, top to bottom: `a` → `b`, `c`.``: groups top to bottom, one group's
//! names separated by commas or "and").

/// The sentence that declares a folder's order begins with these words.
pub const INSIDE: &str = "Inside, top to bottom:";

/// An order: its groups, top to bottom, and the line it was declared on.
#[derive(Debug, PartialEq)]
pub struct Order {
    pub line: usize,
    pub groups: Vec<Vec<String>>,
}

impl Order {
    /// Which group `name` is in.
    pub fn group_of(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.iter().any(|n| n == name))
    }
}

/// The `//!` lines joined as one text, with the line each character came from.
struct Text {
    text: String,
    starts: Vec<(usize, usize)>,
}

impl Text {
    fn new(docs: &[(usize, String)]) -> Text {
        let (mut text, mut starts) = (String::new(), Vec::new());
        for (line, doc) in docs {
            starts.push((text.len(), *line));
            text.push_str(doc);
            text.push('\n');
        }
        Text { text, starts }
    }

    fn line_at(&self, offset: usize) -> usize {
        self.starts
            .iter()
            .rev()
            .find(|(start, _)| *start <= offset)
            .map_or(1, |(_, line)| *line)
    }
}

/// The `Inside, top to bottom:` sentence of `docs`, if it has one; `Err((line, what is
/// wrong))` when it is not only names, `→`, `,` and `and`, up to a `.`.
pub fn inside(docs: &[(usize, String)]) -> Result<Option<Order>, (usize, String)> {
    let text = Text::new(docs);
    let mut found = text.text.match_indices(INSIDE).map(|(at, _)| at);
    let Some(start) = found.next() else {
        return Ok(None);
    };
    let line = text.line_at(start);
    if let Some(second) = found.next() {
        return Err((
            text.line_at(second),
            format!("a second `{INSIDE}` sentence (the first is on line {line}): keep one"),
        ));
    }
    let mut groups = vec![Vec::new()];
    // Whether a name may come next: at the start of a group, or after `,` or `and`.
    let mut name_may_follow = true;
    let mut rest = &text.text[start + INSIDE.len()..];
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t']);
        if trimmed.starts_with('\n')
            && trimmed[1..]
                .trim_start_matches([' ', '\t'])
                .starts_with('\n')
        {
            return Err((
                line,
                "no `.` before the paragraph ends: end the sentence with `.`".into(),
            ));
        }
        rest = rest.trim_start();
        let here = text.line_at(text.text.len() - rest.len());
        let Some(c) = rest.chars().next() else {
            return Err((line, "no `.` at its end: end the sentence with `.`".into()));
        };
        if c == '.' {
            break;
        } else if c == '`' {
            let Some((name, after)) = rest[1..].split_once('`') else {
                return Err((here, "a backtick that is never closed".into()));
            };
            if !name_may_follow {
                return Err((
                    here,
                    format!("`{name}` follows another name with no `,`, `and` or `→` between them"),
                ));
            }
            groups.last_mut().expect("one group").push(name.to_string());
            name_may_follow = false;
            rest = after;
        } else if c == '→' {
            groups.push(Vec::new());
            name_may_follow = true;
            rest = &rest[c.len_utf8()..];
        } else if c == ',' || c == '[' || c == ']' {
            name_may_follow |= c == ',';
            rest = &rest[1..];
        } else if let Some(after) = rest
            .strip_prefix("and")
            .filter(|a| a.starts_with(char::is_whitespace))
        {
            name_may_follow = true;
            rest = after;
        } else {
            let word: String = rest
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '`')
                .collect();
            return Err((
                here,
                format!(
                    "`{word}` in it: the sentence holds only backticked child names, `→`, `,` and `and`, \
                 up to its `.`; say the rest in another sentence"
                ),
            ));
        }
    }
    if groups.iter().any(Vec::is_empty) {
        return Err((
            line,
            "an empty group (a `→` with no name on one side)".into(),
        ));
    }
    Ok(Some(Order { line, groups }))
}

/// The layers of lib.rs's map: each row's first column, `main.rs` or backticked
/// module names, top to bottom. `Err((line, what is wrong))` without a table.
pub fn layers(docs: &[(usize, String)]) -> Result<Order, (usize, String)> {
    let rows: Vec<&(usize, String)> = docs
        .iter()
        .filter(|(_, d)| d.trim_start().starts_with('|'))
        .collect();
    // The header row, the `|---|` row, then one row per layer.
    let Some(((line, _), layers)) = rows.split_first().and_then(|(_, r)| r.split_first()) else {
        return Err((
            1,
            "its `//!` docs have no table of layers (a header, `|---|`, one row per layer)".into(),
        ));
    };
    let mut groups = Vec::new();
    for (_, row) in layers {
        let first = row
            .trim_start()
            .trim_start_matches('|')
            .split('|')
            .next()
            .unwrap_or("");
        let names = first.split('`').skip(1).step_by(2);
        // `main.rs` is the binary; `cli.rs` would be the module `cli`.
        let names = names.map(|n| {
            if n == "main.rs" {
                n
            } else {
                n.trim_end_matches(".rs")
            }
        });
        let names = names.map(str::to_string).collect();
        groups.push(names);
    }
    Ok(Order {
        line: line + 1,
        groups,
    })
}
