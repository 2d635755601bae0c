//! Row O, read off the Compose files: the role both stacks connect the API as.
//!
//! The seed connected as `postgres`, the superuser, whose sessions may take the slots
//! PostgreSQL reserves so that an operator can always `psql` in. The goal: the API
//! connects as `userapi`, with a password of its own, a role that the stack's own
//! set-up files create with no power beyond logging in (no SUPERUSER, CREATEDB,
//! CREATEROLE, REPLICATION, BYPASSRLS, no membership of another role), after the seed's
//! `init.sql` (still the seed's file, mounted as before) has made the table it is
//! granted rights on. `app_role` runs that set-up file on a real PostgreSQL; the e2e
//! scripts run both stacks.

use std::path::Path;

use super::Goals;

/// The role the Compose stacks should connect as.
const APP_ROLE: &str = "userapi";
/// What the role must not be given: each a power beyond its own tables.
const POWERS: [&str; 5] = [
    "superuser",
    "createdb",
    "createrole",
    "replication",
    "bypassrls",
];

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn the_compose_stacks_connect_as_an_unprivileged_role() {
    let mut goals = Goals::new("O (the role the Compose stacks connect as)");
    single_node_stack(&mut goals);
    ha_stack(&mut goals);
    goals.verdict_without_server();
}

fn single_node_stack(goals: &mut Goals) {
    let compose = read("docker-compose.yml");
    let one = |key: &str| values(&compose, key).join(",");
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
    let (app, admin, given) = (
        one("DB_PASSWORD"),
        one("POSTGRES_PASSWORD"),
        one("USERAPI_PASSWORD"),
    );
    goals.check(
        !app.is_empty() && app != admin && app == given,
        "docker-compose.yml: userapi's password is not the superuser's, and db sets the backend's",
        &format!(
            "the backend's is {}, db's USERAPI_PASSWORD {}",
            same(&app, &admin),
            same(&app, &given)
        ),
    );
    // What the postgres image runs once, on a new volume, in name order: the files
    // mounted there, as (path in the checkout, name in the container).
    let mounted: Vec<(String, String)> = compose
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- ./"))
        .filter_map(|volume| volume.split_once(":/docker-entrypoint-initdb.d/"))
        .map(|(path, name)| (path.to_string(), name.trim_end_matches(":ro").to_string()))
        .collect();
    let seed = mounted.iter().find(|(path, _)| path == "init.sql");
    goals.check(
        seed.is_some() && has_seed_table(&read("init.sql")),
        "init.sql is still mounted and still creates the seed's table",
        &format!("mounted there: {mounted:?}"),
    );
    let role = mounted
        .iter()
        .find(|(path, _)| creates_unprivileged_role(&read(path)));
    let in_order = matches!((seed, role), (Some(seed), Some(role)) if seed.1 < role.1);
    goals.check(
        role.is_some() && in_order,
        "docker-compose.yml: a file in /docker-entrypoint-initdb.d, run after init.sql, \
         creates userapi with no power but LOGIN",
        &format!("mounted there: {mounted:?}"),
    );
}

