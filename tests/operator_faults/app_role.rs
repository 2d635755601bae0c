//! Row O on a real PostgreSQL: the role file both Compose stacks run
//! (`scripts/db/userapi-role.sql`), run here as the postgres image runs it, and the real
//! server connected as the role it makes. The goals:
//!
//! - the file runs after the seed's `init.sql`, and again without harm (the one-time
//!   command an operator runs on a database made before the role existed);
//! - grants are enough: the server as `userapi`, logging in with the password the file
//!   set (SCRAM required, as in the stacks), answers POST 201 and both GETs, and its
//!   sessions are `userapi`, not a superuser;
//! - `userapi` can do nothing else: no DDL, no UPDATE, DELETE or TRUNCATE, no power
//!   (SUPERUSER, CREATEDB, ...), no other role's rights, and it owns nothing;
//! - with every slot a non-superuser may take held by `userapi`, the next `userapi`
//!   login is refused and `postgres` still gets in: an operator can always `psql` in.

use std::process::Command;
use std::time::{Duration, Instant};

use tokio_postgres::Config;
use tokio_postgres::error::SqlState;

use super::support::process::ServerProcess;
use super::support::{self, Cluster};
use super::traffic::{get, post_user, until_created};
use super::{Goals, SERIAL};

const SUPERUSER_PASSWORD: &str = "superuser-pw-71c4";
const APP_PASSWORD: &str = "userapi-pw-5e02";
/// Slots a non-superuser may take in the last part of the test: `max_connections` (the
/// test clusters' 300) less `superuser_reserved_connections`, raised from 3 so that
/// filling them takes a few sessions, not hundreds.
const OPEN_SLOTS: i64 = 4;

/// `psql -f path` as the superuser on the database of `config`, as the postgres image
/// runs the files of /docker-entrypoint-initdb.d; stderr on failure.
fn psql_file(config: &Config, password: &str, path: &str) -> Result<(), String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let output = Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
        .args([
            "-p",
            &port.to_string(),
            "-U",
            "postgres",
            "-d",
            "appdb",
            "-f",
        ])
        .arg(root.join(path))
        .env("PGPASSWORD", password)
        .env("USERAPI_PASSWORD", APP_PASSWORD)
        .output()
        .map_err(|e| format!("run psql (PostgreSQL's client, on PATH): {e}"))?;
    match output.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

