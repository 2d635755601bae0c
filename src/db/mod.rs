//! The database layer: one shared PostgreSQL connection that reconnects by itself, and
//! the batching that lets many concurrent requests share each statement on it.
//! It knows SQL is run, not which SQL: the services own their statements.

mod batch;
mod connection;
mod error;
mod supervisor;

pub use batch::Batcher;
pub use connection::{Database, Setup};
pub use error::DbError;
