//! Unit tests of `src/config/host_params.rs`, through `Settings::from_lookup` as the
//! binary reads them: every parameter and variable, and the errors for bad values.

use std::time::Duration;

use tokio_postgres::config::Host;

use crate::config::tests::settings;
use crate::db::{HostChoice, TargetSessionAttrs};

fn choice(pairs: &[(&str, &str)]) -> HostChoice {
    settings(pairs).unwrap().database.hosts
}

fn error(pairs: &[(&str, &str)]) -> String {
    match settings(pairs) {
        Ok(_) => panic!("{pairs:?} was accepted"),
        Err(err) => err.to_string(),
    }
}

fn tcp(names: &[&str]) -> Vec<Host> {
    names
        .iter()
        .map(|name| Host::Tcp(name.to_string()))
        .collect()
}

#[test]
fn host_lists_in_both_url_forms() {
    let url = "postgresql://u:p@h1:5441,h2:5442,h3:5443/appdb?target_session_attrs=read-write";
    let s = settings(&[("DATABASE_URL", url)]).unwrap();
    assert_eq!(s.database.postgres.get_hosts(), tcp(&["h1", "h2", "h3"]));
    assert_eq!(s.database.postgres.get_ports(), [5441, 5442, 5443]);
    assert_eq!(s.database.hosts.target, TargetSessionAttrs::ReadWrite);
    assert_eq!(s.describe(), "u@h1:5441,h2:5442,h3:5443/appdb");
    let kv = "host=h1,h2 port=5441,5442 user=u dbname=appdb target_session_attrs=primary";
    let s = settings(&[("DATABASE_URL", kv)]).unwrap();
    assert_eq!(s.describe(), "u@h1:5441,h2:5442/appdb");
    assert_eq!(s.database.hosts.target, TargetSessionAttrs::Primary);
}

#[test]
fn every_target_session_attrs_value_from_the_url_or_the_environment() {
    for target in TargetSessionAttrs::ALL {
        let url = format!("postgres://u@h/db?target_session_attrs={}", target.as_str());
        assert_eq!(choice(&[("DATABASE_URL", &url)]).target, target);
        assert_eq!(
            choice(&[("PGTARGETSESSIONATTRS", target.as_str())]).target,
            target
        );
    }
    assert_eq!(choice(&[]).target, TargetSessionAttrs::Any);
    // The URL wins over the environment, as in libpq.
    let url = "postgres://u@h/db?target_session_attrs=standby";
    let both = [("DATABASE_URL", url), ("PGTARGETSESSIONATTRS", "primary")];
    assert_eq!(choice(&both).target, TargetSessionAttrs::Standby);
}

#[test]
fn load_balance_hosts_and_connect_timeout() {
    assert!(!choice(&[]).random_order);
    assert!(choice(&[("PGLOADBALANCEHOSTS", "random")]).random_order);
    let url = "postgres://u@h/db?load_balance_hosts=disable&connect_timeout=10";
    let both = [("DATABASE_URL", url), ("PGLOADBALANCEHOSTS", "random")];
    assert!(!choice(&both).random_order);
    assert_eq!(choice(&both).connect_timeout, Duration::from_secs(10));
    assert_eq!(choice(&[]).connect_timeout, Duration::from_secs(3));
    // libpq's rules: 1 counts as 2; 0 is libpq's "for ever", our default here.
    assert_eq!(
        choice(&[("PGCONNECT_TIMEOUT", "1")]).connect_timeout,
        Duration::from_secs(2)
    );
    assert_eq!(
        choice(&[("PGCONNECT_TIMEOUT", "0")]).connect_timeout,
        Duration::from_secs(3)
    );
}

