//! libpq's settings for several hosts and for dead peers, read the ways a PostgreSQL
//! user already writes them, as psycopg2 (libpq) read them for the seed:
//!
//! - host lists: `postgres://u@h1:5441,h2:5442/db`, `host=h1,h2 port=5441,5442`,
//!   `PGHOST=h1,h2` with `PGPORT=5441,5442` (or one port for all), and `DB_HOST`/`DB_PORT`
//!   the same way. A comma cannot be in a host name, so no `DB_HOST` that worked before
//!   means anything new. `DB_*` win over `PG*`; a `DATABASE_URL` without a host takes
//!   `PGHOST`, as libpq fills what a connection string leaves out.
//! - `target_session_attrs` (`PGTARGETSESSIONATTRS`), `load_balance_hosts`
//!   (`PGLOADBALANCEHOSTS`), `connect_timeout` (`PGCONNECT_TIMEOUT`): how the list is
//!   tried (`db/link/host_selection.rs`).
//! - `keepalives`, `keepalives_idle`, `keepalives_interval`, `keepalives_count`,
//!   `tcp_user_timeout` (milliseconds, as in libpq): how the kernel notices a peer that
//!   vanished; URL only, as in libpq.
//!
//! tokio-postgres refuses `target_session_attrs` values past its three, calls
//! `keepalives_count` `keepalives_retries`, reads `tcp_user_timeout` as seconds and
//! cannot tell an unset `keepalives_idle` from its default; so these keys are taken out
//! of the URL before it parses the rest, and read here. The URL wins over the
//! environment, as in libpq. A bad value stops the start with its parameter's name.

use std::time::Duration;

use tokio_postgres::Config;

use super::environment::ConfigError;
use crate::db::{DEFAULT_CONNECT_TIMEOUT, HostChoice, TargetSessionAttrs};
use crate::percent_decoding::percent_decode;

/// The parameters taken out of the connection string.
pub(super) const HOST_KEYS: [&str; 8] = [
    "target_session_attrs",
    "load_balance_hosts",
    "connect_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
];

/// Our TCP keepalive defaults where libpq leaves the kernel's (2 h idle, 75 s apart,
/// 9 probes: a vanished idle peer found after 2 h 11 min): idle 10 s, then 3 probes
/// 5 s apart, so an idle connection to a host that vanished is noticed in 25 s.
const KEEPALIVES_IDLE: Duration = Duration::from_secs(10);
const KEEPALIVES_INTERVAL: Duration = Duration::from_secs(5);
const KEEPALIVES_COUNT: u32 = 3;

/// Adds a host list (`h1,h2`) and its ports (one for all, or one each; empty means
/// 5432) to `config`. `hosts` and `ports` are `(variable, value)`, for the errors.
pub(super) fn add_hosts(
    config: &mut Config,
    hosts: (&str, &str),
    ports: Option<(&str, String)>,
) -> Result<(), ConfigError> {
    for host in hosts.1.split(',') {
        config.host(host.trim());
    }
    if let Some((variable, ports)) = ports {
        for port in ports.split(',').map(str::trim) {
            let port = match port {
                "" => 5432,
                port => port.parse().map_err(|_| {
                    ConfigError(format!("{variable} must be port numbers (1-65535)"))
                })?,
            };
            config.port(port);
        }
    }
    check_ports(config)
}

/// libpq's rules: no port, one port for every host, or one per host; and a `hostaddr`
/// for each host name, when both are given.
pub(super) fn check_ports(config: &Config) -> Result<(), ConfigError> {
    let (names, addresses) = (config.get_hosts().len(), config.get_hostaddrs().len());
    if names > 0 && addresses > 0 && names != addresses {
        return Err(ConfigError(format!(
            "hostaddr: {addresses} addresses for {names} host names (give one per host, \
             as libpq requires)"
        )));
    }
    let hosts = names.max(addresses);
    let ports = config.get_ports().len();
    if ports > 1 && ports != hosts {
        return Err(ConfigError(format!(
            "port: {ports} port numbers for {hosts} hosts (give one port for all of them, \
             or one per host)"
        )));
    }
    Ok(())
}

/// A URL's host list, taken out of it: the URL without it (for tokio-postgres, which
/// would fill in a 5432 for every host that names no port, hiding which did), the host
/// names, and their ports as written (`""` where none was). `[::1]:5441` is an IPv6
/// address and its port.
pub(super) fn split_url_hosts(url: &str) -> (String, Vec<String>, Vec<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), Vec::new(), Vec::new());
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    let (userinfo, list) = match authority.rsplit_once('@') {
        Some((userinfo, list)) => (format!("{userinfo}@"), list),
        None => (String::new(), authority),
    };
    let (mut hosts, mut ports) = (Vec::new(), Vec::new());
    for entry in list.split(',').filter(|entry| !entry.is_empty()) {
        let (host, port) = match entry.strip_prefix('[') {
            Some(bracketed) => {
                let (address, after) = bracketed.split_once(']').unwrap_or((bracketed, ""));
                (address, after.strip_prefix(':').unwrap_or(""))
            }
            None => entry.rsplit_once(':').unwrap_or((entry, "")),
        };
        // `%2Fvar%2Frun%2Fpostgresql`: a Unix socket's directory, percent-encoded.
        hosts.push(percent_decode(host).into_owned());
        ports.push(port.to_string());
    }
    (format!("{scheme}://{userinfo}{path}"), hosts, ports)
}

