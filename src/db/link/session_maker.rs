//! Making one session: the first host that qualifies (`host_selection.rs`), then the
//! schema DDL and the prepared statements within what is left of that host's
//! `connect_timeout`, and one log line that says which host and why the others were
//! passed over. A failure lists every host with its reason. This is what a pool
//! library's "create connection" hook does, `pool_pre_ping` and `init` included.

use std::sync::{Arc, Mutex};

use tokio::time::Instant;
use tokio_postgres::{Client, Statement};

use super::host_selection::{Chosen, choose_host};
use super::login::{ConnectionTask, Login};
use super::role::Role;
use super::session::{Session, SessionParts};
use crate::db::error::{DbError, within};
use crate::db::settings::{ConnectSettings, Setup, TargetSessionAttrs, describe_database};
use crate::logging::log;

/// How long a backend of ours whose client is gone (a replaced session's, a crashed
/// server's) may wait on a lock before it notices and exits: PostgreSQL 14's
/// `client_connection_check_interval`, set on every session. Without it such a backend
/// holds its place in the lock queue, and its connection slot, until the lock is free.
const ORPHAN_CHECK: &str = "SET client_connection_check_interval = '2s'";

/// What every session of one link is made from.
#[derive(Clone)]
pub(super) struct SessionMaker {
    settings: ConnectSettings,
    setup: Setup,
    role: Role,
    /// `user@h1:5441,h2:5442/db (sslmode=prefer, ...)`, for the log.
    target: String,
    /// Hosts to try last (`host:port`), most recently demoted last: a host the link
    /// left because its commits went unconfirmed (`standby_wait.rs`). libpq always
    /// starts from the top of the list, and would go back to it.
    demoted: Arc<Mutex<Vec<String>>>,
}

impl SessionMaker {
    pub(super) fn new(mut settings: ConnectSettings, setup: Setup, role: Role) -> SessionMaker {
        // How an operator finds our backends in `pg_stat_activity`.
        if settings.postgres.get_application_name().is_none() {
            settings.postgres.application_name("userapi");
        }
        let target = describe_target(&settings);
        SessionMaker {
            settings,
            setup,
            role,
            target,
            demoted: Arc::default(),
        }
    }

    /// The same, with other settings (for a link that looks for a better host).
    pub(super) fn with_settings(&self, settings: ConnectSettings) -> SessionMaker {
        let mut maker = SessionMaker::new(settings, self.setup, self.role);
        maker.demoted = Arc::clone(&self.demoted);
        maker
    }

    pub(super) fn role(&self) -> Role {
        self.role
    }

    pub(super) fn settings(&self) -> &ConnectSettings {
        &self.settings
    }

    /// What the log says it connects to.
    pub(super) fn target(&self) -> &str {
        &self.target
    }

    /// Tries `host` last from now on.
    pub(super) fn demote(&self, host: &str) {
        let mut demoted = self.demoted.lock().unwrap_or_else(|e| e.into_inner());
        demoted.retain(|known| known != host);
        demoted.push(host.to_string());
    }

    /// Whether the list has a host other than `host`.
    pub(super) fn has_other_host(&self, host: &str) -> bool {
        let hosts = super::host_selection::host_names(&self.settings.postgres);
        hosts.iter().any(|other| other != host)
    }

    /// One session, or why not, host by host.
    pub(super) async fn make(&self) -> Result<(Session, ConnectionTask), String> {
        let chosen = self.choose(None).await?;
        self.finish(chosen).await
    }

    /// A login to `host` (`host:port`, one of the list), for a side connection.
    pub(super) async fn log_in_to(&self, host: &str) -> Result<Login, String> {
        super::host_selection::log_in_to(&self.settings, host).await
    }

    /// A login to the first host that qualifies, `skip` left out; or why none did.
    pub(super) async fn choose(&self, skip: Option<&str>) -> Result<Chosen, String> {
        let settings = &self.settings;
        let demoted = self
            .demoted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let chosen = choose_host(settings, &demoted, skip).await;
        chosen.map_err(|mut reasons| {
            // In a random order, the same failure would read differently at every try
            // and defeat the log's "one line per distinct failure".
            if settings.hosts.random_order {
                reasons.sort();
            }
            self.list(&reasons)
        })
    }

