//! The string literals of a Rust source file, for `quoted_details`: what the code can
//! send, as opposed to what its comments say. A small lexer rather than a parser
//! crate: it needs to know only comments, char literals (`'"'`), lifetimes, and plain,
//! byte and raw strings (`r#"..."#`), with their escapes.

/// Every string literal in `source`, unescaped (`"a\"b"` gives `a"b`; a backslash at
/// the end of a line drops the line break and the next line's indentation).
pub fn strings(source: &str) -> Vec<String> {
    let chars: Vec<char> = source.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut literals = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let before = if i == 0 { ' ' } else { chars[i - 1] };
        match c {
            '/' if at(i + 1) == '/' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if at(i + 1) == '*' => i = block_comment_end(&chars, i),
            // r"..." or r#"..."#, also after b (br"...").
            'r' if (at(i + 1) == '"' || at(i + 1) == '#')
                && (!ident(before) || (before == 'b' && (i < 2 || !ident(chars[i - 2])))) =>
            {
                let (literal, end) = raw_string(&chars, i + 1);
                literals.extend(literal);
                i = end;
            }
            '"' => {
                let (literal, end) = escaped_string(&chars, i + 1);
                literals.push(literal);
                i = end;
            }
            // A char literal ('x', '\n', '"'), or else a lifetime ('a).
            '\'' if at(i + 1) == '\\' => {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            }
            '\'' if at(i + 2) == '\'' => i += 3,
            _ => i += 1,
        }
    }
    literals
}

/// The index just past the `*/` that closes the comment opened at `start` (nested
/// comments nest, as in Rust).
fn block_comment_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < chars.len() {
        match (chars[i], chars[i + 1]) {
            ('/', '*') => {
                depth += 1;
                i += 2;
            }
            ('*', '/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    chars.len()
}

/// A raw string whose hashes start at `start` (just after the `r`): its text and the
/// index past it; no text if it is not one after all.
fn raw_string(chars: &[char], start: usize) -> (Option<String>, usize) {
    let mut i = start;
    while chars.get(i) == Some(&'#') {
        i += 1;
    }
    let hashes = i - start;
    if chars.get(i) != Some(&'"') {
        return (None, i);
    }
    let body = i + 1;
    let mut j = body;
    while j < chars.len() {
        let closes = chars[j] == '"' && (1..=hashes).all(|h| chars.get(j + h) == Some(&'#'));
        if closes {
            return (Some(chars[body..j].iter().collect()), j + 1 + hashes);
        }
        j += 1;
    }
    (Some(chars[body..].iter().collect()), chars.len())
}

/// A string whose text starts at `start` (just after the `"`): the text unescaped and
/// the index past the closing quote.
fn escaped_string(chars: &[char], start: usize) -> (String, usize) {
    let mut text = String::new();
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '"' => return (text, i + 1),
            '\\' => {
                i += 1;
                match chars.get(i).copied().unwrap_or('\\') {
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    '0' => text.push('\0'),
                    '\n' => {
                        while chars.get(i + 1).is_some_and(|c| c.is_whitespace()) {
                            i += 1;
                        }
                    }
                    'x' => {
                        let hex: String = chars[i + 1..(i + 3).min(chars.len())].iter().collect();
                        text.extend(u8::from_str_radix(&hex, 16).ok().map(char::from));
                        i += 2;
                    }
                    'u' => {
                        let close = (i..chars.len()).find(|&j| chars[j] == '}');
                        let close = close.unwrap_or(chars.len() - 1);
                        let hex: String = chars[(i + 2).min(close)..close].iter().collect();
                        let code = u32::from_str_radix(&hex, 16).ok();
                        text.extend(code.and_then(char::from_u32));
                        i = close;
                    }
                    other => text.push(other),
                }
            }
            c => text.push(c),
        }
        i += 1;
    }
    (text, chars.len())
}

#[test]
fn literals_not_comments_nor_char_literals() {
    let source = r####"
        // "in a comment"
        /* "in a /* nested */ block" */
        let q = '"'; let e = '\''; fn f<'a>(x: &'a str) {}
        let s = "plain \"quoted\" \
                 continued";
        let r = r#"{"detail":"raw"}"#; let b = br"bytes";
    "####;
    assert_eq!(
        strings(source),
        ["plain \"quoted\" continued", r#"{"detail":"raw"}"#, "bytes"]
    );
}
