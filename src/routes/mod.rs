//! The seed's route functions, one per endpoint: read the request, validate it with a
//! schema, call a service, turn the result into a response.
//!
//! Inside, top to bottom: [`health`], [`users`].

pub mod health;
pub mod users;
