//! The users endpoints over HTTP against a real PostgreSQL: the seed's behaviour, the
//! reference's exact error shapes, and the 4xx we give where the reference gives 500.

#[path = "../support/mod.rs"]
mod support;

mod beyond_reference;
mod reads;
mod validation;
