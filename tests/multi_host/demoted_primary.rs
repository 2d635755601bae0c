//! A primary that stops being one under the server's feet: it turns read-only
//! (`default_transaction_read_only`, so its next write fails with SQLSTATE 25006, as a
//! demoted primary's do) and its standby is promoted, as in a switchover. Before issue
//! 20 the server stayed on the old primary and answered every write 500.
//!
//! The promise: the refused write replaces the connection (cause `read_only`), the
//! server finds the new primary through `target_session_attrs=read-write`, 201s resume,
//! and `/ready` follows the new session.

use std::time::{Duration, Instant};

use super::support::{self, figure};
use super::target_session::primary_and_standby;
use super::{SERIAL, post_user, replacements, server_with_url, until_created, until_logged};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demoted_primary_is_left_for_the_promoted_standby() {
    let _turn = SERIAL.lock().await;
    let (primary, standby) = primary_and_standby().await;
    let (p, s) = (
        primary.config().get_ports()[0],
        standby.config().get_ports()[0],
    );
    let url = format!(
        "postgresql://postgres@127.0.0.1:{p},127.0.0.1:{s}/postgres\
         ?target_session_attrs=read-write&connect_timeout=2"
    );
    let server = server_with_url(&primary.config(), &url);
    until_created(server.addr, "before", Duration::from_secs(10)).await;
    let line = until_logged(&server, "database: connected", Duration::from_secs(2));
    assert!(
        line.contains(&format!("connected to 127.0.0.1:{p} of")),
        "{line}"
    );

    // Demote: the old primary refuses writes, then the standby takes over.
    let old = support::connect(&primary.config()).await;
    // Two calls: ALTER SYSTEM may not share a transaction (a multi-statement string).
    for sql in [
        "ALTER SYSTEM SET default_transaction_read_only = on",
        "SELECT pg_reload_conf()",
    ] {
        old.batch_execute(sql)
            .await
            .expect("make the primary read-only");
    }
    let demoted_at = Instant::now();
    let mut statuses = Vec::new();
    // Until a write is refused: the reload reaches the server's backend a moment later.
    for n in 0.. {
        let status = post_user(server.addr, &format!("during-{n}@example.com")).await;
        statuses.push(status);
        if status != 201 || demoted_at.elapsed() > Duration::from_secs(10) {
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&503), "{statuses:?}");
    let new = support::connect(&standby.config()).await;
    new.batch_execute("SELECT pg_promote()")
        .await
        .expect("promote");
    let promoted_at = Instant::now();
    let took = until_created(server.addr, "after", Duration::from_secs(10)).await;
    figure(&format!(
        "multi_host: primary demoted (25006), standby promoted: first 201 {:.2} s after \
         pg_promote() returned",
        promoted_at.elapsed().min(took).as_secs_f64()
    ));

    let refused = until_logged(
        &server,
        "(25006); replacing the connection",
        Duration::from_secs(2),
    );
    assert!(refused.contains(&format!("127.0.0.1:{p}")), "{refused}");
    let line = until_logged(
        &server,
        &format!("connected to 127.0.0.1:{s} of"),
        Duration::from_secs(2),
    );
    assert!(
        line.contains(&format!("passed over 127.0.0.1:{p}: session is read-only")),
        "{line}"
    );
    assert_eq!(replacements(server.admin(), "read_only").await, 1.0);
    let ready = support::http::send(server.admin(), "GET", "/ready", &[], b"").await;
    assert_eq!(ready.status, 200, "{}", ready.text());
}
