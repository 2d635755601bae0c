//! The database layer: one shared PostgreSQL connection that reconnects by itself.
//! It knows SQL is run, not which SQL: the services own their statements.

pub mod connection;

pub use connection::{Database, DbError};
