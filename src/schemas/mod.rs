//! What pydantic did for the seed: request and response models and their validation.
//! Nothing here knows about HTTP; routes turn these errors into 422 responses.
//!
//! Inside, top to bottom: [`list_params`], [`user`] → [`validation`].

pub mod list_params;
pub mod user;
pub mod validation;
