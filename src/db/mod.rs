//! The database layer: one shared PostgreSQL connection that reconnects by itself, and
//! the batching that lets many concurrent requests share each statement on it.
//! It knows SQL is run, not which SQL: the services own their statements. It knows how
//! to reach PostgreSQL (TLS included, libpq's `sslmode`) from the [`settings`] it is
//! handed, not where they came from; and nothing of HTTP or users.
//!
//! Two wings. `link`: one connection's life, from login to replacement, behind the
//! [`Database`] handle. `reads`: where a read goes when `READ_DATABASE_URL` names a
//! standby (a second link), and how it never shows a writer stale data. The batcher
//! (`batch`) runs the services' statements on either.
//!
//! Inside, top to bottom: `reads` → `link`, `batch` → [`settings`], [`error`].

mod batch;
pub mod error;
mod link;
mod reads;
pub mod settings;

pub use batch::{Batcher, Gathering};
pub use error::DbError;
pub use link::Database;
pub use reads::{Fence, Reads};
pub use settings::{
    ConnectSettings, DEFAULT_CONNECT_TIMEOUT, HostChoice, RootCerts, Setup, SslMode,
    TargetSessionAttrs, TlsSettings, describe_database,
};
