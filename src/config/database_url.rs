//! `DATABASE_URL` (or the seed's `DB_*` variables) and `READ_DATABASE_URL`, read into
//! the db layer's [`ConnectSettings`]: what psycopg2 handed to libpq as a DSN.
//!
//! Both URLs take libpq's syntax, TLS and host-choice keys included, and fall back on
//! the same `PG*` variables. The read URL is usually the write URL's hosts with
//! `target_session_attrs=standby` (or `prefer-standby`) and `load_balance_hosts=random`.

use super::environment::{
    ConfigError, DEFAULT_DB_HOST, DEFAULT_DB_NAME, DEFAULT_DB_PASSWORD, DEFAULT_DB_PORT,
    DEFAULT_DB_USER, first_set,
};
use super::{host_params, tls_params};
use crate::db::ConnectSettings;

/// What PostgreSQL's `pg_stat_activity` shows for the read connection, unless the URL
/// names one: the write connection is `userapi` (`db/link/session_maker.rs`).
const READS_APPLICATION_NAME: &str = "userapi-reads";

/// Where writes (and, without a read URL, reads) go: `DATABASE_URL`, else `DB_*`.
pub(super) fn database(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<ConnectSettings, ConfigError> {
    match lookup("DATABASE_URL") {
        Some(url) => from_url("DATABASE_URL", &url, lookup),
        None => {
            let mut config = tokio_postgres::Config::new();
            let hosts = first_set(lookup, ["DB_HOST", "PGHOST"])
                .unwrap_or(("DB_HOST", DEFAULT_DB_HOST.to_string()));
            let ports = first_set(lookup, ["DB_PORT", "PGPORT"])
                .unwrap_or(("DB_PORT", DEFAULT_DB_PORT.to_string()));
            host_params::add_hosts(&mut config, (hosts.0, &hosts.1), Some(ports))?;
            config
                .dbname(lookup("DB_NAME").as_deref().unwrap_or(DEFAULT_DB_NAME))
                .user(lookup("DB_USER").as_deref().unwrap_or(DEFAULT_DB_USER))
                .password(
                    lookup("DB_PASSWORD")
                        .as_deref()
                        .unwrap_or(DEFAULT_DB_PASSWORD),
                );
            finish(config, &[], &[], lookup)
        }
    }
}

/// `READ_DATABASE_URL`, if set: the standby the read routes use.
pub(super) fn read_database(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<Option<ConnectSettings>, ConfigError> {
    let Some(url) = lookup("READ_DATABASE_URL") else {
        return Ok(None);
    };
    let mut settings = from_url("READ_DATABASE_URL", &url, lookup)?;
    if settings.postgres.get_application_name().is_none() {
        settings.postgres.application_name(READS_APPLICATION_NAME);
    }
    Ok(Some(settings))
}

/// One URL (or `key=value` string), named `name` in errors.
fn from_url(
    name: &str,
    url: &str,
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<ConnectSettings, ConfigError> {
    // tokio-postgres parses both URLs and `key=value` strings, once the TLS and
    // host-choice keys it does not know (or knows differently) are out. Its error
    // message does not repeat the input, so it cannot leak the password.
    let (rest, tls) = tls_params::take_tls_params(url);
    let (rest, hosts) = tls_params::take_params(&rest, &host_params::HOST_KEYS);
    // In a URL, `?host=` and `?port=` override the host list before them, as in libpq;
    // the list is read here, with which ports it names.
    let is_url = rest.starts_with("postgres://") || rest.starts_with("postgresql://");
    let (rest, named) = match is_url {
        true => {
            let (rest, query) = tls_params::take_params(&rest, &["host", "port"]);
            let (rest, hosts, ports) = host_params::split_url_hosts(&rest);
            let last = |key: &str| query.iter().rev().find(|(k, _)| k == key);
            let hosts = last("host").map_or(hosts.join(","), |(_, v)| v.clone());
            let ports = match last("port") {
                Some((_, ports)) => Some(ports.clone()),
                None if ports.iter().any(|port| !port.is_empty()) => Some(ports.join(",")),
                None => None,
            };
            (rest, Some((hosts, ports)))
        }
        false => (rest, None),
    };
    let mut config = rest
        .parse::<tokio_postgres::Config>()
        .map_err(|e| ConfigError(format!("{name} is not usable: {e}")))?;
    if let Some((hosts, ports)) = named.filter(|(hosts, _)| !hosts.is_empty()) {
        let ports = ports
            .or_else(|| lookup("PGPORT"))
            .map(|ports| (name, ports));
        host_params::add_hosts(&mut config, (name, &hosts), ports)?;
    }
    // What the string leaves out, libpq takes from PGHOST and PGPORT.
    if config.get_hosts().is_empty() && config.get_hostaddrs().is_empty() {
        if let Some(hosts) = lookup("PGHOST") {
            let ports = lookup("PGPORT").map(|ports| ("PGPORT", ports));
            host_params::add_hosts(&mut config, ("PGHOST", &hosts), ports)?;
        }
    } else if config.get_ports().is_empty() {
        // Hosts named without ports (`host=h1,h2`): PGPORT's, as in libpq.
        if let Some(ports) = lookup("PGPORT") {
            for port in ports.split(',').map(str::trim) {
                let port = port.parse().map_err(|_| {
                    ConfigError("PGPORT must be port numbers (1-65535)".to_string())
                })?;
                config.port(port);
            }
        }
    }
    finish(config, &tls, &hosts, lookup)
}

/// The checks and settings every source shares: ports, host choice, TLS.
fn finish(
    mut postgres: tokio_postgres::Config,
    tls_keys: &[(String, String)],
    host_keys: &[(String, String)],
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<ConnectSettings, ConfigError> {
    host_params::check_ports(&postgres)?;
    let hosts = host_params::host_choice(host_keys, lookup, &mut postgres)?;
    let tls = tls_params::tls_settings(tls_keys, lookup)?;
    Ok(ConnectSettings {
        postgres,
        tls,
        hosts,
    })
}

#[cfg(test)]
mod tests;
