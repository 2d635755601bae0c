//! Fault 1: PostgreSQL killed (`pg_ctl stop -m immediate`: SIGQUIT, a crash as far as
//! clients can tell) while clients POST unique users as fast as they can, kept down a
//! few seconds, started again.
//!
//! The promise: every 201 is a row (the acknowledged set is compared with the table),
//! every request is answered with 201, 409, 422 or 503 (no hang, no connection closed
//! without an answer), and the first 201 comes within 1 s of PostgreSQL accepting
//! connections again.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::time::{sleep, timeout};

use super::support::{self, http::Connection};
use super::{SERIAL, assert_no_secret, blocking, cluster_and_server, until_status};

const WRITERS: usize = 8;
/// "Keep it down a few seconds."
const DOWN_FOR: Duration = Duration::from_secs(3);
/// The server answers within 4 s (its database call deadline); this is far beyond.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// What happened to one POST.
struct Outcome {
    email: String,
    answered: Instant,
    latency: Duration,
    /// Status and, for a 201, the id; or why there was no answer.
    result: Result<(u16, Option<i64>), String>,
    body: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_write_is_lost_when_postgres_is_killed_under_load() {
    let _turn = SERIAL.lock().await;
    let (mut cluster, server) = cluster_and_server();
    until_status(server.addr, "/users", 200, Duration::from_secs(10)).await;

    let stop = Arc::new(AtomicBool::new(false));
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let created = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            let (stop, outcomes, created) = (stop.clone(), outcomes.clone(), created.clone());
            tokio::spawn(writer(server.addr, n, stop, outcomes, created))
        })
        .collect();
    let at_least = |count: usize| {
        let created = created.clone();
        async move {
            while created.load(Ordering::Relaxed) < count {
                sleep(Duration::from_millis(5)).await;
            }
        }
    };
    timeout(Duration::from_secs(30), at_least(200))
        .await
        .expect("200 users created before the kill");

    let killed = Instant::now();
    blocking(|| cluster.stop(false));
    sleep(DOWN_FOR).await;
    blocking(|| cluster.start_server()).expect("restart PostgreSQL");
    let ready = Instant::now();
    let before_restart = created.load(Ordering::Relaxed);
    timeout(Duration::from_secs(30), at_least(before_restart + 200))
        .await
        .expect("200 more users created after the restart");
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("writer task");
    }

    let outcomes = std::mem::take(&mut *outcomes.lock().expect("outcomes"));
    let db = support::connect(&cluster.config()).await;
    let rows = db
        .query("SELECT id, email FROM users", &[])
        .await
        .expect("read the table");
    let table: HashMap<String, i64> = rows
        .iter()
        .map(|row| (row.get(1), i64::from(row.get::<_, i32>(0))))
        .collect();

    let unanswered: Vec<_> = outcomes.iter().filter(|o| o.result.is_err()).collect();
    let count = |status: u16| {
        let matches = |o: &&Outcome| matches!(o.result, Ok((s, _)) if s == status);
        outcomes.iter().filter(matches).count()
    };
    let acknowledged: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o.result {
            Ok((201, id)) => Some((o.email.as_str(), id)),
            _ => None,
        })
        .collect();
    let missing = acknowledged
        .iter()
        .filter(|(email, id)| table.get(*email).copied() != *id)
        .count();
    let committed_but_503 = outcomes
        .iter()
        .filter(|o| matches!(o.result, Ok((503, _))) && table.contains_key(&o.email))
        .count();
    // PostgreSQL was down for all of DOWN_FOR: a 201 after that is a 201 after the
    // restart. (It may beat `ready` by the few milliseconds `start_server` takes to
    // notice PostgreSQL is up; that counts as zero.)
    let first_201_after_restart = outcomes
        .iter()
        .filter(|o| matches!(o.result, Ok((201, _))) && o.answered > killed + DOWN_FOR)
        .map(|o| o.answered.saturating_duration_since(ready))
        .min()
        .expect("a 201 after the restart");
    let slowest = outcomes.iter().map(|o| o.latency).max().unwrap_or_default();
    support::figure(&format!(
        "killed under load: {} requests, {} x 201 (acknowledged), {} x 503, \
         {} x 409, {} x 422, {} unanswered, {} rows in the table, {missing} acknowledged \
         but missing, {committed_but_503} committed though answered 503, first 201 \
         {first_201_after_restart:?} after PostgreSQL was ready, slowest answer {slowest:?}",
        outcomes.len(),
        acknowledged.len(),
        count(503),
        count(409),
        count(422),
        unanswered.len(),
        table.len(),
    ));

    let first_error = unanswered.first().map(|o| &o.result);
    assert!(unanswered.is_empty(), "unanswered: {first_error:?}");
    let statuses_ok = outcomes
        .iter()
        .all(|o| matches!(o.result, Ok((201 | 409 | 422 | 503, _))));
    assert!(statuses_ok, "a status other than 201, 409, 422 or 503");
    assert_eq!(missing, 0, "acknowledged users missing from the table");
    assert!(count(503) > 0, "PostgreSQL being down was never noticed");
    assert!(
        first_201_after_restart < Duration::from_secs(1),
        "first 201 came {first_201_after_restart:?} after PostgreSQL was ready"
    );
    let bodies: String = outcomes.iter().map(|o| o.body.as_str()).collect();
    assert_no_secret(&server, &bodies);
}

/// POSTs unique users on one keep-alive connection (a new one after any failure) until
/// told to stop, recording every outcome.
async fn writer(
    addr: std::net::SocketAddr,
    n: usize,
    stop: Arc<AtomicBool>,
    outcomes: Arc<Mutex<Vec<Outcome>>>,
    created: Arc<AtomicUsize>,
) {
    let json = [("Content-Type", "application/json")];
    let mut connection: Option<Connection> = None;
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        let email = format!("w{n}-{i}@load.test");
        let body = json!({"name": format!("Writer {n}"), "email": email, "age": 30});
        let sent = Instant::now();
        let exchange = async {
            let open = match connection.take() {
                Some(open) => open,
                None => Connection::open(addr).await?,
            };
            let connection = connection.insert(open);
            connection
                .send("POST", "/users", &json, body.to_string().as_bytes())
                .await
        };
        let (result, text) = match timeout(CLIENT_TIMEOUT, exchange).await {
            Ok(Ok(response)) => {
                if response.header("connection") == Some("close") {
                    connection = None;
                }
                let id = (response.status == 201).then(|| response.json()["id"].as_i64());
                if response.status == 201 {
                    created.fetch_add(1, Ordering::Relaxed);
                }
                (Ok((response.status, id.flatten())), response.text())
            }
            Ok(Err(err)) => (Err(err.to_string()), String::new()),
            Err(_) => (
                Err(format!("no answer in {CLIENT_TIMEOUT:?}")),
                String::new(),
            ),
        };
        if result.is_err() {
            connection = None;
        }
        let answered = Instant::now();
        let outcome = Outcome {
            email,
            answered,
            latency: answered - sent,
            result,
            body: text,
        };
        outcomes.lock().expect("outcomes").push(outcome);
    }
}
