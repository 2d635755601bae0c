//! A link: one PostgreSQL connection that reconnects by itself, for as long as the
//! service runs. [`Database`] is the handle requests use; behind it a supervisor makes
//! one *session* after another (a login, its live connection and prepared statements),
//! each on the first host of the list that qualifies, over TLS where `sslmode` says,
//! and replaces it when it ends or stops answering. psycopg2 and libpq did each of
//! these steps for the seed, once per request.
//!
//! Inside, top to bottom: `database` → `supervisor` → `preference`, `standby_wait` →
//! `session_maker` → `host_selection`, `session` → `deadline`, `failure`, `statements` →
//! `tls` → `tls_rustls` → `login`, `connect_failure`, `role`, `progress`, `write_gate`.
//!
//! A link knows nothing of reads or standbys beyond what libpq knows: what it should
//! prefer is handed to it ([`Preference`]).

mod connect_failure;
mod database;
mod deadline;
mod failure;
mod host_selection;
mod login;
mod preference;
mod progress;
mod role;
mod session;
mod session_maker;
mod standby_wait;
mod statements;
mod supervisor;
mod tls;
#[cfg(feature = "tls")]
mod tls_rustls;
mod write_gate;

pub use database::Database;
pub(in crate::db) use deadline::Call;
pub(in crate::db) use failure::Retired;
pub(in crate::db) use preference::Preference;
pub(in crate::db) use role::Role;
pub(in crate::db) use session::Session;
