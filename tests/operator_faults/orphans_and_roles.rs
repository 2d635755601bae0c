//! Row O, the parts testable on one PostgreSQL: the same faults seen from the database.
//!
//! An orphan: a POST waits on a lock an operator's transaction holds (`LOCK TABLE users
//! IN ACCESS EXCLUSIVE MODE`), its deadline passes, and the server replaces the session
//! and closes the socket. PostgreSQL notices a client is gone only when it next reads
//! or writes the socket, so before the fix that backend lived, holding its slot and its
//! place in the lock queue, until the lock was free. The goal: it exits within 5 s of
//! being orphaned although the lock is still held (`client_connection_check_interval`,
//! set by the server on its sessions, makes PostgreSQL poll the socket while it waits).
//!
//! The role: both Compose stacks connected the API as `postgres`, the superuser, whose
//! sessions may take the slots PostgreSQL reserves so that an operator can always
//! `psql` in. The goal: the API connects as `userapi`, a role created without
//! SUPERUSER by the stack's own set-up files, and the seed's `init.sql` still creates
//! the seed's table (the file stays the seed's, mounted as before).

use std::path::Path;
use std::time::{Duration, Instant};

use super::support::{self, TestDatabase, figure};
use super::traffic::{post_user, until_created};
use super::{Goals, SERIAL, our_backends, server_on};

