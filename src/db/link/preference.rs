//! A kind of session a link would rather hold than the one it has, looked for while the
//! one it has serves. libpq chooses a host once per connection; two cases need more:
//!
//! - a standby-read link whose `prefer-standby` had to settle on the primary (no standby
//!   was up) would send every read there for good: the reads (`db/reads/`) hand it a
//!   preference for a standby;
//! - the primary's link on a database that was read-only when it logged in
//!   (`default_transaction_read_only`, applied to new sessions only) would refuse every
//!   write until the connection died: once a write is refused (`write_gate.rs`), it
//!   looks for a writable session ([`Preference::writable`]), with backoff, so a
//!   database that stays read-only costs a login every few seconds, not a storm.
//!
//! The supervisor knows nothing of reads or writes: it only looks for what it is handed.

use std::time::Duration;

use tokio::time::sleep;

use super::login::ConnectionTask;
use super::session::Session;
use super::session_maker::SessionMaker;
use super::write_gate::Gate;
use crate::db::settings::{ConnectSettings, TargetSessionAttrs};

/// What a link prefers, and how often to look for it.
#[derive(Clone)]
pub(in crate::db) struct Preference {
    /// Settings that connect only to a host of the preferred kind.
    pub(in crate::db) settings: ConnectSettings,
    /// Whether a session is of the preferred kind (checked again whenever its write
    /// gate changes).
    pub(in crate::db) holds: fn(&Session) -> bool,
    /// The wait between tries: doubling from the first to the second.
    pub(in crate::db) every: (Duration, Duration),
}

impl Preference {
    /// For the primary's link: a session that takes writes, once one refused them.
    pub(super) fn writable(settings: &ConnectSettings) -> Preference {
        Preference {
            settings: settings.targeting(TargetSessionAttrs::ReadWrite),
            holds: |session| !matches!(session.gate().state(), Gate::Refused(_)),
            every: (Duration::from_secs(1), Duration::from_secs(4)),
        }
    }
}

/// A session of the preferred kind, made quietly (failed tries are not logged: the
/// current session still serves); pending while `current` is one, or for ever when
/// there is no preference.
pub(super) async fn look_for(
    preference: Option<&Preference>,
    current: &Session,
    maker: &SessionMaker,
) -> (Session, ConnectionTask) {
    let Some(preference) = preference else {
        return std::future::pending().await;
    };
    // Subscribed before the first check, so no change between the two is missed.
    let mut changes = current.gate().watch();
    while (preference.holds)(current) {
        if changes.changed().await.is_err() {
            // The gate lives in the session, which outlives this wait.
            return std::future::pending().await;
        }
    }
    let maker = maker.with_settings(preference.settings.clone());
    let mut wait = preference.every.0;
    loop {
        sleep(wait).await;
        if let Ok(found) = maker.make().await {
            return found;
        }
        wait = (wait * 2).min(preference.every.1);
    }
}
