//! Making one session: the first host that qualifies (`host_selection.rs`), then the
//! schema DDL and the prepared statements within what is left of that host's
//! `connect_timeout`, and one log line that says which host and why the others were
//! passed over. A failure lists every host with its reason. This is what a pool
//! library's "create connection" hook does, `pool_pre_ping` and `init` included.

use super::host_selection::{Chosen, choose_host};
use super::login::{ConnectionTask, Login};
use super::role::Role;
use super::session::Session;
use crate::db::error::{DbError, within};
use crate::db::settings::{ConnectSettings, Setup, TargetSessionAttrs, describe_database};
use crate::logging::log;

/// What every session of one link is made from.
#[derive(Clone)]
pub(super) struct SessionMaker {
    settings: ConnectSettings,
    setup: Setup,
    role: Role,
    /// `user@h1:5441,h2:5442/db (sslmode=prefer, ...)`, for the log.
    target: String,
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
        }
    }

    /// The same, with other settings (for a link that looks for a better host).
    pub(super) fn with_settings(&self, settings: ConnectSettings) -> SessionMaker {
        SessionMaker::new(settings, self.setup, self.role)
    }

    pub(super) fn role(&self) -> Role {
        self.role
    }

    /// What the log says it connects to.
    pub(super) fn target(&self) -> &str {
        &self.target
    }

    /// One session, or why not, host by host.
    pub(super) async fn make(&self) -> Result<(Session, ConnectionTask), String> {
        let settings = &self.settings;
        // One host: its reason as it always was; a list: `host:port: reason` for each.
        let single_host = settings.postgres.get_hosts().len() <= 1;
        let list = |reasons: &[(String, String)]| -> String {
            let each = reasons.iter().map(|(host, reason)| match single_host {
                true => reason.clone(),
                false => format!("{host}: {reason}"),
            });
            each.collect::<Vec<_>>().join("; ")
        };
        let chosen = choose_host(settings).await.map_err(|mut reasons| {
            // In a random order, the same failure would read differently at every try
            // and defeat the log's "one line per distinct failure".
            if settings.hosts.random_order {
                reasons.sort();
            }
            list(&reasons)
        })?;
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
        } = login;
        let read_only = state.is_some_and(|state| state.read_only);
        let prepared = async {
            // A standby refuses DDL; the primary's table reaches it by replication.
            if !read_only {
                within(deadline, client.batch_execute(self.setup.schema)).await?;
            }
            let mut prepared = Vec::with_capacity(self.setup.statements.len());
            for sql in self.setup.statements.iter() {
                prepared.push((*sql, within(deadline, client.prepare(sql)).await?));
            }
            Ok::<_, DbError>(prepared)
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
                let session = Session::new(client, prepared, host, read_only, hot_standby);
                Ok((session, task))
            }
            Err(err) => {
                task.abort();
                Err(list(&[(host, err.to_string())]))
            }
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
