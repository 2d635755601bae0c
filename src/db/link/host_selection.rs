//! Choosing one PostgreSQL among several, as libpq does: the hosts of a list tried one
//! by one, each within its own `connect_timeout`, until one gives a session of the kind
//! `target_session_attrs` asks for.
//!
//! psycopg2 gave the seed all of this through libpq: `host=h1,h2,h3` with
//! `target_session_attrs=read-write` finds the primary of a failover cluster, and
//! libpq decides from what the server says about itself:
//!
//! | `target_session_attrs` | takes a host whose session... | else libpq says |
//! |---|---|---|
//! | `any` (default) | answers at all | |
//! | `read-write` | can write (neither standby nor `default_transaction_read_only`) | session is read-only |
//! | `read-only` | cannot write | session is not read-only |
//! | `primary` | is not a hot standby | server is in hot standby mode |
//! | `standby` | is a hot standby | server is not in hot standby mode |
//! | `prefer-standby` | a standby if any host is one; else, in a second pass, any | |
//!
//! PostgreSQL 14 and later report `in_hot_standby` and `default_transaction_read_only`
//! at login, and tokio-postgres keeps them (`Connection::parameter`, read in `login.rs`),
//! so deciding costs no query; an older server is asked
//! `pg_is_in_recovery()` and `transaction_read_only` in one round trip, as libpq asks.
//! tokio-postgres tries a list itself, but knows only the first three values, applies
//! `connect_timeout` to each socket rather than to each host's whole login, and keeps
//! only the last host's error; so it is handed one host at a time (`host_list.rs`),
//! one address at a time (`addresses.rs`), and every host's reason is kept for the
//! log. `load_balance_hosts=random` shuffles the list, and each name's addresses, for
//! each connection, as libpq 16 does.
//!
//! Inside, top to bottom: `addresses`, `host_list`.

mod addresses;
mod host_list;

use tokio::time::{Instant, timeout_at};
use tokio_postgres::{Client, Config, SimpleQueryMessage};

use super::login::{Login, ServerState};
use super::tls;
use crate::db::error::describe;
use crate::db::settings::{ConnectSettings, TargetSessionAttrs};
use addresses::addresses;
use host_list::{candidates, shuffle};

/// What libpq asks a server that reported nothing at login (before PostgreSQL 14),
/// both questions in one round trip.
const STATE_QUERY: &str = "SELECT pg_catalog.pg_is_in_recovery(), \
                           pg_catalog.current_setting('transaction_read_only')";

/// A login to a host that qualified.
pub(super) struct Chosen {
    /// Its state settled: [`Login::state`] is `Some`.
    pub(super) login: Login,
    /// `host:port`, for the log.
    pub(super) host: String,
    /// The end of this host's `connect_timeout`: what is left is for the setup.
    pub(super) deadline: Instant,
    /// `(host:port, reason)` for each host tried before this one.
    pub(super) skipped: Vec<(String, String)>,
}

/// Tries the hosts in order (or shuffled), each within `connect_timeout`, and returns
/// the first that qualifies; or, when none does, `(host:port, reason)` for every try.
/// Hosts named in `demoted` go last, in that order; `skip` is not tried at all.
pub(super) async fn choose_host(
    settings: &ConnectSettings,
    demoted: &[String],
    skip: Option<&str>,
) -> Result<Chosen, Vec<(String, String)>> {
    let mut hosts = candidates(&settings.postgres);
    if settings.hosts.random_order {
        shuffle(&mut hosts);
    }
    hosts.retain(|(host, _)| Some(host.as_str()) != skip);
    // A stable sort: the others keep their order, the demoted follow in theirs.
    hosts.sort_by_key(|(host, _)| demoted.iter().position(|known| known == host));
    let mut skipped = Vec::new();
    for pass in passes(settings.hosts.target) {
        for (host, config) in &hosts {
            if let Some((login, deadline)) =
                each_address(host, config, settings, pass, &mut skipped).await
            {
                return Ok(Chosen {
                    login,
                    host: host.clone(),
                    deadline,
                    skipped,
                });
            }
        }
    }
    Err(skipped)
}