fn ha_stack(goals: &mut Goals) {
    let ha = read("docker-compose.ha.yml");
    let urls: Vec<String> = ["DATABASE_URL", "READ_DATABASE_URL"]
        .iter()
        .flat_map(|key| values(&ha, key))
        .collect();
    let url_users: Vec<&str> = urls.iter().map(|url| url_userinfo(url).0).collect();
    goals.check(
        url_users.len() == 2 && url_users.iter().all(|user| *user == APP_ROLE),
        "docker-compose.ha.yml: DATABASE_URL and READ_DATABASE_URL connect as userapi",
        &format!("users {url_users:?}"),
    );
    let given = values(&ha, "USERAPI_PASSWORD").join(",");
    let others = [
        values(&ha, "PATRONI_SUPERUSER_PASSWORD"),
        values(&ha, "PATRONI_REPLICATION_PASSWORD"),
    ];
    let passwords: Vec<&str> = urls.iter().map(|url| url_userinfo(url).1).collect();
    goals.check(
        passwords
            .iter()
            .all(|pw| *pw == given && !pw.is_empty() && !others.concat().iter().any(|o| o == pw)),
        "docker-compose.ha.yml: userapi's password is the nodes' USERAPI_PASSWORD, and neither \
         the superuser's nor the replication role's",
        &format!("{} URL(s) checked", passwords.len()),
    );
    // Patroni's post_bootstrap runs once, on the node that initialises the cluster: it
    // must run init.sql, then a file that creates the role, both given to every node.
    let files: Vec<String> = ha
        .lines()
        .filter_map(|line| line.trim().strip_prefix("file: ./"))
        .map(str::to_string)
        .collect();
    let role = files
        .iter()
        .find(|path| creates_unprivileged_role(&read(path)));
    let script = read("scripts/ha/post-bootstrap.sh");
    let code: Vec<&str> = script
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    let code = code.join("\n");
    let runs = |path: &str| code.find(path.rsplit('/').next().unwrap_or(path));
    let in_order = matches!(
        (runs("init.sql"), role.and_then(|role| runs(role))),
        (Some(seed), Some(role)) if seed < role
    );
    goals.check(
        files.contains(&"init.sql".to_string()) && role.is_some() && in_order,
        "docker-compose.ha.yml gives the nodes init.sql and a file that creates userapi with no \
         power but LOGIN; scripts/ha/post-bootstrap.sh runs them in that order",
        &format!("files given to the nodes: {files:?}"),
    );
}

fn same(a: &str, b: &str) -> &'static str {
    if a == b { "the same" } else { "different" }
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

/// The user and password of `postgresql://user:password@host/...`.
fn url_userinfo(url: &str) -> (&str, &str) {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let userinfo = rest.split_once('@').map_or("", |(userinfo, _)| userinfo);
    userinfo.split_once(':').unwrap_or((userinfo, ""))
}

/// Whether the SQL `text` creates `userapi` (`CREATE ROLE` or `CREATE USER`) able to
/// log in, and no statement that creates or alters it gives it one of [`POWERS`]
/// (`NOSUPERUSER` and the like are fine), nor grants it anything but privileges on
/// objects (`GRANT ... ON ... TO userapi`, not membership of another role).
fn creates_unprivileged_role(text: &str) -> bool {
    let code: Vec<&str> = text
        .lines()
        .map(|line| line.split("--").next().unwrap_or(""))
        .collect();
    let code = code.join("\n").to_lowercase();
    let statements: Vec<Vec<&str>> = code
        .split(';')
        .map(|statement| {
            let words = statement.split_whitespace();
            words
                .map(|word| word.trim_matches(|c: char| !c.is_alphanumeric() && c != '_'))
                .collect()
        })
        .collect();
    // Whether `words` hold `<verb> <kind> userapi`, e.g. `create role userapi`.
    let names = |words: &[&str], verbs: &[&str], kinds: &[&str]| {
        let at = |w: &[&str]| verbs.contains(&w[0]) && kinds.contains(&w[1]) && w[2] == APP_ROLE;
        words.windows(3).any(at)
    };
    let role_or_user = ["role", "user"];
    let creates = statements
        .iter()
        .any(|w| names(w, &["create"], &role_or_user));
    // CREATE USER is CREATE ROLE ... LOGIN.
    let creates_user = statements.iter().any(|w| names(w, &["create"], &["user"]));
    let shaping: Vec<&Vec<&str>> = statements
        .iter()
        .filter(|w| names(w, &["create", "alter"], &role_or_user))
        .collect();
    let logs_in = (creates_user || shaping.iter().any(|words| words.contains(&"login")))
        && !shaping.iter().any(|words| words.contains(&"nologin"));
    let powerless = shaping
        .iter()
        .all(|words| !words.iter().any(|word| POWERS.contains(word)));
    let grants = statements.iter().filter(|words| {
        let to = words.windows(2).any(|w| w == ["to", APP_ROLE]);
        words.contains(&"grant") && to
    });
    let only_objects = grants.into_iter().all(|words| words.contains(&"on"));
    creates && logs_in && powerless && only_objects
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
