//! A host list as tokio-postgres configs of one host each, in libpq's order or
//! shuffled (`load_balance_hosts=random`), for `host_selection.rs` to try one by one.

use std::hash::{BuildHasher, Hasher, RandomState};

use tokio_postgres::Config;
use tokio_postgres::config::Host;

use crate::db::settings::describe_host;

/// `(host:port, a config for that host alone)` for each host of `config`, in order.
pub(super) fn candidates(config: &Config) -> Vec<(String, Config)> {
    let count = config.get_hosts().len().max(config.get_hostaddrs().len());
    if count == 0 {
        // tokio-postgres says what is missing when it is tried.
        return vec![(describe_host(config, 0), config.clone())];
    }
    (0..count)
        .map(|index| {
            let name = match (
                config.get_hosts().get(index),
                config.get_hostaddrs().get(index),
            ) {
                (None, Some(address)) => {
                    describe_host(config, index).replacen("localhost", &address.to_string(), 1)
                }
                _ => describe_host(config, index),
            };
            (name, single_host(config, index))
        })
        .collect()
}

/// `config` with only its `index`th host (and hostaddr, and port). tokio-postgres has
/// no way to remove a host, so every other setting is copied onto a new config; the
/// test below holds the copy to every setting there is. `target_session_attrs` and
/// `load_balance_hosts` stay at their defaults: this file does what they say.
pub(super) fn single_host(config: &Config, index: usize) -> Config {
    let mut one = Config::new();
    if let Some(user) = config.get_user() {
        one.user(user);
    }
    if let Some(password) = config.get_password() {
        one.password(password);
    }
    if let Some(dbname) = config.get_dbname() {
        one.dbname(dbname);
    }
    if let Some(options) = config.get_options() {
        one.options(options);
    }
    if let Some(name) = config.get_application_name() {
        one.application_name(name);
    }
    one.ssl_mode(config.get_ssl_mode())
        .ssl_negotiation(config.get_ssl_negotiation())
        .channel_binding(config.get_channel_binding())
        .keepalives(config.get_keepalives())
        .keepalives_idle(config.get_keepalives_idle());
    if let Some(interval) = config.get_keepalives_interval() {
        one.keepalives_interval(interval);
    }
    if let Some(retries) = config.get_keepalives_retries() {
        one.keepalives_retries(retries);
    }
    if let Some(limit) = config.get_connect_timeout() {
        one.connect_timeout(*limit);
    }
    if let Some(limit) = config.get_tcp_user_timeout() {
        one.tcp_user_timeout(*limit);
    }
    match config.get_hosts().get(index) {
        Some(Host::Tcp(name)) => {
            one.host(name);
        }
        Some(Host::Unix(path)) => {
            one.host_path(path);
        }
        None => {}
    }
    if let Some(address) = config.get_hostaddrs().get(index) {
        one.hostaddr(*address);
    }
    let ports = config.get_ports();
    if let Some(port) = ports.get(index).or(ports.first()) {
        one.port(*port);
    }
    one
}

/// Fisher-Yates with std's randomly keyed hasher as the source: no random-number
/// crate for one shuffle per connection.
pub(super) fn shuffle<T>(items: &mut [T]) {
    let mut state = RandomState::new().build_hasher().finish() | 1;
    for last in (1..items.len()).rev() {
        // xorshift64: enough to spread connections over hosts.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        items.swap(last, (state % (last as u64 + 1)) as usize);
    }
}
