//! What an operator does to a live database every week, done to the real server binary
//! (a child process, as in production) on a real PostgreSQL, with the goals of issue 28
//! as the assertions: a migration that changes a result type (row A), a DBA cancelling
//! our COMMIT while it waits for a synchronous standby (X), no synchronous standby for
//! 20 s under load (H), a database read-only at login that then becomes writable (R),
//! statements slow but not stuck (S), an orphaned backend left waiting on a lock and
//! the role the Compose stacks connect as (O), and the `detail` messages the docs quote
//! (D). Row Z (a zombie leader) needs the Patroni harness and lives there.
//!
//! - `migration`: A, `ALTER TABLE ... TYPE`: every route 2xx again within 3 s.
//! - `cancelled_commit`: X, `pg_cancel_backend` during a sync-rep wait: never a 201.
//! - `no_standby`: H, 20 s without a synchronous standby, 4 writers and 4 readers.
//! - `read_only_login`: R, read-only at login, then writable: a 201 within 10 s.
//! - `slow_statements`: S, a 2.5 s trigger on INSERT: no session replaced.
//! - `orphans_and_roles`: O, an orphan exits while the lock is held;
//!   `compose_role`: O, both Compose stacks connect as `userapi`, which their set-up
//!   files create unprivileged; `app_role`: O, that role on PostgreSQL: enough for the
//!   server, nothing more, and the operator's reserved slots stay free.
//! - `quoted_details`: D, every quoted `detail` is sent by the code; two 503s.
//! - `traffic`: the clients (one request, closed-loop writers and readers);
//!   `rust_literals`: the string literals of src/, for `quoted_details`.
//!
//! Each test checks every goal of its row and reports them together ([`Goals`]), each
//! as a `figure:` line (`-- --nocapture`; also appended to
//! `target/tmp/reliability-figures.txt`), so that a run shows every figure that missed,
//! not only the first. The timing tests take turns ([`SERIAL`]), as in the other fault
//! suites: on two cores, two faults at once would measure the machine.

#[path = "../support/mod.rs"]
mod support;

mod app_role;
mod cancelled_commit;
mod compose_role;
mod migration;
mod no_standby;
mod orphans_and_roles;
mod quoted_details;
mod read_only_login;
mod rust_literals;
mod short_faults;
mod slow_statements;
mod traffic;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use support::figure;
use support::http::metrics;
use support::process::ServerProcess;
use tokio_postgres::Client;

/// One timing test at a time; see the module comment.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The goals of one row of the issue, each checked and printed, then judged together.
pub struct Goals {
    row: &'static str,
    missed: Vec<String>,
}

impl Goals {
    pub fn new(row: &'static str) -> Goals {
        Goals {
            row,
            missed: Vec::new(),
        }
    }

    /// Records one goal and what was measured for it, met or not.
    pub fn check(&mut self, met: bool, goal: &str, measured: &str) {
        let verdict = if met { "met" } else { "MISSED" };
        let line = format!("{goal}: {measured}");
        figure(&format!("operator_faults {}: {line} ({verdict})", self.row));
        if !met {
            self.missed.push(line);
        }
    }

    /// Fails the test if any goal was missed, listing them all with the end of the
    /// server's log (where the causes are).
    pub fn verdict(self, server: &ServerProcess) {
        let output = server.output();
        let lines: Vec<&str> = output.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        self.fail_if_missed(&format!("\n\nthe server's last log lines:\n{tail}"));
    }

    /// [`Goals::verdict`] for a check that ran no server.
    pub fn verdict_without_server(self) {
        self.fail_if_missed("");
    }

    fn fail_if_missed(self, context: &str) {
        if self.missed.is_empty() {
            return;
        }
        panic!(
            "row {}: {} goal(s) missed:\n  - {}{context}",
            self.row,
            self.missed.len(),
            self.missed.join("\n  - ")
        );
    }
}

/// The binary with its admin listener (`/metrics`), on the database of `config`.
fn server_on(config: &tokio_postgres::Config) -> ServerProcess {
    ServerProcess::start_with_admin(config)
}

/// [`server_on`], once its session is up: a first user created within 10 s, so the
/// fault starts on a working connection.
async fn warm_server_on(config: &tokio_postgres::Config) -> ServerProcess {
    let server = server_on(config);
    traffic::until_created(server.addr, "warm", Duration::from_secs(10))
        .await
        .expect("a 201 before the fault");
    server
}

/// The sum of every sample of the family `name` (all its label sets); `None` when the
/// server exposes no such family.
async fn metric_sum(admin: SocketAddr, name: &str) -> Option<f64> {
    let samples = metrics(admin).await;
    let matching = samples
        .iter()
        .filter(|(sample, _)| sample.as_str() == name || sample.starts_with(&format!("{name}{{")));
    matching.map(|(_, value)| *value).reduce(|a, b| a + b)
}

/// Backends of ours on the server (`application_name` `userapi`, and `userapi-reads`
/// for a standby-read connection), on database `datname`.
async fn our_backends(admin: &Client, datname: &str) -> i64 {
    let sql = "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'userapi%' \
               AND backend_type = 'client backend' AND datname = $1";
    let row = admin.query_one(sql, &[&datname]).await;
    row.expect("count our backends").get(0)
}

/// `synchronous_standby_names` naming a node that never comes (`Some("absent")`: every
/// commit then waits for it), or reset (`None`), on the whole cluster; returns once a
/// new session sees the value (the postmaster has reloaded).
async fn set_sync_standby(admin: &Client, cluster: &tokio_postgres::Config, names: Option<&str>) {
    let set = match names {
        Some(names) => format!("ALTER SYSTEM SET synchronous_standby_names = '{names}'"),
        None => "ALTER SYSTEM RESET synchronous_standby_names".to_string(),
    };
    // Two calls: ALTER SYSTEM cannot run inside a transaction block.
    for sql in [set.as_str(), "SELECT pg_reload_conf()"] {
        admin.batch_execute(sql).await.expect(sql);
    }
    let started = Instant::now();
    loop {
        let fresh = support::connect(cluster).await;
        let row = fresh.query_one("SHOW synchronous_standby_names", &[]).await;
        let now: String = row.expect("SHOW").get(0);
        if now == names.unwrap_or("") {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no reload");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many of `ids` are rows of `users`.
async fn rows_present(admin: &Client, ids: &[i32]) -> i64 {
    let sql = "SELECT count(*) FROM users WHERE id = ANY($1)";
    let row = admin.query_one(sql, &[&ids]).await;
    row.expect("count the acknowledged rows").get(0)
}
