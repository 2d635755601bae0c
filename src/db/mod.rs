//! The database layer: one shared PostgreSQL connection that reconnects by itself.
//! It knows SQL is run, not which SQL: the services own their statements.

mod connection;
mod error;
mod supervisor;

pub use connection::{Database, Setup};
pub use error::DbError;
