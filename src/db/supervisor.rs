//! The supervisor task: keeps one connection alive for [`Database`](super::Database).
//!
//! It connects (to the first host of the list that qualifies, `host_selection.rs`),
//! runs the schema DDL (the same as `init.sql`), prepares the statements, publishes the
//! session for requests to use, then waits for the connection to end or for a call to
//! retire the session (it stopped answering, or its host stopped being a primary;
//! `session.rs`). Either way it clears the session and starts over: at once after a
//! loss or a retirement, with capped backoff after a failed attempt. A pool library
//! does this for many connections; one connection needs only this loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{sleep, timeout};

use super::connect_failure::why_connection_ended;
use super::error::{DbError, within};
use super::host_selection::{self, Chosen};
use super::session::{Retired, Session};
use super::settings::{ConnectSettings, Setup, TargetSessionAttrs, describe_database};
use super::tls::ConnectionTask;
use super::wal_position;
use crate::logging::log;
use crate::metrics;
use crate::metrics::database::Link;

/// Reconnect backoff: doubles from the first value up to the second. The cap bounds how
/// long PostgreSQL can be back before we notice.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_millis(500));

/// With `prefer-standby`, the standby-read connection settles on a primary when no
/// standby qualifies (none up yet, all restarting); it then looks for a standby again
/// this often, and moves to the first one that qualifies.
const STANDBY_RECHECK: Duration = Duration::from_secs(5);

/// Connects, publishes the session, waits for the connection to end or be retired, and
/// starts over, until every `Database` handle is gone.
///
/// `link` says which connection this is, for `/metrics` and the log: the primary's
/// lines start `database:`, the standby's (`READ_DATABASE_URL`) `read database:`.
pub(super) async fn supervise(
    mut settings: ConnectSettings,
    setup: Setup,
    link: Link,
    publish: watch::Sender<Option<Arc<Session>>>,
) {
    let name = match link {
        Link::Primary => "database",
        Link::Standby => "read database",
    };
    if settings.postgres.get_application_name().is_none() {
        settings.postgres.application_name("userapi");
    }
    let target = describe_target(&settings);
    let mut backoff = BACKOFF.0;
    let mut last_failure = String::new();
    // A session already made, to publish next (a standby found by `standby_found`).
    let mut made = None;
    loop {
        let attempt = async {
            match made.take() {
                Some(made) => Ok(made),
                None => connect(&settings, setup, name).await,
            }
        };
        let outcome = tokio::select! {
            outcome = attempt => outcome,
            _ = publish.closed() => return,
        };
        let (session, mut task) = match outcome {
            Ok(connected) => connected,
            Err(reason) => {
                metrics::database::connect_failed(link);
                // One line per distinct failure, not one every backoff step. The reason
                // names the cause in plain words (connect_failure.rs), host by host.
                if reason != last_failure {
                    log!("{name}: cannot connect to {target}: {reason}; retrying");
                    last_failure = reason;
                }
                sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF.1);
                continue;
            }
        };
        backoff = BACKOFF.0;
        last_failure.clear();
        let session = Arc::new(session);
        publish.send_replace(Some(Arc::clone(&session)));
        metrics::database::connected(link);
        let ended = tokio::select! {
            ended = &mut task => Ok(ended),
            why = session.retired() => Err(why),
            standby = standby_found(&settings, setup, name, link, &session) => {
                // No read ever ran on the primary's session (`reads/standby.rs` sends
                // none there): it can go at once. Dropping the last reference to its
                // client sends Terminate, and its task ends.
                publish.send_replace(None);
                metrics::database::disconnected(link);
                drop(session);
                tokio::spawn(async move {
                    if timeout(Duration::from_secs(1), &mut task).await.is_err() {
                        task.abort();
                    }
                });
                made = Some(standby);
                continue;
            }
            _ = publish.closed() => return,
        };
        publish.send_replace(None);
        metrics::database::disconnected(link);
        let host = &session.host;
        match ended {
            Ok(ended) => {
                let reason = match ended {
                    Ok(Ok(())) => "closed by the server".to_string(),
                    Ok(Err(err)) => why_connection_ended(&err),
                    Err(join_error) => join_error.to_string(),
                };
                log!("{name}: connection lost to {host} ({reason}); reconnecting");
            }
            Err((why, reason)) => {
                // Closing the socket answers every statement still on it with an
                // error (a 503 upstream): a write's outcome is unknown, never re-sent.
                task.abort();
                metrics::database::replaced(link, why.label());
                if why == Retired::Shutdown {
                    // The server ends such a session itself: it is lost, as above.
                    log!("{name}: connection lost to {host} ({reason}); reconnecting");
                } else {
                    log!("{name}: replacing the connection to {host} ({reason}); reconnecting");
                }
            }
        }
    }
}

