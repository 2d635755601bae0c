//! A kind of session a link would rather hold than the one it has, looked for while the
//! one it has serves. libpq chooses a host once per connection: a standby-read link
//! whose `prefer-standby` had to settle on the primary (no standby was up) would send
//! every read there for good. The reads (`db/reads/`) hand the supervisor a
//! [`Preference`] that says what they want; the supervisor, which knows nothing of
//! reads, only looks for it.

use std::time::Duration;

use tokio::time::sleep;

use super::login::ConnectionTask;
use super::session::Session;
use super::session_maker::SessionMaker;
use crate::db::settings::ConnectSettings;

/// What a link prefers, and how often to look for it.
#[derive(Clone)]
pub(in crate::db) struct Preference {
    /// Settings that connect only to a host of the preferred kind.
    pub(in crate::db) settings: ConnectSettings,
    /// Whether a session is already of the preferred kind.
    pub(in crate::db) holds: fn(&Session) -> bool,
    /// How long to wait between tries.
    pub(in crate::db) every: Duration,
}

/// A session of the preferred kind, made quietly (failed tries are not logged: the
/// current session still serves); pending for ever when `current` already is one, or
/// there is no preference.
pub(super) async fn look_for(
    preference: Option<&Preference>,
    current: &Session,
    maker: &SessionMaker,
) -> (Session, ConnectionTask) {
    let Some(preference) = preference.filter(|wanted| !(wanted.holds)(current)) else {
        return std::future::pending().await;
    };
    let maker = maker.with_settings(preference.settings.clone());
    loop {
        sleep(preference.every).await;
        if let Ok(found) = maker.make().await {
            return found;
        }
    }
}
