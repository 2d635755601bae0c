//! What a platform asks of a service, beside its API: a health probe the container can
//! run without a shell ([`healthcheck`], `userapi --healthcheck`) and an admin port for
//! orchestrators and Prometheus ([`admin`]: `/live`, `/ready`, `/metrics`). A FastAPI
//! service gets the first from curl in its image and adds the second as extra routes.
//!
//! Inside, top to bottom: [`admin`], [`healthcheck`].

pub mod admin;
pub mod healthcheck;