/// A session on a standby, for a standby-read connection whose `prefer-standby` had
/// to settle on a primary: tried every [`STANDBY_RECHECK`], quietly (the primary's
/// session still serves). libpq chooses once per connection; a read connection that
/// stayed on the primary would send every read there for good. Never completes for
/// any other session.
async fn standby_found(
    settings: &ConnectSettings,
    setup: Setup,
    name: &str,
    link: Link,
    session: &Session,
) -> (Session, ConnectionTask) {
    let settled = settings.hosts.target == TargetSessionAttrs::PreferStandby
        && !session.hot_standby.at_login();
    if link != Link::Standby || !settled {
        return std::future::pending().await;
    }
    let mut standby_only = settings.clone();
    standby_only.hosts.target = TargetSessionAttrs::Standby;
    loop {
        sleep(STANDBY_RECHECK).await;
        if let Ok(found) = connect(&standby_only, setup, name).await {
            return found;
        }
    }
}

/// `user@h1:5441,h2:5442/db (sslmode=prefer, target_session_attrs=read-write)`: what
/// the log says it connects to; the attributes only when not libpq's default.
fn describe_target(settings: &ConnectSettings) -> String {
    let mut attributes = format!("sslmode={}", settings.tls.mode.as_str());
    if settings.hosts.target != TargetSessionAttrs::Any {
        attributes.push_str(", target_session_attrs=");
        attributes.push_str(settings.hosts.target.as_str());
    }
    if settings.hosts.random_order {
        attributes.push_str(", load_balance_hosts=random");
    }
    format!("{} ({attributes})", describe_database(&settings.postgres))
}

/// One connection: the first host that qualifies, then the schema DDL and the prepared
/// statements within what is left of that host's `connect_timeout`. Logs which host
/// and why the others were passed over; a failure lists every host with its reason.
async fn connect(
    settings: &ConnectSettings,
    setup: Setup,
    name: &str,
) -> Result<(Session, ConnectionTask), String> {
    // One host: its reason as it always was; a list: `host:port: reason` for each.
    let single_host = settings.postgres.get_hosts().len() <= 1;
    let list = |reasons: &[(String, String)]| -> String {
        let each = reasons.iter().map(|(host, reason)| match single_host {
            true => reason.clone(),
            false => format!("{host}: {reason}"),
        });
        each.collect::<Vec<_>>().join("; ")
    };
    let chosen = host_selection::connect(settings)
        .await
        .map_err(|mut reasons| {
            // In a random order, the same failure would read differently at every try and
            // defeat the log's "one line per distinct failure".
            if settings.hosts.random_order {
                reasons.sort();
            }
            list(&reasons)
        })?;
    let Chosen {
        client,
        task,
        host,
        read_only,
        hot_standby,
        deadline,
        skipped,
    } = chosen;
    let prepared = async {
        // A standby refuses DDL; the primary's table reaches it by replication.
        if !read_only {
            within(deadline, client.batch_execute(setup.schema)).await?;
        }
        let mut prepared = Vec::with_capacity(setup.statements.len() + 2);
        for sql in setup.statements.iter().chain(wal_position::STATEMENTS) {
            prepared.push((*sql, within(deadline, client.prepare(sql)).await?));
        }
        Ok::<_, DbError>(prepared)
    };
    match prepared.await {
        Ok(prepared) => {
            let kind = if read_only { "read-only" } else { "read-write" };
            let target = describe_target(settings);
            let mut line = format!("{name}: connected to {host} of {target}, a {kind} session");
            for (n, (host, reason)) in skipped.iter().enumerate() {
                line.push_str(if n == 0 { "; passed over " } else { "; " });
                line.push_str(&format!("{host}: {reason}"));
            }
            log!("{line}");
            Ok((
                Session::new(client, prepared, host, read_only, hot_standby),
                task,
            ))
        }
        Err(err) => {
            task.abort();
            Err(list(&[(host, err.to_string())]))
        }
    }
}
