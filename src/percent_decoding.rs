//! Percent-decoding, as uvicorn decodes the request path for the ASGI scope and as
//! Python's `urllib.parse.unquote` decodes a query value or a connection URL's
//! parameter: `%XX` escapes to bytes, then the bytes to text. A leaf of its own, not an
//! HTTP helper: the app decodes paths with it, `http` query strings and `config` the
//! parameters of `DATABASE_URL`.

use std::borrow::Cow;

/// `%XX` escapes to bytes, then to text (invalid UTF-8 becomes U+FFFD), like the path
/// uvicorn puts in the ASGI scope. `%2F` becomes a `/` and so splits segments, as it
/// does in Starlette. `Cow` ("clone on write") is borrowed or owned: a path without `%`
/// comes back as is, uncopied.
pub fn percent_decode(path: &str) -> Cow<'_, str> {
    if !path.contains('%') {
        return Cow::Borrowed(path);
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes.get(i + 1..i + 3).and_then(|hex| {
            let hex = std::str::from_utf8(hex).ok()?;
            u8::from_str_radix(hex, 16).ok()
        });
        match (bytes[i], escaped) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    Cow::Owned(String::from_utf8_lossy(&decoded).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_escapes_are_decoded_before_matching() {
        assert_eq!(percent_decode("/users/%31"), "/users/1");
        assert_eq!(percent_decode("/users/1%2F2"), "/users/1/2");
        assert_eq!(percent_decode("/users/%00"), "/users/\0");
        assert_eq!(percent_decode("/bad%zz%4"), "/bad%zz%4");
        assert_eq!(percent_decode("/%ff"), "/\u{fffd}");
    }
}
