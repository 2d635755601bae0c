//! What Python's `json.loads` does with a request body that serde_json does not.
//!
//! Starlette's `request.json()` is `json.loads(body_bytes)`. Before parsing, Python
//! detects the encoding itself (UTF-8, UTF-16 or UTF-32, with or without a BOM:
//! `json.detect_encoding`); a body that does not decode is a `UnicodeDecodeError`, which
//! FastAPI answers 400. A syntax error is a `JSONDecodeError` whose `pos` FastAPI puts
//! in the 422's `loc`: Python points at the start of the token it could not read (the
//! `-` of `-}`, the `t` of `tru`), not where serde_json noticed the problem. An integer
//! literal over 4,300 digits is a `ValueError` (Python's int/str limit) and nesting too
//! deep a `RecursionError`, both 400s. [`decode`] and [`check`] reproduce that
//! (CPython's Lib/json/__init__.py and Modules/_json.c); serde_json then builds the
//! value from text known to be valid.

mod scanner;

pub use scanner::PyJsonError;
// The documented nesting limit, named where the body's reader and its tests look for it.
#[allow(unused_imports)]
pub use scanner::MAX_DEPTH;
use scanner::{Scanner, syntax};

/// `json.detect_encoding` and `bytes.decode(encoding)`: the body as text.
pub fn decode(bytes: &[u8]) -> Result<String, PyJsonError> {
    let utf16 = |bytes: &[u8], be: bool| -> Result<String, PyJsonError> {
        if bytes.len() % 2 != 0 {
            return Err(PyJsonError::Unreadable);
        }
        let units = bytes.chunks_exact(2).map(|c| {
            let pair = [c[0], c[1]];
            if be {
                u16::from_be_bytes(pair)
            } else {
                u16::from_le_bytes(pair)
            }
        });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|_| PyJsonError::Unreadable)
    };
    let utf32 = |bytes: &[u8], be: bool| -> Result<String, PyJsonError> {
        if bytes.len() % 4 != 0 {
            return Err(PyJsonError::Unreadable);
        }
        bytes
            .chunks_exact(4)
            .map(|c| {
                let quad = [c[0], c[1], c[2], c[3]];
                let code = if be {
                    u32::from_be_bytes(quad)
                } else {
                    u32::from_le_bytes(quad)
                };
                char::from_u32(code).ok_or(PyJsonError::Unreadable)
            })
            .collect()
    };
    let utf8 =
        |bytes: &[u8]| String::from_utf8(bytes.to_vec()).map_err(|_| PyJsonError::Unreadable);
    match bytes {
        [0, 0, 0xFE, 0xFF, rest @ ..] => utf32(rest, true),
        [0xFF, 0xFE, 0, 0, rest @ ..] => utf32(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xEF, 0xBB, 0xBF, rest @ ..] => utf8(rest),
        [0, b1, _, _, ..] => {
            if *b1 != 0 {
                utf16(bytes, true)
            } else {
                utf32(bytes, true)
            }
        }
        [_, 0, b2, b3, ..] => {
            if *b2 != 0 || *b3 != 0 {
                utf16(bytes, false)
            } else {
                utf32(bytes, false)
            }
        }
        [0, _] => utf16(bytes, true),
        [_, 0] => utf16(bytes, false),
        _ => utf8(bytes),
    }
}

/// Runs CPython's scanner over `text` without building anything: `Ok` when
/// `json.loads` would return a value.
pub fn check(text: &str) -> Result<(), PyJsonError> {
    let chars: Vec<char> = text.chars().collect();
    let scanner = Scanner { s: &chars };
    let start = scanner.skip_ws(0);
    let end = scanner.value(start, 0)?;
    let end = scanner.skip_ws(end);
    if end != chars.len() {
        return Err(syntax("Extra data", end));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(text: &str) -> Result<(), (&'static str, usize)> {
        check(text).map_err(|e| match e {
            PyJsonError::Syntax { msg, pos } => (msg, pos),
            PyJsonError::Unreadable => ("unreadable", usize::MAX),
        })
    }

    #[test]
    fn errors_are_where_python_reports_them() {
        // Each position is what `json.loads` in CPython 3.11 says.
        assert_eq!(pos(r#"{"a":-}"#), Err(("Expecting value", 5)));
        assert_eq!(pos(r#"{"a":1.}"#), Err(("Expecting ',' delimiter", 6)));
        assert_eq!(pos(r#"{"a":tru}"#), Err(("Expecting value", 5)));
        assert_eq!(pos(r#"{"a":"\x"}"#), Err(("Invalid \\escape", 6)));
        assert_eq!(pos(r#"{"a":1e+}"#), Err(("Expecting ',' delimiter", 6)));
        assert_eq!(pos("nul"), Err(("Expecting value", 0)));
        assert_eq!(pos(r#"{"nam"#), Err(("Unterminated string starting at", 1)));
        assert_eq!(pos("{} x"), Err(("Extra data", 3)));
        // Python 3.11 has no "Illegal trailing comma" message (3.13 added it).
        assert_eq!(pos("[1,]"), Err(("Expecting value", 3)));
        let name = "Expecting property name enclosed in double quotes";
        assert_eq!(pos(r#"{"a":1,}"#), Err((name, 7)));
        assert_eq!(pos("  "), Err(("Expecting value", 2)));
        assert_eq!(pos("{\"é\":\n x}"), Err(("Expecting value", 7)));
        assert_eq!(pos(r#"[NaN, -Infinity, 1E5, "\u00e9"]"#), Ok(()));
    }

    #[test]
    fn long_integers_and_deep_nesting_are_unreadable() {
        assert_eq!(check(&"1".repeat(4300)), Ok(()));
        assert_eq!(check(&"1".repeat(4301)), Err(PyJsonError::Unreadable));
        assert_eq!(check(&format!("{}.5", "1".repeat(5000))), Ok(()));
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(check(&deep), Err(PyJsonError::Unreadable));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(check(&ok), Ok(()));
    }

    #[test]
    fn encodings_are_detected_like_json_detect_encoding() {
        let doc = r#"{"a": "é"}"#;
        let utf16le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let utf32le: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let utf32be: Vec<u8> = doc.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        for bytes in [&utf16le, &utf16be, &utf32le, &utf32be] {
            assert_eq!(decode(bytes).as_deref(), Ok(doc));
        }
        let with_bom = [&[0xFF, 0xFE][..], &utf16le].concat();
        assert_eq!(decode(&with_bom).as_deref(), Ok(doc));
        assert_eq!(decode(b"\xEF\xBB\xBF{}").as_deref(), Ok("{}"));
        assert_eq!(decode(b"\xFF\xFE").as_deref(), Ok(""));
        assert_eq!(decode(b"\"\xff\""), Err(PyJsonError::Unreadable));
    }
}
