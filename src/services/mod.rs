//! The seed's service layer: the SQL behind each endpoint. Services take and return
//! schema types and know nothing about HTTP.
//!
//! Inside, top to bottom: [`user_service`] → [`user_listing`] → [`page_sharing`] →
//! [`user_batches`] → [`error`].

pub mod error;
pub mod page_sharing;
pub mod user_batches;
pub mod user_listing;
pub mod user_service;
