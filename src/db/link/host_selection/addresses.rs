//! A host name's addresses, each to be tried within its own `connect_timeout`, as
//! libpq does ("the timeout is applied separately to each host name or IP address").
//!
//! tokio-postgres resolves a name itself and tries its addresses in turn, but the
//! deadline `host_selection.rs` sets covers the whole login to a host: a name whose
//! first address accepts TCP and never answers (a frozen machine, a stale DNS record
//! that now points at a black hole) would use the whole budget there and never reach
//! its second address. So the name is resolved here, once per attempt, and each
//! address is handed over pinned as `hostaddr`: tokio-postgres then dials only that
//! address and still uses the name for TLS, as libpq does with `host` and `hostaddr`.

use std::net::IpAddr;
use std::time::Duration;

use tokio_postgres::Config;
use tokio_postgres::config::Host;

/// One address of a host: its config with the address pinned, and the address to name
/// in the log when the host had more than one.
pub(super) struct Address {
    pub(super) config: Config,
    pub(super) shown_as: Option<IpAddr>,
}

/// The addresses of `config`'s one host, in the resolver's order. A Unix socket, an
/// IP address or a `hostaddr` already given is one address, the config as it is. A
/// name that does not resolve within `limit` is the reason this host is skipped.
pub(super) async fn addresses(config: &Config, limit: Duration) -> Result<Vec<Address>, String> {
    let as_it_is = || {
        vec![Address {
            config: config.clone(),
            shown_as: None,
        }]
    };
    let name = match config.get_hosts().first() {
        Some(Host::Tcp(name)) if config.get_hostaddrs().is_empty() => name,
        _ => return Ok(as_it_is()),
    };
    if name.parse::<IpAddr>().is_ok() {
        return Ok(as_it_is());
    }
    let port = config.get_ports().first().copied().unwrap_or(5432);
    // `lookup_host` runs the system's resolver (getaddrinfo, /etc/hosts included) on a
    // blocking thread, as Python's socket.getaddrinfo would; the timeout bounds a
    // resolver that hangs.
    let found =
        match tokio::time::timeout(limit, tokio::net::lookup_host((name.as_str(), port))).await {
            Ok(Ok(found)) => found,
            Ok(Err(err)) => return Err(format!("host name not found ({err})")),
            Err(_) => return Err("timed out: the host name did not resolve".into()),
        };
    let mut ips: Vec<IpAddr> = Vec::new();
    for address in found {
        if !ips.contains(&address.ip()) {
            ips.push(address.ip());
        }
    }
    if ips.is_empty() {
        return Err(format!("host name not found ({name} has no address)"));
    }
    let several = ips.len() > 1;
    Ok(ips
        .into_iter()
        .map(|ip| {
            let mut pinned = config.clone();
            pinned.hostaddr(ip);
            Address {
                config: pinned,
                shown_as: several.then_some(ip),
            }
        })
        .collect())
}
