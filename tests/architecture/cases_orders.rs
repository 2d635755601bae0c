//! Synthetic trees for the declared orders: a folder's `Inside, top to bottom:` sentence
//! (case f, and a sentence that misses, adds or describes), the layers of lib.rs's map,
//! loops between files, and a clean tree that keeps every rule.

use crate::cases_paths::{lib, sources};
use crate::check;

const INSIDE: &str = "`db`'s `Inside, top to bottom:` sentence";

#[test]
fn f_an_import_from_a_group_above_is_named_with_the_folders_order() {
    let files = sources(&[
        ("lib.rs", &lib(&["`db`"])),
        (
            "db/mod.rs",
            "//! Inside, top to bottom: `reads` → `link`.\n\nmod link;\nmod reads;\n",
        ),
        ("db/reads.rs", "pub fn r() {}\n"),
        ("db/link.rs", "mod x;\n"),
        ("db/link/x.rs", "use crate::db::reads::r;\n"),
    ]);
    assert_eq!(
        check(&files),
        [
            "src/db/link/x.rs:1: `db::link::x` imports `crate::db::reads::r` from `db::reads`, but \
          `db` orders `reads` above `link` (src/db/mod.rs:1, `Inside, top to bottom:`): a child \
          imports only from the groups after its own, so move what both need below `link`, or \
          reorder the sentence if the code is right"
        ]
    );
}

#[test]
fn a_clean_tree_keeps_every_rule() {
    let app = "//! The app.\n//!\n//! Inside, top to bottom: [`router`] → `cors`\n//! and `names`. The router \
               picks.\n\npub mod cors;\npub mod names;\npub mod router;\n\n\
               pub fn run(db: &crate::db::Database) {\n    router::route(db);\n}\n\n\
               #[cfg(test)]\nmod tests {\n    use super::*;\n\n    fn t() {\n        run(&crate::db::Database);\n    }\n}\n";
    let files = sources(&[
        (
            "lib.rs",
            &lib(&["`main.rs`", "[`app`]", "`db`", "`logging`"]),
        ),
        (
            "main.rs",
            "fn main() {\n    userapi::app::run(&userapi::db::Database);\n    userapi::logging::log!(\"up\");\n}\n",
        ),
        ("app.rs", app),
        (
            "app/cors.rs",
            "pub const ALLOW: &str = \"https://example.com\"; // crate::app::router\n",
        ),
        (
            "app/names.rs",
            "pub const NAMES: [&str; 1] = [\"crate::app::cors\"];\n",
        ),
        (
            "app/router.rs",
            "use super::{cors, names::NAMES};\nuse crate::logging::log;\n\n\
             pub fn route(_: &crate::db::Database) {\n    log!(\"{} {}\", cors::ALLOW, NAMES[0]);\n}\n",
        ),
        (
            "db/mod.rs",
            "//! Inside, top to bottom: `connection` → `error`.\n\nmod connection;\nmod error;\n\n\
             pub use connection::Database;\npub use error::DbError;\n",
        ),
        (
            "db/connection.rs",
            "pub struct Database;\n\npub fn fail() -> crate::db::DbError {\n    super::DbError\n}\n",
        ),
        ("db/error.rs", "pub struct DbError;\n"),
        ("logging.rs", super::cases_paths::LOGGING),
    ]);
    assert_eq!(check(&files), Vec::<String>::new());
}

/// db with two children and `docs` at the top of db/mod.rs.
fn db(docs: &str) -> Vec<String> {
    let db_rs = format!("{docs}\nmod connection;\nmod error;\n");
    check(&sources(&[
        ("lib.rs", &lib(&["`db`"])),
        ("db/mod.rs", &db_rs),
        ("db/connection.rs", "pub struct Database;\n"),
        ("db/error.rs", "pub struct DbError;\n"),
    ]))
}

#[test]
fn an_inside_sentence_that_misses_a_child_or_names_a_stranger_is_reported() {
    assert_eq!(
        db("//! Inside, top to bottom: `connection` → `eror`.\n"),
        [
            format!(
                "src/db/mod.rs:1: {INSIDE} names `eror`, which is no module there: remove it or correct the name"
            ),
            format!(
                "src/db/mod.rs:1: {INSIDE} does not name `error`: add it to the group it belongs in"
            ),
        ]
    );
}

#[test]
fn an_inside_sentence_with_a_description_in_it_is_reported_at_its_line() {
    let docs = "//! The database.\n//!\n//! Inside, top to bottom: `connection` →\n//! `error`, which all use.\n";
    assert_eq!(
        db(docs),
        [format!(
            "src/db/mod.rs:4: {INSIDE} has `which` in it: the sentence holds only backticked \
             child names, `→`, `,` and `and`, up to its `.`; say the rest in another sentence"
        )]
    );
}

