//! Unit tests of `src/db/link/host_selection.rs`: the decisions without a server. The
//! real primary and standby are in `tests/multi_host/` (`target_session.rs`,
//! `host_list.rs`).

use std::str::FromStr;

use tokio_postgres::config::Host;

use super::host_list::{candidates, shuffle};
use super::*;

fn state(hot_standby: bool, read_only: bool) -> ServerState {
    ServerState {
        hot_standby,
        read_only,
    }
}

#[test]
fn each_target_takes_what_libpq_takes() {
    use TargetSessionAttrs::*;
    let primary = state(false, false);
    let standby = state(true, true);
    // A primary with default_transaction_read_only=on: read-only, yet not a standby.
    let read_only_primary = state(false, true);
    let takes = |target, s| refusal(target, s).is_none();
    assert!(takes(Any, primary) && takes(Any, standby));
    assert!(takes(ReadWrite, primary) && !takes(ReadWrite, standby));
    assert!(!takes(ReadWrite, read_only_primary));
    assert!(takes(ReadOnly, standby) && takes(ReadOnly, read_only_primary));
    assert!(!takes(ReadOnly, primary));
    assert!(takes(Primary, primary) && takes(Primary, read_only_primary));
    assert!(!takes(Primary, standby));
    assert!(takes(Standby, standby) && !takes(Standby, read_only_primary));
    assert_eq!(refusal(ReadWrite, standby), Some("session is read-only"));
    assert_eq!(
        refusal(Standby, primary),
        Some("server is not in hot standby mode")
    );
}

#[test]
fn prefer_standby_is_a_standby_pass_then_any() {
    use TargetSessionAttrs::*;
    assert_eq!(passes(PreferStandby), [Standby, Any]);
    assert_eq!(passes(ReadWrite), [ReadWrite]);
}

#[test]
fn a_host_list_becomes_one_config_per_host_with_every_other_setting() {
    let url = "postgres://u:p@h1:5441,h2:5442,[::1]:5443/db?application_name=a\
               &options=-c%20x%3Dy&connect_timeout=7&tcp_user_timeout=9&keepalives_idle=11\
               &keepalives_interval=2&keepalives_retries=4&channel_binding=require\
               &sslmode=require";
    let config = Config::from_str(url).expect("a valid URL");
    let hosts = candidates(&config);
    let names: Vec<&str> = hosts.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["h1:5441", "h2:5442", "::1:5443"]);
    // Each config, given the other hosts back, is the original: nothing else was lost.
    let (_, first) = &hosts[0];
    let mut rebuilt = first.clone();
    for (host, port) in [("h2", 5442), ("::1", 5443)] {
        rebuilt.host(host).port(port);
    }
    assert_eq!(rebuilt, config);
    assert_eq!(hosts[1].1.get_hosts(), [Host::Tcp("h2".into())]);
    assert_eq!(hosts[1].1.get_ports(), [5442]);
}

#[test]
fn one_port_serves_every_host() {
    let config = Config::from_str("host=a,b port=6000 user=u").expect("valid");
    let hosts = candidates(&config);
    assert_eq!(hosts[1].0, "b:6000");
    assert_eq!(hosts[1].1.get_ports(), [6000]);
}

#[test]
fn shuffling_keeps_every_host_and_varies_the_order() {
    let mut seen_first = std::collections::HashSet::new();
    for _ in 0..200 {
        let mut hosts = [1, 2, 3];
        shuffle(&mut hosts);
        let mut sorted = hosts;
        sorted.sort();
        assert_eq!(sorted, [1, 2, 3]);
        seen_first.insert(hosts[0]);
    }
    assert_eq!(seen_first.len(), 3, "every host comes first sometimes");
}