    /// One host with one reason: the reason alone; a list, or a host name with
    /// several addresses (`host_selection/addresses.rs`): `host:port: reason` for each.
    fn list(&self, reasons: &[(String, String)]) -> String {
        let alone = self.settings.postgres.get_hosts().len() <= 1 && reasons.len() <= 1;
        let each = reasons.iter().map(|(host, reason)| {
            if alone {
                reason.clone()
            } else {
                format!("{host}: {reason}")
            }
        });
        each.collect::<Vec<_>>().join("; ")
    }

    /// A chosen login made a session: the orphan check, the schema, the statements,
    /// all within what is left of the host's `connect_timeout`; and the log line.
    pub(super) async fn finish(&self, chosen: Chosen) -> Result<(Session, ConnectionTask), String> {
        let Chosen {
            login,
            host,
            deadline,
            skipped,
        } = chosen;
        let Login {
            client,
            task,
            state,
            hot_standby,
            warnings,
            server_major,
            cancel_key,
        } = login;
        let read_only = state.is_some_and(|state| state.read_only);
        let prepared = async {
            if server_major >= 14 {
                within(deadline, client.batch_execute(ORPHAN_CHECK)).await?;
            }
            // The statements first: on an existing table (the usual case, and the only
            // one for a role that may not create tables) that is all. A missing table
            // (a volume made without `init.sql`) is created, as the seed's init script
            // would have; a standby refuses DDL, and gets the table by replication.
            let statements = self.setup.statements;
            match prepare(&client, statements, deadline).await {
                Err(DbError::Rejected(err)) if is_undefined_table(&err) && !read_only => {
                    match within(deadline, client.batch_execute(self.setup.schema)).await {
                        // Another server created it at the same moment: `IF NOT EXISTS`
                        // does not stop two CREATEs racing on PostgreSQL's catalog.
                        Err(DbError::Rejected(err)) if is_duplicate(&err) => {}
                        other => other?,
                    }
                    prepare(&client, statements, deadline).await
                }
                other => other,
            }
        };
        match prepared.await {
            Ok(prepared) => {
                let kind = if read_only { "read-only" } else { "read-write" };
                let name = self.role.log_name();
                let target = &self.target;
                let mut line = format!("{name}: connected to {host} of {target}, a {kind} session");
                for (n, (host, reason)) in skipped.iter().enumerate() {
                    line.push_str(if n == 0 { "; passed over " } else { "; " });
                    line.push_str(&format!("{host}: {reason}"));
                }
                log!("{line}");
                let session = Session::new(SessionParts {
                    client,
                    prepared,
                    host,
                    role: self.role,
                    read_only,
                    hot_standby,
                    warnings,
                    cancel_key,
                });
                Ok((session, task))
            }
            Err(err) => {
                task.abort();
                Err(self.list(&[(host, err.to_string())]))
            }
        }
    }
}

/// Each of `statements` prepared on `client`, within `deadline`.
async fn prepare(
    client: &Client,
    statements: &[&'static str],
    deadline: Instant,
) -> Result<Vec<(&'static str, Statement)>, DbError> {
    let mut prepared = Vec::with_capacity(statements.len());
    for sql in statements {
        prepared.push((*sql, within(deadline, client.prepare(sql)).await?));
    }
    Ok(prepared)
}

/// SQLSTATE 42P01: a statement names a table that does not exist.
fn is_undefined_table(err: &tokio_postgres::Error) -> bool {
    err.code().is_some_and(|code| code.code() == "42P01")
}

/// SQLSTATE 23505 or 42P07: what the loser of two concurrent CREATE TABLEs gets.
fn is_duplicate(err: &tokio_postgres::Error) -> bool {
    err.code()
        .is_some_and(|code| matches!(code.code(), "23505" | "42P07"))
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