#[test]
fn tcp_settings_for_dead_peers() {
    let defaults = settings(&[]).unwrap().database.postgres;
    assert!(defaults.get_keepalives());
    assert_eq!(defaults.get_keepalives_idle(), Duration::from_secs(10));
    assert_eq!(
        defaults.get_keepalives_interval(),
        Some(Duration::from_secs(5))
    );
    assert_eq!(defaults.get_keepalives_retries(), Some(3));
    assert_eq!(defaults.get_tcp_user_timeout(), None);
    let url = "postgres://u@h/db?keepalives=1&keepalives_idle=30&keepalives_interval=7\
               &keepalives_count=4&tcp_user_timeout=2500&application_name=x";
    let s = settings(&[("DATABASE_URL", url)])
        .unwrap()
        .database
        .postgres;
    assert_eq!(s.get_keepalives_idle(), Duration::from_secs(30));
    assert_eq!(s.get_keepalives_interval(), Some(Duration::from_secs(7)));
    assert_eq!(s.get_keepalives_retries(), Some(4));
    // Milliseconds, as libpq reads it (tokio-postgres alone would read 2500 s).
    assert_eq!(s.get_tcp_user_timeout(), Some(&Duration::from_millis(2500)));
    assert_eq!(s.get_application_name(), Some("x"));
    let off = settings(&[("DATABASE_URL", "postgres://u@h/db?keepalives=0")]).unwrap();
    assert!(!off.database.postgres.get_keepalives());
}

#[test]
fn db_host_and_pghost_take_lists() {
    let s = settings(&[("DB_HOST", "h1,h2"), ("DB_PORT", "5441,5442")]).unwrap();
    assert_eq!(s.describe(), "postgres@h1:5441,h2:5442/appdb");
    let s = settings(&[("DB_HOST", "h1, h2"), ("DB_PORT", "6000")]).unwrap();
    assert_eq!(s.describe(), "postgres@h1:6000,h2:6000/appdb");
    // PGHOST and PGPORT where DB_HOST and DB_PORT are unset; DB_* win.
    let s = settings(&[("PGHOST", "a,b"), ("PGPORT", "7001,7002")]).unwrap();
    assert_eq!(s.describe(), "postgres@a:7001,b:7002/appdb");
    let s = settings(&[("PGHOST", "a,b"), ("DB_HOST", "c")]).unwrap();
    assert_eq!(s.describe(), "postgres@c:5432/appdb");
    // A URL without a host takes PGHOST and PGPORT, as libpq does.
    let url = "postgresql:///appdb?user=u&target_session_attrs=read-write";
    let s = settings(&[("DATABASE_URL", url), ("PGHOST", "a,b"), ("PGPORT", "1,2")]).unwrap();
    assert_eq!(s.describe(), "u@a:1,b:2/appdb");
}

#[test]
fn bad_values_are_start_up_errors_naming_the_parameter() {
    let url = |query: &str| format!("postgres://u:hunter2@h/db?{query}");
    let cases = [
        (
            "target_session_attrs=primaryish",
            "target_session_attrs must be one of",
        ),
        (
            "load_balance_hosts=roundrobin",
            "load_balance_hosts must be disable or random",
        ),
        (
            "connect_timeout=soon",
            "connect_timeout must be a whole number",
        ),
        ("keepalives=yes", "keepalives must be a whole number"),
        ("keepalives_idle=0", "keepalives_idle must be at least 1"),
        (
            "keepalives_interval=-3",
            "keepalives_interval must be at least 1",
        ),
        (
            "keepalives_count=x",
            "keepalives_count must be a whole number",
        ),
        (
            "tcp_user_timeout=1.5",
            "tcp_user_timeout must be a whole number",
        ),
    ];
    for (query, expected) in cases {
        let err = error(&[("DATABASE_URL", &url(query))]);
        assert!(err.starts_with(expected), "{query}: {err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
    let env_cases = [
        ("PGTARGETSESSIONATTRS", "master", "target_session_attrs"),
        ("PGLOADBALANCEHOSTS", "yes", "load_balance_hosts"),
        ("PGCONNECT_TIMEOUT", "3s", "connect_timeout"),
        ("DB_PORT", "5432,x", "DB_PORT"),
        ("PGPORT", "http", "PGPORT"),
    ];
    for (variable, value, named) in env_cases {
        let err = error(&[(variable, value)]);
        assert!(err.starts_with(named), "{variable}={value}: {err}");
    }
    let err = error(&[("DB_HOST", "a,b,c"), ("DB_PORT", "1,2")]);
    assert!(err.starts_with("port: 2 port numbers for 3 hosts"), "{err}");
    let err = error(&[("DATABASE_URL", "host=a,b port=1,2,3 user=u")]);
    assert!(err.starts_with("port: 3 port numbers for 2 hosts"), "{err}");
}
