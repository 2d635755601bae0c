//! What Starlette's `Request` and `Response` did for the seed, and FastAPI's exception
//! handlers: reading a body within limits ([`request_body`]), the query string
//! ([`query_params`]), JSON decoded as CPython's `json` module
//! decodes it ([`json_decoder`]), responses and streamed bodies ([`response`],
//! [`response_body`]), and every failure turned into `{"detail": ...}` in one place
//! ([`error`]). Nothing here knows which routes exist.
//!
//! Inside, top to bottom: [`request_body`], [`query_params`] → [`error`],
//! [`json_decoder`] → [`response`] → [`response_body`].

pub mod error;
pub mod json_decoder;
pub mod query_params;
pub mod request_body;
pub mod response;
pub mod response_body;