/// The cluster with a database `appdb` where `init.sql` then the role file have run, and
/// passwords required from then on; the superuser's settings on `appdb`.
async fn stack_database(cluster: &Cluster) -> Config {
    let admin = support::connect(&cluster.config()).await;
    // Two calls: CREATE DATABASE cannot run inside a transaction block.
    let password = format!("ALTER USER postgres PASSWORD '{SUPERUSER_PASSWORD}'");
    for sql in ["CREATE DATABASE appdb", password.as_str()] {
        admin.batch_execute(sql).await.expect(sql);
    }
    let mut superuser = cluster.config();
    superuser.dbname("appdb").password(SUPERUSER_PASSWORD);
    for file in ["init.sql", "scripts/db/userapi-role.sql"] {
        psql_file(&superuser, "", file).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    cluster.require_password().expect("require passwords");
    let mut wrong = superuser.clone();
    wrong.password("not-the-password");
    let reloaded = Instant::now();
    while wrong.connect(tokio_postgres::NoTls).await.is_ok() {
        assert!(reloaded.elapsed() < Duration::from_secs(10), "no reload");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    superuser
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_file_gives_userapi_what_the_server_needs_and_nothing_more() {
    let _turn = SERIAL.lock().await;
    let mut cluster = support::own_cluster();
    let superuser = stack_database(&cluster).await;
    let mut goals = Goals::new("O (the role userapi, made by scripts/db/userapi-role.sql)");
    let again = psql_file(
        &superuser,
        SUPERUSER_PASSWORD,
        "scripts/db/userapi-role.sql",
    );
    goals.check(
        again.is_ok(),
        "the role file runs again on a database that has the role (the operator's command)",
        &format!("{again:?}"),
    );

    let mut app = superuser.clone();
    app.user("userapi").password(APP_PASSWORD);
    let server = ServerProcess::start(&app, APP_PASSWORD);
    let ready = until_created(server.addr, "first", Duration::from_secs(10)).await;
    assert!(
        ready.is_some(),
        "no 201 as userapi within 10 s:\n{}",
        server.output()
    );
    let created = post_user(server.addr, "role@example.com").await;
    let one = get(server.addr, &format!("/users/{}", created.id.unwrap_or(0))).await;
    let list = get(server.addr, "/users").await;
    goals.check(
        created.status == 201 && one.status == 200 && list.status == 200,
        "the server as userapi: POST /users 201, GET /users/{id} 200, GET /users 200",
        &format!(
            "{} {:?}, {}, {}",
            created.status,
            created.detail(),
            one.status,
            list.status
        ),
    );
    let admin = support::connect(&superuser).await;
    let sessions = "SELECT u.usename::text, u.usesuper FROM pg_stat_activity a \
                    JOIN pg_user u ON u.usesysid = a.usesysid WHERE a.application_name = 'userapi'";
    let rows = admin.query(sessions, &[]).await.expect("sessions");
    let seen: Vec<(String, bool)> = rows.iter().map(|row| (row.get(0), row.get(1))).collect();
    goals.check(
        !seen.is_empty()
            && seen
                .iter()
                .all(|(user, superuser)| user == "userapi" && !superuser),
        "the server's sessions are userapi, not a superuser",
        &format!("(usename, usesuper): {seen:?}"),
    );
    drop(server);

    let as_app = support::connect(&app).await;
    let mut allowed = Vec::new();
    for sql in [
        "CREATE TABLE other (x int)",
        "ALTER TABLE users ADD COLUMN x int",
        "UPDATE users SET age = 1",
        "DELETE FROM users",
        "TRUNCATE users",
        "DROP TABLE users",
        "CREATE DATABASE other",
        "CREATE ROLE other",
    ] {
        let refused = as_app.batch_execute(sql).await.err();
        if refused.as_ref().and_then(|e| e.code()) != Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
            allowed.push(format!("{sql}: {refused:?}"));
        }
    }
    goals.check(
        allowed.is_empty(),
        "userapi is refused (42501) anything else",
        &format!("not refused: {allowed:?}"),
    );
    let powers = "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls, \
                  (SELECT count(*) FROM pg_auth_members WHERE member = r.oid), \
                  (SELECT count(*) FROM pg_class WHERE relowner = r.oid) \
                  FROM pg_roles r WHERE rolname = 'userapi'";
    let row = admin
        .query_one(powers, &[])
        .await
        .expect("userapi's powers");
    let (power, roles, owns): (bool, i64, i64) = (row.get(0), row.get(1), row.get(2));
    goals.check(
        !power && roles == 0 && owns == 0,
        "userapi has no power attribute, no other role's rights, and owns nothing",
        &format!("a power: {power}; member of {roles} role(s); owns {owns} relation(s)"),
    );

    let (held, refused, operator) = fill_the_open_slots(&mut cluster, &superuser, &app).await;
    goals.check(
        held == OPEN_SLOTS && refused == Some(SqlState::TOO_MANY_CONNECTIONS) && operator.is_ok(),
        "with every open slot held by userapi, userapi is refused and postgres still gets in",
        &format!("{held} userapi session(s) held, the next: {refused:?}; postgres: {operator:?}"),
    );
    goals.verdict_without_server();
}

/// Restarts the cluster with [`OPEN_SLOTS`] slots left to non-superusers, logs in as
/// `userapi` until refused; returns how many sessions it held, the refusal's SQLSTATE,
/// and whether `postgres` could then log in and run a query.
async fn fill_the_open_slots(
    cluster: &mut Cluster,
    superuser: &Config,
    app: &Config,
) -> (i64, Option<SqlState>, Result<(), String>) {
    let admin = support::connect(superuser).await;
    let reserve = format!(
        "ALTER SYSTEM SET superuser_reserved_connections = {}",
        300 - OPEN_SLOTS
    );
    admin.batch_execute(&reserve).await.expect("reserve slots");
    drop(admin);
    cluster.stop(true);
    cluster.start_server().expect("restart");
    let mut sessions = Vec::new();
    let refused = loop {
        match app.connect(tokio_postgres::NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(connection);
                sessions.push(client);
            }
            Err(err) => break err.code().cloned(),
        }
        if sessions.len() > 2 * OPEN_SLOTS as usize {
            break None;
        }
    };
    let operator = match superuser.connect(tokio_postgres::NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            client
                .simple_query("SELECT 1")
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
        Err(err) => Err(err.to_string()),
    };
    (sessions.len() as i64, refused, operator)
}