/// The "within a few seconds" of being orphaned.
const GONE_WITHIN: Duration = Duration::from_secs(5);
/// How long the test keeps the lock and watches, to say how far a miss was.
const WATCHED_FOR: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_orphan_waiting_on_a_lock_exits_while_the_lock_is_held() {
    let _turn = SERIAL.lock().await;
    let database = TestDatabase::create().await;
    let name = database.config.get_dbname().expect("a name").to_string();
    let server = server_on(&database.config);
    until_created(server.addr, "warm", Duration::from_secs(10))
        .await
        .expect("a 201 before the lock");
    let locker = support::connect(&database.config).await;
    let watcher = support::connect(&database.config).await;
    locker
        .batch_execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("the operator's lock");
    let addr = server.addr;
    let post = tokio::spawn(async move { post_user(addr, "blocked@example.com").await });
    let blocked = "SELECT pid FROM pg_stat_activity WHERE application_name = 'userapi' \
                   AND datname = $1 AND wait_event_type = 'Lock'";
    let started = Instant::now();
    let pid: i32 = loop {
        if let Some(row) = watcher.query_opt(blocked, &[&name]).await.expect("Lock") {
            break row.get(0);
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "the POST never waited"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Orphaned when the server gives up on the session (its deadline).
    let gave_up = "replacing the connection";
    tokio::task::block_in_place(|| server.until_logged(gave_up, Duration::from_secs(10)));
    let orphaned = Instant::now();
    let alive = "SELECT count(*) FROM pg_stat_activity WHERE pid = $1";
    let gone = loop {
        let row = watcher.query_one(alive, &[&pid]).await.expect("alive");
        if row.get::<_, i64>(0) == 0 {
            break Some(orphaned.elapsed());
        }
        if orphaned.elapsed() > WATCHED_FOR {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let ours = our_backends(&watcher, &name).await;
    locker
        .batch_execute("ROLLBACK")
        .await
        .expect("release the lock");
    let answer = post.await.expect("the POST");

    let mut goals = Goals::new("O (an orphan waiting on a lock)");
    let measured = match gone {
        Some(took) => format!("exited {:.2} s after being orphaned", took.as_secs_f64()),
        None => format!(
            "still waiting {} s after being orphaned",
            WATCHED_FOR.as_secs()
        ),
    };
    let met = gone.is_some_and(|took| took <= GONE_WITHIN);
    goals.check(
        met,
        "the orphan exits within 5 s, the lock still held",
        &measured,
    );
    figure(&format!(
        "operator_faults O: the blocked POST got {} after {:.2} s; {ours} backends of ours \
         when the watch ended",
        answer.status,
        answer.took.as_secs_f64()
    ));
    goals.verdict(&server);
}

/// The role the Compose stacks should connect as.
const APP_ROLE: &str = "userapi";

#[test]
fn the_compose_stacks_connect_as_an_unprivileged_role() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &str| {
        std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let mut goals = Goals::new("O (the role the Compose stacks connect as)");

    let compose = read("docker-compose.yml");
    let users = values(&compose, "DB_USER");
    goals.check(
        !users.is_empty() && users.iter().all(|user| user == APP_ROLE),
        "docker-compose.yml: the backend's DB_USER is userapi",
        &format!("DB_USER = {users:?}"),
    );
    let superuser = values(&compose, "POSTGRES_USER");
    goals.check(
        !superuser.contains(&APP_ROLE.to_string()),
        "docker-compose.yml: userapi is not the image's POSTGRES_USER (a superuser)",
        &format!("POSTGRES_USER = {superuser:?}"),
    );
    // What the postgres image runs once, on a new volume: the files mounted there.
    let mounted: Vec<String> = compose
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- ./"))
        .filter_map(|volume| volume.split_once(":/docker-entrypoint-initdb.d"))
        .map(|(path, _)| path.to_string())
        .collect();
    let setup: String = mounted.iter().map(|path| read(path)).collect();
    goals.check(
        creates_unprivileged_role(&setup),
        "docker-compose.yml: a file in /docker-entrypoint-initdb.d creates userapi, not SUPERUSER",
        &format!("mounted there: {mounted:?}"),
    );
    goals.check(
        mounted.contains(&"init.sql".to_string()) && has_seed_table(&read("init.sql")),
        "init.sql is still mounted and still creates the seed's table",
        &format!("mounted there: {mounted:?}"),
    );

    let ha = read("docker-compose.ha.yml");
    let urls: Vec<String> = ["DATABASE_URL", "READ_DATABASE_URL"]
        .iter()
        .flat_map(|key| values(&ha, key))
        .collect();
    let url_users: Vec<&str> = urls.iter().map(|url| url_user(url)).collect();
    goals.check(
        url_users.len() == 2 && url_users.iter().all(|user| *user == APP_ROLE),
        "docker-compose.ha.yml: DATABASE_URL and READ_DATABASE_URL connect as userapi",
        &format!("users {url_users:?}"),
    );
    let ha_dir = root.join("scripts/ha");
    let entries = std::fs::read_dir(&ha_dir).expect("scripts/ha");
    let ha_setup: String = entries
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok())
        .collect();
    goals.check(
        creates_unprivileged_role(&ha_setup),
        "scripts/ha (Patroni's bootstrap) creates userapi, not SUPERUSER",
        "searched every file of scripts/ha",
    );
    goals.verdict_without_server();
}

/// The values of `KEY` in a Compose file, written `KEY=value` (a list) or `KEY: value`
/// (a map), quotes removed.
fn values(yaml: &str, key: &str) -> Vec<String> {
    let each = yaml.lines().filter_map(|line| {
        let line = line.trim().trim_start_matches("- ");
        let rest = line.strip_prefix(key)?;
        let value = rest.strip_prefix('=').or_else(|| rest.strip_prefix(':'))?;
        Some(
            value
                .trim()
                .trim_matches('"')
                .trim_matches('\'')
                .to_string(),
        )
    });
    each.collect()
}

/// The user of `postgresql://user:password@host/...`.
fn url_user(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let userinfo = rest.split_once('@').map_or("", |(userinfo, _)| userinfo);
    userinfo.split(':').next().unwrap_or("")
}

/// Whether `text` has a `CREATE ROLE userapi` or `CREATE USER userapi` statement that
/// does not give it SUPERUSER (NOSUPERUSER is fine).
fn creates_unprivileged_role(text: &str) -> bool {
    let lower = text.to_lowercase();
    let statements = lower.split(';');
    statements.into_iter().any(|statement| {
        let words: Vec<&str> = statement.split_whitespace().collect();
        let creates = words.windows(3).any(|w| {
            w[0] == "create"
                && (w[1] == "role" || w[1] == "user")
                && w[2].trim_matches('"') == APP_ROLE
        });
        creates
            && !words
                .iter()
                .any(|word| word.trim_matches(|c: char| !c.is_alphanumeric()) == "superuser")
    })
}

/// Whether `sql` creates the seed's table (capstone spec, section 5), comments and
/// spacing aside.
fn has_seed_table(sql: &str) -> bool {
    let code: Vec<&str> = sql
        .lines()
        .map(|line| line.split("--").next().unwrap_or(""))
        .collect();
    let normal = code
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    normal.contains(
        "create table if not exists users ( id serial primary key, name varchar(100) not \
         null, email varchar(255) unique not null, age integer );",
    )
}
