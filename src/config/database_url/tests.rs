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
