//! The seed's route functions, one per endpoint: read the request, validate it with a
//! schema, call a service, turn the result into a response.

pub mod health;
pub mod users;
