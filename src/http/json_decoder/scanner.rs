//! The scanner behind [`check`](super::check): a walk over the JSON text that fails
//! where CPython's `json` module fails, with its message and character position.
//!
//! CPython's `Modules/_json.c` scans a value by its first character and reports a
//! `JSONDecodeError` at the start of the token it could not read; serde_json reports
//! where it noticed the problem, often a few characters later. FastAPI puts Python's
//! position in the 422's `loc`, so the position is recomputed here. Nothing is built:
//! serde_json parses the text afterwards, once it is known to be valid. The limits it
//! enforces and the error it reports live here, and the decoder re-exports them.

/// A body Python's decoder refuses.
#[derive(Debug, PartialEq)]
pub enum PyJsonError {
    /// `UnicodeDecodeError`, `ValueError` (a too-long integer) or `RecursionError`:
    /// FastAPI's 400 "There was an error parsing the body".
    Unreadable,
    /// `JSONDecodeError(msg, doc, pos)`, `pos` counted in characters.
    Syntax { msg: &'static str, pos: usize },
}

/// Python's int/str conversion limit.
pub(super) const MAX_INT_DIGITS: usize = 4300;

/// Nesting deeper than this is refused. Python's limit is its recursion limit minus
/// the frames in use (about 980 in the reference); serde_json stops at 128.
pub const MAX_DEPTH: usize = 128;

pub(super) fn syntax(msg: &'static str, pos: usize) -> PyJsonError {
    PyJsonError::Syntax { msg, pos }
}

pub(super) struct Scanner<'a> {
    pub(super) s: &'a [char],
}

impl Scanner<'_> {
    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    pub(super) fn skip_ws(&self, mut i: usize) -> usize {
        while matches!(self.at(i), Some(' ' | '\t' | '\n' | '\r')) {
            i += 1;
        }
        i
    }

    fn starts_with(&self, i: usize, word: &str) -> bool {
        word.chars()
            .enumerate()
            .all(|(k, c)| self.at(i + k) == Some(c))
    }

    /// `scan_once`: one value at `i`; the index after it. A value that does not start
    /// here is Python's `StopIteration(i)`, reported as "Expecting value" at `i`.
    pub(super) fn value(&self, i: usize, depth: usize) -> Result<usize, PyJsonError> {
        let word = |w: &str| self.starts_with(i, w).then_some(i + w.chars().count());
        let found = match self.at(i) {
            Some('"') => return self.string(i + 1),
            Some('{') | Some('[') if depth >= MAX_DEPTH => return Err(PyJsonError::Unreadable),
            Some('{') => return self.object(i + 1, depth + 1),
            Some('[') => return self.array(i + 1, depth + 1),
            Some('n') => word("null"),
            Some('t') => word("true"),
            Some('f') => word("false"),
            Some('N') => word("NaN"),
            Some('I') => word("Infinity"),
            Some('-') if self.starts_with(i, "-Infinity") => word("-Infinity"),
            _ => None,
        };
        match found {
            Some(end) => Ok(end),
            None => self.number(i),
        }
    }

    /// `_match_number_unicode`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`, the
    /// longest match; an integer over 4,300 digits fails in `int()`.
    fn number(&self, start: usize) -> Result<usize, PyJsonError> {
        let digit = |i: usize| self.at(i).is_some_and(|c| c.is_ascii_digit());
        let mut i = start;
        if self.at(i) == Some('-') {
            i += 1;
        }
        let int_start = i;
        match self.at(i) {
            Some('1'..='9') => {
                while digit(i) {
                    i += 1;
                }
            }
            Some('0') => i += 1,
            _ => return Err(syntax("Expecting value", start)),
        }
        let int_digits = i - int_start;
        let mut is_float = false;
        if self.at(i) == Some('.') && digit(i + 1) {
            is_float = true;
            i += 1;
            while digit(i) {
                i += 1;
            }
        }
        if matches!(self.at(i), Some('e' | 'E')) {
            let mut j = i + 1;
            if matches!(self.at(j), Some('-' | '+')) {
                j += 1;
            }
            if digit(j) {
                is_float = true;
                while digit(j) {
                    j += 1;
                }
                i = j;
            }
        }
        if !is_float && int_digits > MAX_INT_DIGITS {
            return Err(PyJsonError::Unreadable);
        }
        Ok(i)
    }

    /// `scanstring`: `begin` is just after the opening quote.
    fn string(&self, begin: usize) -> Result<usize, PyJsonError> {
        let hex4 = |i: usize| (i..i + 4).all(|k| self.at(k).is_some_and(|c| c.is_ascii_hexdigit()));
        let mut i = begin;
        loop {
            match self.at(i) {
                None => return Err(syntax("Unterminated string starting at", begin - 1)),
                Some('"') => return Ok(i + 1),
                Some(c) if (c as u32) < 0x20 => {
                    return Err(syntax("Invalid control character at", i));
                }
                Some('\\') => match self.at(i + 1) {
                    None => return Err(syntax("Unterminated string starting at", begin - 1)),
                    Some('"' | '\\' | '/' | 'b' | 'f' | 'n' | 'r' | 't') => i += 2,
                    Some('u') => {
                        // `end >= len`: the four digits must not reach the very end.
                        if i + 6 >= self.s.len() || !hex4(i + 2) {
                            return Err(syntax("Invalid \\uXXXX escape", i + 1));
                        }
                        i += 6;
                    }
                    Some(_) => return Err(syntax("Invalid \\escape", i)),
                },
                Some(_) => i += 1,
            }
        }
    }

    fn object(&self, after_brace: usize, depth: usize) -> Result<usize, PyJsonError> {
        let mut i = self.skip_ws(after_brace);
        if self.at(i) == Some('}') {
            return Ok(i + 1);
        }
        loop {
            if self.at(i) != Some('"') {
                return Err(syntax(
                    "Expecting property name enclosed in double quotes",
                    i,
                ));
            }
            i = self.skip_ws(self.string(i + 1)?);
            if self.at(i) != Some(':') {
                return Err(syntax("Expecting ':' delimiter", i));
            }
            i = self.skip_ws(self.value(self.skip_ws(i + 1), depth)?);
            match self.at(i) {
                Some('}') => return Ok(i + 1),
                Some(',') => {}
                _ => return Err(syntax("Expecting ',' delimiter", i)),
            }
            i = self.skip_ws(i + 1);
        }
    }

    fn array(&self, after_bracket: usize, depth: usize) -> Result<usize, PyJsonError> {
        let mut i = self.skip_ws(after_bracket);
        if self.at(i) == Some(']') {
            return Ok(i + 1);
        }
        loop {
            i = self.skip_ws(self.value(i, depth)?);
            match self.at(i) {
                Some(']') => return Ok(i + 1),
                Some(',') => {}
                _ => return Err(syntax("Expecting ',' delimiter", i)),
            }
            i = self.skip_ws(i + 1);
        }
    }
}
