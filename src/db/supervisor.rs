//! The supervisor task: keeps one connection alive for [`Database`](super::Database).
//!
//! It connects, runs the schema DDL (the same as `init.sql`), prepares the statements,
//! publishes the session for requests to use, then waits for the connection to end,
//! clears the session and starts over with capped backoff. A pool library does this
//! for many connections; one connection needs only this loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::{Instant, sleep};

use super::connect_failure::why_connection_ended;
use super::error::{DbError, within};
use super::session::Session;
use super::settings::{ConnectSettings, Setup, describe_database};
use super::tls::{self, ConnectionTask};
use crate::logging::log;
use crate::metrics;

/// How long one connection attempt (TCP + TLS + authentication + setup) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Reconnect backoff: doubles from the first value up to the second. The cap bounds how
/// long PostgreSQL can be back before we notice.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(50), Duration::from_millis(500));

/// Connects, publishes the session, waits for the connection to end, and starts over,
/// until every `Database` handle is gone.
pub(super) async fn supervise(
    mut settings: ConnectSettings,
    setup: Setup,
    publish: watch::Sender<Option<Arc<Session>>>,
) {
    let config = &mut settings.postgres;
    config.connect_timeout(CONNECT_TIMEOUT);
    // Detect a peer that vanished without closing the socket.
    config.keepalives_idle(Duration::from_secs(10));
    if config.get_application_name().is_none() {
        config.application_name("userapi");
    }
    let target = format!(
        "{} (sslmode={})",
        describe_database(&settings.postgres),
        settings.tls.mode.as_str()
    );
    let mut backoff = BACKOFF.0;
    let mut last_failure = String::new();
    loop {
        let attempt = connect(&settings, setup);
        let outcome = tokio::select! {
            outcome = attempt => outcome,
            _ = publish.closed() => return,
        };
        match outcome {
            Ok((session, connection)) => {
                log!("database: connected to {target}");
                backoff = BACKOFF.0;
                last_failure.clear();
                publish.send_replace(Some(Arc::new(session)));
                metrics::database::connected();
                let ended = tokio::select! {
                    ended = connection => ended,
                    _ = publish.closed() => return,
                };
                publish.send_replace(None);
                metrics::database::disconnected();
                let reason = match ended {
                    Ok(Ok(())) => "closed by the server".to_string(),
                    Ok(Err(err)) => why_connection_ended(&err),
                    Err(join_error) => join_error.to_string(),
                };
                log!("database: connection lost ({reason}); reconnecting");
            }
            Err(reason) => {
                metrics::database::connect_failed();
                // One line per distinct failure, not one every backoff step. The reason
                // names the cause in plain words (connect_failure.rs).
                if reason != last_failure {
                    log!("database: cannot connect to {target}: {reason}; retrying");
                    last_failure = reason;
                }
                sleep(backoff).await;
                backoff = (backoff * 2).min(BACKOFF.1);
            }
        }
    }
}

/// One connection attempt: connect (TLS as `sslmode` says), run the schema DDL,
/// prepare the statements.
async fn connect(
    settings: &ConnectSettings,
    setup: Setup,
) -> Result<(Session, ConnectionTask), String> {
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    let (client, connection) = tls::connect(&settings.postgres, &settings.tls, deadline)
        .await
        .map_err(|failure| failure.to_string())?;
    let prepared = async {
        within(deadline, client.batch_execute(setup.schema)).await?;
        let mut prepared = Vec::with_capacity(setup.statements.len());
        for sql in setup.statements {
            prepared.push((*sql, within(deadline, client.prepare(sql)).await?));
        }
        Ok::<_, DbError>(prepared)
    };
    match prepared.await {
        Ok(prepared) => Ok((Session { client, prepared }, connection)),
        Err(err) => {
            connection.abort();
            Err(err.to_string())
        }
    }
}
