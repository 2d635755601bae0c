//! The seed's service layer: the SQL behind each endpoint. Services take schema types
//! and hand out schema types or JSON already serialised: `Bytes`, a shared byte buffer
//! (from the `bytes` crate, which hyper re-exports), so a list's pages are written once
//! and sent to every listing that asks, uncopied. They know nothing of requests, status
//! codes or headers: the routes turn their results and errors into HTTP.
//!
//! Inside, top to bottom: [`user_service`] → [`user_listing`] → [`page_sharing`] →
//! [`user_batches`] → [`error`].

pub mod error;
pub mod page_sharing;
pub mod user_batches;
pub mod user_listing;
pub mod user_service;
