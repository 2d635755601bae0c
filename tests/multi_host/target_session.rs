//! libpq's six `target_session_attrs` against a real primary and a streaming hot
//! standby, with the hosts listed both ways round: each value takes the host libpq
//! would take, and one that no host satisfies connects nowhere.

use std::time::{Duration, Instant};

use tokio_postgres::Config;
use userapi::db::{ConnectSettings, Database, HostChoice, TargetSessionAttrs};
use userapi::services::user_service::UserService;

use super::support::{self, Cluster};

/// How long the standby may take to replay the primary's new table.
const REPLAY_LIMIT: Duration = Duration::from_secs(10);

/// A primary with the `users` table, and its standby once the table has reached it.
pub async fn primary_and_standby() -> (Cluster, Cluster) {
    let (primary, standby) = tokio::task::block_in_place(|| {
        let primary = support::own_cluster();
        let standby = primary.start_standby().unwrap_or_else(|e| panic!("{e}"));
        (primary, standby)
    });
    let admin = support::connect(&primary.config()).await;
    admin
        .batch_execute(UserService::DATABASE_SETUP.schema)
        .await
        .expect("create the table");
    // The standby prepares the service's statements, which need the table: wait until
    // it has replayed it (a readiness check on the standby itself).
    let replica = support::connect(&standby.config()).await;
    let started = Instant::now();
    loop {
        let row = replica
            .query_one("SELECT to_regclass('users') IS NOT NULL", &[])
            .await
            .expect("ask the standby");
        if row.get::<_, bool>(0) {
            break;
        }
        assert!(
            started.elapsed() < REPLAY_LIMIT,
            "the standby never got the table"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (primary, standby)
}

/// `clusters`' hosts as one list, in that order.
fn host_list(clusters: &[&Cluster]) -> Config {
    let mut config = clusters[0].config();
    for cluster in &clusters[1..] {
        let port = cluster.config().get_ports()[0];
        config.host("127.0.0.1").port(port);
    }
    config
}

/// The port of the server a `Database` with `target` over `hosts` ends up on; `None`
/// if it found no host that qualifies.
async fn chosen(hosts: Config, target: TargetSessionAttrs) -> Option<u16> {
    let settings = ConnectSettings {
        hosts: HostChoice {
            target,
            ..HostChoice::default()
        },
        ..ConnectSettings::from(hosts)
    };
    let db = Database::start(settings, UserService::DATABASE_SETUP);
    let sql = "SELECT inet_server_port()";
    let rows = db.read(tokio::time::Instant::now(), sql, &[]).await.ok()?;
    let port: i32 = rows.first()?.get(0);
    u16::try_from(port).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_target_session_attrs_takes_the_host_libpq_takes() {
    use TargetSessionAttrs::*;
    let (primary, standby) = primary_and_standby().await;
    let port = |cluster: &Cluster| Some(cluster.config().get_ports()[0]);
    let (p, s) = (port(&primary), port(&standby));
    let primary_first = || host_list(&[&primary, &standby]);
    let standby_first = || host_list(&[&standby, &primary]);
    let cases = [
        (Any, standby_first(), s),
        (Any, primary_first(), p),
        (ReadWrite, standby_first(), p),
        (ReadOnly, primary_first(), s),
        (Primary, standby_first(), p),
        (Standby, primary_first(), s),
        (PreferStandby, primary_first(), s),
        // No standby at all: prefer-standby's second pass takes any host.
        (PreferStandby, host_list(&[&primary]), p),
        // Nothing qualifies: no connection (the call answers "unavailable").
        (Standby, host_list(&[&primary]), None),
        (ReadWrite, host_list(&[&standby]), None),
    ];
    for (target, hosts, expected) in cases {
        let described = userapi::db::describe_database(&hosts);
        let got = chosen(hosts, target).await;
        assert_eq!(got, expected, "{} over {described}", target.as_str());
    }
}
