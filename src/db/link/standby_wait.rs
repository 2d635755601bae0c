//! Commits that wait for a synchronous standby nobody runs. With synchronous
//! replication, PostgreSQL makes a COMMIT wait until a standby confirms it; with the
//! standbys gone (strict mode), or on a primary the cluster left behind (its Patroni
//! died, another node was promoted, and its standby follows the new leader), that wait
//! never ends. On one pipelined connection everything behind the COMMIT waits too.
//!
//! A write's deadline cancels the wait (`deadline.rs`); PostgreSQL then commits locally
//! and warns, the write is answered "outcome unknown", and the session's write gate
//! closes (`write_gate.rs`): reads flow again, writes wait off the connection. From then
//! on, [`settle`] asks, about once a second: does a commit on this host get confirmed
//! now? (a probe: a transaction that writes a few bytes of WAL and no row, so its
//! COMMIT waits like any other, on a side connection, cancelled after 1 s). If so, the
//! gate opens.
//! Is there another host in the list whose commits are confirmed? Then the link moves
//! there, and this host is tried last from now on. A pool of per-request connections
//! would instead fill `max_connections` with waiting backends, one per request.

use std::time::Duration;

use tokio::time::timeout;

use super::login::{ConnectionTask, Login};
use super::role::Role;
use super::session::Session;
use super::session_maker::SessionMaker;
use super::tls;
use super::write_gate::Gate;
use crate::db::error::describe;
use crate::db::settings::TargetSessionAttrs;
use crate::logging::log;

/// How long a probe's COMMIT may wait for a standby before it is cancelled.
const PROBE_WAIT: Duration = Duration::from_secs(1);

/// A transaction whose COMMIT waits for synchronous replication as a write's does. A
/// COMMIT waits only if the transaction wrote WAL before it (taking a transaction id
/// alone, `txid_current()`, does not), and this writes one small WAL record, to no
/// table: a transactional logical-decoding message, which any role may emit.
const PROBE: &str = "SELECT pg_logical_emit_message(true, 'userapi', 'commit probe')";

/// Pending until `session`'s commits wait for a standby; then the gate is opened when
/// a standby confirms again (and this waits again), or a session on another host whose
/// commits are confirmed is returned for the supervisor to move to.
pub(super) async fn settle(session: &Session, maker: &SessionMaker) -> (Session, ConnectionTask) {
    if maker.role() != Role::Primary {
        return std::future::pending().await;
    }
    let name = maker.role().log_name();
    let host = session.host();
    let mut changes = session.gate().watch();
    // A connection to this host for the probes, kept while they fail.
    let mut side: Option<Login> = None;
    loop {
        let waiting = changes.wait_for(|gate| matches!(gate, Gate::WaitingForStandby(_)));
        if waiting.await.is_err() {
            return std::future::pending().await;
        }
        if probe_here(&mut side, host, maker).await {
            session.gate().open();
            log!("{name}: a synchronous standby confirms commits on {host} again; writes resume");
            if let Some(side) = side.take() {
                side.close();
            }
            continue;
        }
        if let Some(found) = confirmed_elsewhere(host, maker).await {
            if let Some(side) = side.take() {
                side.close();
            }
            maker.demote(host);
            log!(
                "{name}: {} confirms commits where {host} does not; moving there, and \
                 trying {host} last from now on",
                found.0.host()
            );
            return found;
        }
    }
}

/// Whether a commit on `host` is confirmed now, on the side connection (made if
/// needed). A failure to connect counts as "not confirmed", after the probe's wait.
async fn probe_here(side: &mut Option<Login>, host: &str, maker: &SessionMaker) -> bool {
    if side.is_none() {
        match maker.log_in_to(host).await {
            Ok(login) => *side = Some(login),
            Err(_) => {
                tokio::time::sleep(PROBE_WAIT).await;
                return false;
            }
        }
    }
    let Some(login) = side.as_ref() else {
        return false;
    };
    match commit_confirmed(login).await {
        Ok(confirmed) => confirmed,
        Err(_) => {
            if let Some(broken) = side.take() {
                broken.close();
            }
            false
        }
    }
}

/// A session on another read-write host of the list whose commits are confirmed.
async fn confirmed_elsewhere(
    host: &str,
    maker: &SessionMaker,
) -> Option<(Session, ConnectionTask)> {
    if !maker.has_other_host(host) {
        return None;
    }
    let writable = maker.settings().targeting(TargetSessionAttrs::ReadWrite);
    let elsewhere = maker.with_settings(writable);
    let chosen = elsewhere.choose(Some(host)).await.ok()?;
    match commit_confirmed(&chosen.login).await {
        Ok(true) => elsewhere.finish(chosen).await.ok(),
        _ => {
            chosen.login.close();
            None
        }
    }
}

/// Runs the probe: `Ok(true)` if its COMMIT came back confirmed within [`PROBE_WAIT`],
/// `Ok(false)` if it waited (it is then cancelled, so the backend does not wait on) or
/// came back with a warning; `Err` if the connection failed.
async fn commit_confirmed(login: &Login) -> Result<bool, String> {
    let warned = login.warnings.count();
    match timeout(PROBE_WAIT, login.client.simple_query(PROBE)).await {
        Ok(Ok(_)) => Ok(login.warnings.count() == warned),
        Ok(Err(err)) => Err(describe(&err)),
        Err(_) => {
            let _ = tls::cancel(&login.cancel_key).await;
            Ok(false)
        }
    }
}