/// Reads the taken-out parameters (then `PG*` variables): the TCP ones go onto
/// `config`, the rest say how the hosts are tried.
pub(super) fn host_choice(
    from_url: &[(String, String)],
    lookup: &impl Fn(&str) -> Option<String>,
    config: &mut Config,
) -> Result<HostChoice, ConfigError> {
    let url = |key: &str| {
        let found = from_url.iter().rev().find(|(k, _)| k == key);
        found.map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    };
    let setting = |key: &str, variable: &str| url(key).or_else(|| lookup(variable));
    let target = match setting("target_session_attrs", "PGTARGETSESSIONATTRS") {
        None => TargetSessionAttrs::Any,
        Some(text) => TargetSessionAttrs::parse(&text).ok_or_else(|| {
            ConfigError(format!(
                "target_session_attrs must be one of any, read-write, read-only, primary, \
                 standby, prefer-standby (got {text:?})"
            ))
        })?,
    };
    let random_order = match setting("load_balance_hosts", "PGLOADBALANCEHOSTS").as_deref() {
        None | Some("disable") => false,
        Some("random") => true,
        Some(text) => {
            return Err(ConfigError(format!(
                "load_balance_hosts must be disable or random (got {text:?})"
            )));
        }
    };
    // libpq: whole seconds; 1 counts as 2. Zero or less is "for ever" in libpq and our
    // default here: a host that never answers would stop the list at it.
    let connect_timeout = match setting("connect_timeout", "PGCONNECT_TIMEOUT") {
        None => DEFAULT_CONNECT_TIMEOUT,
        Some(text) => match whole_number("connect_timeout", &text)? {
            ..=0 => DEFAULT_CONNECT_TIMEOUT,
            seconds => Duration::from_secs(seconds.max(2) as u64),
        },
    };
    if let Some(text) = url("keepalives") {
        config.keepalives(whole_number("keepalives", &text)? != 0);
    }
    let idle = positive("keepalives_idle", url("keepalives_idle"))?;
    config.keepalives_idle(idle.map_or(KEEPALIVES_IDLE, Duration::from_secs));
    // Our defaults only where nothing was given (`keepalives_retries`, tokio-postgres's
    // own name for the count, is left to it).
    let interval = positive("keepalives_interval", url("keepalives_interval"))?;
    match interval.map(Duration::from_secs) {
        Some(interval) => config.keepalives_interval(interval),
        None if config.get_keepalives_interval().is_none() => {
            config.keepalives_interval(KEEPALIVES_INTERVAL)
        }
        None => config,
    };
    let count = positive("keepalives_count", url("keepalives_count"))?;
    match count.map(|count| u32::try_from(count).unwrap_or(u32::MAX)) {
        Some(count) => config.keepalives_retries(count),
        None if config.get_keepalives_retries().is_none() => {
            config.keepalives_retries(KEEPALIVES_COUNT)
        }
        None => config,
    };
    if let Some(text) = url("tcp_user_timeout") {
        // Milliseconds, as libpq counts them; 0 leaves the kernel's default.
        let millis = whole_number("tcp_user_timeout", &text)?;
        if millis > 0 {
            config.tcp_user_timeout(Duration::from_millis(millis as u64));
        }
    }
    Ok(HostChoice {
        target,
        random_order,
        connect_timeout,
    })
}

/// A whole number, as libpq's `parse_int_param` takes it; the error names `parameter`.
fn whole_number(parameter: &str, text: &str) -> Result<i64, ConfigError> {
    text.trim()
        .parse()
        .map_err(|_| ConfigError(format!("{parameter} must be a whole number (got {text:?})")))
}

/// A count of seconds (or probes) that must be above zero: the kernel refuses 0.
fn positive(parameter: &str, text: Option<String>) -> Result<Option<u64>, ConfigError> {
    let Some(text) = text else {
        return Ok(None);
    };
    match whole_number(parameter, &text)? {
        value @ 1.. => Ok(Some(value as u64)),
        _ => Err(ConfigError(format!(
            "{parameter} must be at least 1 (got {text:?})"
        ))),
    }
}

#[cfg(test)]
mod tests;