/// A login to `host` of the list, whatever kind of server it is, within its
/// `connect_timeout`: for a side connection to the host a session is on.
pub(super) async fn log_in_to(settings: &ConnectSettings, host: &str) -> Result<Login, String> {
    let hosts = candidates(&settings.postgres);
    let Some((_, config)) = hosts.iter().find(|(name, _)| name == host) else {
        return Err(format!("{host} is not in the host list"));
    };
    let mut skipped = Vec::new();
    match each_address(
        host,
        config,
        settings,
        TargetSessionAttrs::Any,
        &mut skipped,
    )
    .await
    {
        Some((login, _)) => Ok(login),
        None => Err(skipped
            .into_iter()
            .map(|(address, reason)| format!("{address}: {reason}"))
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

/// One host of the list, each of its addresses within its own `connect_timeout`: the
/// first login `target` wants and the end of its timeout, or `None` with every
/// address's reason added to `skipped` (named `host:port (address)` when the name had
/// several).
async fn each_address(
    host: &str,
    config: &Config,
    settings: &ConnectSettings,
    target: TargetSessionAttrs,
    skipped: &mut Vec<(String, String)>,
) -> Option<(Login, Instant)> {
    let limit = settings.hosts.connect_timeout;
    let mut found = match addresses(config, limit).await {
        Ok(found) => found,
        Err(reason) => {
            skipped.push((host.to_string(), reason));
            return None;
        }
    };
    if settings.hosts.random_order {
        shuffle(&mut found);
    }
    for address in found {
        let deadline = Instant::now() + limit;
        match attempt(&address.config, settings, target, deadline).await {
            Ok(login) => return Some((login, deadline)),
            Err(reason) => {
                let shown = match address.shown_as {
                    Some(ip) => format!("{host} ({ip})"),
                    None => host.to_string(),
                };
                skipped.push((shown, reason));
            }
        }
    }
    None
}

/// `host:port` of every host of the list, as `choose_host` names them.
pub(super) fn host_names(config: &Config) -> Vec<String> {
    candidates(config)
        .into_iter()
        .map(|(host, _)| host)
        .collect()
}

/// libpq's passes over the list: `prefer-standby` looks for a standby first, then
/// takes any host; every other value is one pass.
fn passes(target: TargetSessionAttrs) -> Vec<TargetSessionAttrs> {
    match target {
        TargetSessionAttrs::PreferStandby => {
            vec![TargetSessionAttrs::Standby, TargetSessionAttrs::Any]
        }
        other => vec![other],
    }
}

/// One host: log in (TLS as `sslmode` says), learn what the server is, and keep the
/// login only if `target` wants it, all before `deadline`.
async fn attempt(
    config: &Config,
    settings: &ConnectSettings,
    target: TargetSessionAttrs,
    deadline: Instant,
) -> Result<Login, String> {
    let mut login = tls::log_in(config, &settings.tls, deadline)
        .await
        .map_err(|failure| failure.to_string())?;
    let asked = match login.state {
        Some(reported) => Ok(Ok(reported)),
        None => timeout_at(deadline, server_state(&login.client)).await,
    };
    let state = match asked {
        Ok(Ok(state)) => state,
        Ok(Err(err)) => {
            login.close();
            return Err(format!(
                "cannot tell whether it is a standby: {}",
                describe(&err)
            ));
        }
        Err(_) => {
            login.close();
            return Err("timed out: no answer to the session check".into());
        }
    };
    match refusal(target, state) {
        Some(reason) => {
            login.close();
            Err(reason.into())
        }
        None => {
            login.settle(state);
            Ok(login)
        }
    }
}

/// What a server too old to report it at login (PostgreSQL before 14) says when asked.
async fn server_state(client: &Client) -> Result<ServerState, tokio_postgres::Error> {
    let messages = client.simple_query(STATE_QUERY).await?;
    let row = messages.iter().find_map(|message| match message {
        SimpleQueryMessage::Row(row) => Some((row.get(0) == Some("t"), row.get(1) == Some("on"))),
        _ => None,
    });
    let (hot_standby, read_only) = row.unwrap_or((false, false));
    Ok(ServerState {
        hot_standby,
        read_only: hot_standby || read_only,
    })
}

/// Why `target` turns this session down, in libpq's words; `None` if it is wanted.
fn refusal(target: TargetSessionAttrs, state: ServerState) -> Option<&'static str> {
    match target {
        TargetSessionAttrs::Any => None,
        TargetSessionAttrs::ReadWrite => state.read_only.then_some("session is read-only"),
        TargetSessionAttrs::ReadOnly => (!state.read_only).then_some("session is not read-only"),
        TargetSessionAttrs::Primary => state.hot_standby.then_some("server is in hot standby mode"),
        TargetSessionAttrs::Standby | TargetSessionAttrs::PreferStandby => {
            (!state.hot_standby).then_some("server is not in hot standby mode")
        }
    }
}

#[cfg(test)]
mod tests;
