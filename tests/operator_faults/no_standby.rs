//! Row H: no synchronous standby for 20 s (strict synchronous mode with its standbys
//! gone; here `synchronous_standby_names` naming a node that never comes), under 4
//! writers and 4 readers. Every COMMIT waits; on one pipelined connection everything
//! behind it waits too. Before the fix each 4 s deadline replaced the session and left
//! the waiting backend behind (one more every ~4 s), reads failed with the writes, and
//! every 503 said only "Database unavailable".
//!
//! The goals: after the first 5 s, at least 95% of reads 200 within 1 s; every write
//! answered within 5 s, the 503s saying that writes wait for a standby (the ones sent
//! in the first 5 s, when the server may not know yet, may say the outcome is unknown
//! instead); at most 3 of our backends on the server at any moment; a 201 within 5 s
//! once the setting is cleared; no acknowledged user lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use super::support::{self, figure};
use super::traffic::{self, Answer, percent, post_user, until_created};
use super::{Goals, SERIAL, our_backends, rows_present, set_sync_standby, warm_server_on};

const WINDOW: Duration = Duration::from_secs(20);
/// The first seconds of the window, when the server may still be finding out.
const GRACE: Duration = Duration::from_secs(5);
const WRITERS: usize = 4;
const READERS: usize = 4;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_seconds_without_a_standby_cost_writes_only() {
    let _turn = SERIAL.lock().await;
    let cluster = tokio::task::block_in_place(support::own_cluster);
    let config = cluster.config();
    let server = warm_server_on(&config).await;
    let mut ids = Vec::new();
    for n in 0..16 {
        let created = post_user(server.addr, &format!("reader-{n}@example.com")).await;
        ids.push(created.id.expect("a seeded user"));
    }
    let admin = support::connect(&config).await;

    set_sync_standby(&admin, &config, Some("absent")).await;
    let started = Instant::now();
    let until = started + WINDOW;
    let most = Arc::new(AtomicI64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let counter = tokio::spawn(count_backends(config.clone(), most.clone(), done.clone()));
    let (written, read) = tokio::join!(
        traffic::writers(server.addr, "during", WRITERS, until),
        traffic::readers(server.addr, &ids, READERS, until),
    );
    done.store(true, Ordering::Relaxed);
    let backends_at_end = our_backends(&admin, "postgres").await;
    counter.await.expect("the backend counter");
    let most = most.load(Ordering::Relaxed).max(backends_at_end);

    set_sync_standby(&admin, &config, None).await;
    let back = until_created(server.addr, "after", Duration::from_secs(10)).await;

    let mut goals = Goals::new("H (no synchronous standby, 20 s, 4 writers + 4 readers)");
    let late: Vec<&Answer> = read.iter().filter(|a| a.sent >= started + GRACE).collect();
    let fast = percent(&late, |a| {
        a.status == 200 && a.took <= Duration::from_secs(1)
    });
    goals.check(
        fast >= 95.0,
        "after the first 5 s, >= 95% of reads 200 within 1 s",
        &format!(
            "{fast:.1}% of {} reads (all reads: {})",
            late.len(),
            traffic::statuses(&read)
        ),
    );
    let slowest = written.iter().map(|a| a.took).max().unwrap_or_default();
    let unanswered = written.iter().filter(|a| a.status == 0).count();
    goals.check(
        slowest <= Duration::from_secs(5) && unanswered == 0,
        "every write answered within 5 s",
        &format!(
            "slowest {:.2} s, {unanswered} unanswered in 10 s, {} writes: {}",
            slowest.as_secs_f64(),
            written.len(),
            traffic::statuses(&written)
        ),
    );
    let says = |a: &&Answer| says_standby(a) || (a.sent < started + GRACE && says_unknown(a));
    let refused: Vec<&Answer> = written.iter().filter(|a| a.status == 503).collect();
    let wrong: Vec<&str> = refused
        .iter()
        .filter(|a| !says(a))
        .map(|a| a.detail())
        .collect();
    let mut kinds = wrong.clone();
    kinds.sort();
    kinds.dedup();
    goals.check(
        !refused.is_empty() && wrong.is_empty(),
        "each write's 503 says writes wait for a standby",
        &format!(
            "{} of {} 503s do not: {kinds:?}",
            wrong.len(),
            refused.len()
        ),
    );
    goals.check(
        most <= 3,
        "at most 3 of our backends on the server at any time",
        &format!("at most {most} seen, {backends_at_end} at the end of the 20 s"),
    );
    let measured = match back {
        Some(took) => format!("{:.2} s", took.as_secs_f64()),
        None => "none within 10 s".to_string(),
    };
    let met = back.is_some_and(|took| took <= Duration::from_secs(5));
    goals.check(
        met,
        "a 201 within 5 s of the standby setting cleared",
        &measured,
    );
    let acknowledged: Vec<i32> = written.iter().filter_map(|a| a.id).collect();
    let present = rows_present(&admin, &acknowledged).await;
    goals.check(
        present == acknowledged.len() as i64,
        "0 acknowledged lost",
        &format!(
            "{present} of {} acknowledged users present",
            acknowledged.len()
        ),
    );
    figure(&format!(
        "operator_faults H: {} writes, {} reads in the 20 s",
        written.len(),
        read.len()
    ));
    goals.verdict(&server);
}

/// A detail that says writes are waiting for a standby.
fn says_standby(answer: &Answer) -> bool {
    answer.detail().to_lowercase().contains("standby")
}

/// The unknown-outcome detail (row D).
fn says_unknown(answer: &Answer) -> bool {
    answer.detail().contains("may have been created")
}

/// Counts our backends every 100 ms until `done`, keeping the most seen in `most`. A
/// connection of its own, so that a slow count never waits behind the test's queries.
async fn count_backends(
    config: tokio_postgres::Config,
    most: Arc<AtomicI64>,
    done: Arc<AtomicBool>,
) {
    let admin = support::connect(&config).await;
    while !done.load(Ordering::Relaxed) {
        let now = our_backends(&admin, "postgres").await;
        most.fetch_max(now, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
