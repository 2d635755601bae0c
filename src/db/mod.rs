//! The database layer: one shared PostgreSQL connection that reconnects by itself, and
//! the batching that lets many concurrent requests share each statement on it.
//! It knows SQL is run, not which SQL: the services own their statements; and how to
//! reach PostgreSQL (TLS included, libpq's `sslmode`), not where the settings came from.

mod batch;
mod connect_failure;
mod connection;
mod error;
mod supervisor;
mod tls;
#[cfg(feature = "tls")]
mod tls_rustls;

pub use batch::{Batcher, Gathering};
pub use connection::{ConnectSettings, Database, Setup};
pub use error::DbError;
pub use tls::{RootCerts, SslMode, TlsSettings};
