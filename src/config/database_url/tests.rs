//! Tests of `READ_DATABASE_URL` through the whole settings (`config.rs`'s test helper): a
//! file of its own, so that `database_url.rs` and `config.rs` do not import each other.

use crate::config::tests::settings;
use crate::db::TargetSessionAttrs;

#[test]
fn the_read_url_is_off_unless_set_and_takes_the_same_syntax() {
    assert!(settings(&[]).unwrap().read_database.is_none());
    let url = "postgresql://app:pw@h1:5441,h2:5442/appdb\
               ?target_session_attrs=standby&load_balance_hosts=random";
    let s = settings(&[("READ_DATABASE_URL", url)]).unwrap();
    let read = s.read_database.as_ref().expect("a read connection");
    assert_eq!(read.hosts.target, TargetSessionAttrs::Standby);
    assert!(read.hosts.random_order);
    assert_eq!(read.postgres.get_hosts().len(), 2);
    assert_eq!(read.postgres.get_application_name(), Some("userapi-reads"));
    // The write connection is untouched: the seed's defaults.
    assert_eq!(s.database.hosts.target, TargetSessionAttrs::Any);
    assert_eq!(s.describe(), "postgres@db:5432/appdb");
}

#[test]
fn a_bad_read_url_is_named_and_keeps_its_password() {
    let bad = "postgres://u:hunter2@h:notaport/db";
    let err = settings(&[("READ_DATABASE_URL", bad)]).unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("READ_DATABASE_URL"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    let attrs = "postgres://u@h/db?target_session_attrs=replica";
    let err = settings(&[("READ_DATABASE_URL", attrs)]).unwrap_err();
    assert!(err.to_string().contains("target_session_attrs"), "{err}");
}

fn hosts_and_ports(url: &str, env: &[(&str, &str)]) -> (Vec<String>, Vec<u16>) {
    let mut pairs = vec![("DATABASE_URL", url)];
    pairs.extend_from_slice(env);
    let s = settings(&pairs).unwrap_or_else(|e| panic!("{url}: {e}"));
    let hosts = s.database.postgres.get_hosts().iter();
    let names = hosts.map(|host| match host {
        tokio_postgres::config::Host::Tcp(name) => name.clone(),
        tokio_postgres::config::Host::Unix(path) => path.display().to_string(),
    });
    (names.collect(), s.database.postgres.get_ports().to_vec())
}

#[test]
fn a_query_host_or_port_overrides_the_urls_own_as_in_libpq() {
    let hosts = |url| hosts_and_ports(url, &[]);
    assert_eq!(
        hosts("postgres://u@h1:5441/db?host=h2"),
        (vec!["h2".into()], vec![5441])
    );
    assert_eq!(
        hosts("postgres://u@h1:5441/db?port=6000"),
        (vec!["h1".into()], vec![6000])
    );
    assert_eq!(
        hosts("postgresql://u@h1/db?host=a,b&port=1,2"),
        (vec!["a".into(), "b".into()], vec![1, 2])
    );
    assert_eq!(
        hosts("postgres://u@[::1]:5441,h2/db?sslmode=disable"),
        (vec!["::1".into(), "h2".into()], vec![5441, 5432])
    );
    assert_eq!(
        hosts("postgres://u@%2Fvar%2Frun%2Fpostgresql/db"),
        (vec!["/var/run/postgresql".into()], vec![])
    );
}

#[test]
fn pgport_fills_the_port_a_url_with_hosts_leaves_out() {
    let pgport = [("PGPORT", "6000")];
    assert_eq!(
        hosts_and_ports("postgres://u@h1,h2/db", &pgport),
        (vec!["h1".into(), "h2".into()], vec![6000])
    );
    assert_eq!(
        hosts_and_ports("postgres://u@h1:5441/db", &pgport),
        (vec!["h1".into()], vec![5441])
    );
}

#[test]
fn hosts_and_hostaddrs_must_pair_up() {
    let url = "host=a,b hostaddr=127.0.0.1 user=u dbname=db";
    let err = settings(&[("DATABASE_URL", url)]).map(|_| ()).unwrap_err();
    assert!(err.to_string().contains("hostaddr"), "{err}");
}
