//! Security hygiene: the database password is in no log line, error body or panic
//! message, even when PostgreSQL rejects it.
//!
//! The other fault tests grep their server's output for the canary password too, but
//! their PostgreSQL trusts local connections and never asks for it. Here it does
//! (SCRAM), and the server first gets the wrong password (the canary), then the right
//! one.

use std::time::{Duration, Instant};

use super::support::process::ServerProcess;
use super::support::{self, http};
use super::{SERIAL, assert_no_secret, canary_password, until_status};

const RIGHT_PASSWORD: &str = "right-pw-3c9e1d";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_password_is_a_503_and_is_never_printed() {
    let _turn = SERIAL.lock().await;
    let cluster = support::own_cluster();
    let admin = support::connect(&cluster.config()).await;
    let set_password = format!("ALTER USER postgres PASSWORD '{RIGHT_PASSWORD}'");
    admin
        .batch_execute(&set_password)
        .await
        .expect("set a password");
    cluster.require_password().expect("require it");
    let mut right = cluster.config();
    right.password(RIGHT_PASSWORD);
    let mut wrong = cluster.config();
    wrong.password("not-the-password");
    let reloaded = Instant::now();
    while wrong.connect(tokio_postgres::NoTls).await.is_ok() {
        assert!(reloaded.elapsed() < Duration::from_secs(10), "no reload");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let rejected = ServerProcess::start(&right, &canary_password());
    let json = [("Content-Type", "application/json")];
    let user = br#"{"name":"N","email":"n@secret.test","age":1}"#;
    let read = http::send(rejected.addr, "GET", "/users", &[], b"").await;
    let write = http::send(rejected.addr, "POST", "/users", &json, user).await;
    assert_eq!((read.status, write.status), (503, 503));
    let bodies = read.text() + &write.text();
    let output = rejected.output();
    assert!(
        output.contains("password authentication failed"),
        "the rejection was logged:\n{output}"
    );
    assert_no_secret(&rejected, &bodies);

    let accepted = ServerProcess::start(&right, RIGHT_PASSWORD);
    until_status(accepted.addr, "/users", 200, Duration::from_secs(10)).await;
    assert!(!accepted.output().contains(RIGHT_PASSWORD));
}
