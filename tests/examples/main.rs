//! The chapters of `examples/`, run as a reader runs them: each chapter's own binary,
//! started on a free port, checked for what its `//!` promises (chapters 1-3 in
//! `in_memory`, chapter 4 against a throwaway PostgreSQL in `users_api`), and what
//! their text says of themselves (`chapter_text`).
//!
//! Plain `cargo test` builds the examples before it runs any test; `cargo test --test
//! examples` alone does not, so a missing or stale binary fails with the command that
//! builds it (`chapter.rs`).

#[path = "../support/mod.rs"]
mod support;

mod chapter;
mod chapter_text;
mod in_memory;
mod users_api;
