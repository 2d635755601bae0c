//! libpq's TLS settings, read the ways a PostgreSQL user already writes them: in
//! `DATABASE_URL` (`?sslmode=verify-full&sslrootcert=/ca.pem`) or in libpq's environment
//! variables (`PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`, `PGSSLKEY`), which psycopg2
//! honours, so the reference does. The URL wins over the environment, as in libpq.
//!
//! tokio-postgres parses only `sslmode=disable|prefer|require` and rejects the other
//! keys, so they are taken out of the URL here before it sees the rest.

use std::path::PathBuf;

use super::environment::{ConfigError, DEFAULT_SSLMODE, DEFAULT_SSLROOTCERT};
use crate::db::{RootCerts, SslMode, TlsSettings};
use crate::percent_decoding::percent_decode;

/// The parameters taken out of the connection string.
const TLS_KEYS: [&str; 4] = ["sslmode", "sslrootcert", "sslcert", "sslkey"];

/// Splits `url` into what tokio-postgres may parse and libpq's TLS `(key, value)` pairs.
/// Both forms are handled: `postgres://...?k=v&k=v` and `k=v k=v` (values of the TLS
/// keys unquoted there).
pub(super) fn take_tls_params(url: &str) -> (String, Vec<(String, String)>) {
    take_params(url, &TLS_KEYS)
}

/// Splits `url` into the `(key, value)` pairs of `keys` and the rest, in either form:
/// what [`take_tls_params`] does, for other keys tokio-postgres must not see.
pub(super) fn take_params(url: &str, keys: &[&str]) -> (String, Vec<(String, String)>) {
    let mut taken = Vec::new();
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if is_url {
        let Some((base, query)) = url.split_once('?') else {
            return (url.to_string(), taken);
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some((key, value)) if keys.contains(&key) => {
                    taken.push((key.to_string(), percent_decode(value).into_owned()));
                }
                _ => kept.push(pair),
            }
        }
        let rest = if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        (rest, taken)
    } else {
        let mut kept = Vec::new();
        for word in url.split_whitespace() {
            match word.split_once('=') {
                Some((key, value)) if keys.contains(&key) => {
                    taken.push((key.to_string(), value.trim_matches('\'').to_string()));
                }
                _ => kept.push(word),
            }
        }
        (kept.join(" "), taken)
    }
}

/// The TLS settings from the URL's parameters, then libpq's environment variables, then
/// libpq's defaults (`prefer`; `~/.postgresql/root.crt` if it exists).
pub(super) fn tls_settings(
    from_url: &[(String, String)],
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<TlsSettings, ConfigError> {
    let setting = |key: &str, variable: &str| {
        from_url
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
            .or_else(|| lookup(variable))
    };
    let mode = match setting("sslmode", "PGSSLMODE") {
        None => DEFAULT_SSLMODE,
        Some(text) => SslMode::parse(&text).ok_or_else(|| {
            ConfigError(format!(
                "sslmode must be one of disable, allow, prefer, require, verify-ca, \
                 verify-full (got {text:?})"
            ))
        })?,
    };
    let root_certs = match setting("sslrootcert", "PGSSLROOTCERT") {
        Some(text) if text == "system" => Some(RootCerts::System),
        Some(path) => Some(RootCerts::File(PathBuf::from(path))),
        None => default_root_cert(lookup).map(RootCerts::File),
    };
    let client_cert = match (
        setting("sslcert", "PGSSLCERT"),
        setting("sslkey", "PGSSLKEY"),
    ) {
        (Some(cert), Some(key)) => Some((PathBuf::from(cert), PathBuf::from(key))),
        (None, None) => None,
        _ => return Err(ConfigError("sslcert and sslkey go together".into())),
    };
    if matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull) && root_certs.is_none() {
        return Err(ConfigError(format!(
            "sslmode={} needs sslrootcert: a CA certificate file, or `system` for this \
             machine's trusted roots",
            mode.as_str()
        )));
    }
    if !cfg!(feature = "tls") && !mode.allows_plain_text() {
        return Err(ConfigError(format!(
            "sslmode={} needs TLS, and this build has none (cargo feature `tls`)",
            mode.as_str()
        )));
    }
    Ok(TlsSettings {
        mode,
        root_certs,
        client_cert,
    })
}

/// libpq's default `sslrootcert`, `~/.postgresql/root.crt`, when that file exists.
fn default_root_cert(lookup: &impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let path = PathBuf::from(lookup("HOME")?).join(DEFAULT_SSLROOTCERT);
    path.is_file().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_keys_leave_the_url_and_the_rest_stays() {
        let (rest, taken) = take_tls_params(
            "postgres://u:p@h/db?application_name=x&sslmode=verify-full&sslrootcert=%2Fca.pem",
        );
        assert_eq!(rest, "postgres://u:p@h/db?application_name=x");
        assert_eq!(
            taken,
            [
                ("sslmode".into(), "verify-full".into()),
                ("sslrootcert".into(), "/ca.pem".into())
            ]
        );
        let (rest, taken) = take_tls_params("host=h sslmode=require user=u");
        assert_eq!(rest, "host=h user=u");
        assert_eq!(taken, [("sslmode".into(), "require".into())]);
    }

    #[test]
    fn the_url_wins_over_the_environment_and_prefer_is_the_default() {
        let env = |name: &str| (name == "PGSSLMODE").then(|| "require".to_string());
        assert_eq!(tls_settings(&[], &env).unwrap().mode, SslMode::Require);
        let url = [("sslmode".to_string(), "disable".to_string())];
        assert_eq!(tls_settings(&url, &env).unwrap().mode, SslMode::Disable);
        assert_eq!(tls_settings(&[], &|_| None).unwrap().mode, SslMode::Prefer);
    }

    #[test]
    fn verify_modes_need_a_root_certificate_and_system_is_one() {
        let url = |root: &str| {
            let mut pairs = vec![("sslmode".to_string(), "verify-full".to_string())];
            if !root.is_empty() {
                pairs.push(("sslrootcert".to_string(), root.to_string()));
            }
            pairs
        };
        let err = tls_settings(&url(""), &|_| None).unwrap_err();
        assert!(err.to_string().contains("sslrootcert"), "{err}");
        let system = tls_settings(&url("system"), &|_| None).unwrap();
        assert_eq!(system.root_certs, Some(RootCerts::System));
    }

    #[test]
    fn an_unknown_mode_is_an_error_naming_the_choices() {
        let url = [("sslmode".to_string(), "sometimes".to_string())];
        let err = tls_settings(&url, &|_| None).unwrap_err();
        assert!(err.to_string().contains("verify-full"), "{err}");
    }
}
