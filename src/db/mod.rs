//! The database layer: one shared PostgreSQL connection that reconnects by itself, and
//! the batching that lets many concurrent requests share each statement on it.
//! It knows SQL is run, not which SQL: the services own their statements. It knows how
//! to reach PostgreSQL (TLS included, libpq's `sslmode`) from the [`settings`] it is
//! handed, not where they came from; and nothing of HTTP or users.
//!
//! With `READ_DATABASE_URL`, a second such connection, to a standby, serves reads
//! ([`reads`]: which reads may go there, and how they never show a writer stale data).
//!
//! Inside, each file imports only from those below it: [`reads`] (where a read goes,
//! [`read_outcome`] what it reports, [`wal_position`] its fence) → [`connection`] (the
//! handle requests use) → `supervisor` (the task that keeps a session alive) → `session` (one
//! live connection, retired when it stops answering) and `host_selection` (which host
//! of a list, libpq's `target_session_attrs`) → `tls` (one connection attempt,
//! `tls_rustls` beneath it) → [`settings`], `connect_failure`, [`error`].

mod batch;
mod connect_failure;
pub mod connection;
pub mod error;
mod host_selection;
pub mod read_outcome;
pub mod reads;
mod session;
pub mod settings;
mod supervisor;
mod tls;
#[cfg(feature = "tls")]
mod tls_rustls;
pub mod wal_position;

pub use batch::{Batcher, Gathering};
pub use connection::Database;
pub use error::DbError;
pub use read_outcome::{Fallback, Read, Served};
pub use reads::Reads;
pub use settings::{
    ConnectSettings, DEFAULT_CONNECT_TIMEOUT, HostChoice, RootCerts, Setup, SslMode,
    TargetSessionAttrs, TlsSettings, describe_database,
};
pub use wal_position::Fence;