#[test]
fn a_folder_of_two_children_must_order_them() {
    assert_eq!(
        db("//! The database.\n"),
        [
            "src/db/mod.rs:1: `db` has 2 child modules (`connection`, `error`) and no `Inside, top \
          to bottom:` sentence in its `//!` docs: add one that orders them, groups top to bottom \
          between `→`"
        ]
    );
}

#[test]
fn children_of_one_group_and_modules_of_one_layer_are_independent() {
    let files = sources(&[
        ("lib.rs", &lib(&["`cli`, `ops`"])),
        ("cli.rs", "pub fn parse() {}\n"),
        (
            "ops/mod.rs",
            "//! Inside, top to bottom: `admin`, `health`.\n\npub mod admin;\npub mod health;\n",
        ),
        (
            "ops/admin.rs",
            "pub fn serve() {\n    super::health::probe();\n    crate::cli::parse();\n}\n",
        ),
        ("ops/health.rs", "pub fn probe() {}\n"),
    ]);
    assert_eq!(
        check(&files),
        [
            "src/ops/admin.rs:2: `ops::admin` imports `super::health::probe` from `ops::health`, \
             but `ops` puts `admin` and `health` in one group (src/ops/mod.rs:1), and the \
             children of a group are independent of each other: move what both need to a later \
             group, or split the group",
            "src/ops/admin.rs:3: `ops::admin` imports `crate::cli::parse` from `cli`, but `ops` \
             and `cli` share a layer of lib.rs's map, and the modules of a layer are independent \
             of each other: move what both need to a layer below them",
        ]
    );
}

#[test]
fn a_module_missing_from_the_map_of_lib_rs_is_reported() {
    let mut lib_rs = lib(&["`app`", "`ghost`"]);
    lib_rs = lib_rs.replace("pub mod ghost;\n", "pub mod db;\n");
    let files = sources(&[("lib.rs", &lib_rs), ("app.rs", ""), ("db.rs", "")]);
    assert_eq!(
        check(&files),
        [
            "src/lib.rs:3: the first column of lib.rs's map names `ghost`, which is no module \
             there: remove it or correct the name",
            "src/lib.rs:3: the first column of lib.rs's map does not name `db`: add it to the row \
             of its layer",
        ]
    );
}

#[test]
fn a_loop_between_files_is_reported_once_with_the_lines_that_close_it() {
    let files = sources(&[
        ("lib.rs", &lib(&["`db`"])),
        (
            "db/mod.rs",
            "//! Inside, top to bottom: `supervisor` → `connection`.\n\nmod connection;\nmod supervisor;\n",
        ),
        (
            "db/connection.rs",
            "use super::supervisor::supervise;\n\npub struct Session;\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n}\n",
        ),
        (
            "db/supervisor.rs",
            "use super::connection::Session;\n\npub fn supervise() {}\n",
        ),
    ]);
    assert_eq!(
        check(&files),
        [
            "src/db/connection.rs:1: `db::connection` imports `super::supervisor::supervise` from \
             `db::supervisor`, but `db` orders `supervisor` above `connection` (src/db/mod.rs:1, \
             `Inside, top to bottom:`): a child imports only from the groups after its own, so \
             move what both need below `connection`, or reorder the sentence if the code is right",
            "import loop: src/db/connection.rs:1 (`super::supervisor::supervise`) → \
             src/db/supervisor.rs:1 (`super::connection::Session`) → src/db/connection.rs: files \
             must not import each other, even around a loop; move what they share into a module \
             that all of them can import",
        ]
    );
}

#[test]
fn tests_may_import_their_parent_and_share_helpers_but_code_never_imports_tests() {
    let config = "//! Inside, top to bottom: `database_url` → `tls_params`.\n\nmod database_url;\n\
                  mod tls_params;\n\n#[cfg(test)]\nmod tests {\n    pub fn settings() {}\n}\n";
    let files = sources(&[
        ("lib.rs", &lib(&["`config`"])),
        ("config.rs", config),
        (
            "config/database_url.rs",
            "pub fn parse() {\n    super::tls_params::take();\n}\n\n#[cfg(test)]\nmod tests {\n    \
             use super::*;\n    use crate::config::tests::settings;\n}\n",
        ),
        (
            "config/tls_params.rs",
            "pub fn take() {\n    crate::config::tests::settings();\n}\n",
        ),
    ]);
    assert_eq!(
        check(&files),
        [
            "src/config/tls_params.rs:2: `config::tls_params` imports `crate::config::tests::settings` \
          from `config::tests`, `config`'s test module: code never imports its tests"
        ]
    );
}
