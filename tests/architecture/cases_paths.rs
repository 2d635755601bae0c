//! Synthetic trees for how paths are read: each is a small `src/` that rustc would
//! compile, with the import that the line-based reader this test replaced missed or
//! misread (cases a to e), and the exact message the check gives for it.

use crate::tree::Source;
use crate::{check, imports};

pub fn sources(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(file, text)| Source {
            file: format!("src/{file}"),
            text: text.to_string(),
        })
        .collect()
}

/// A lib.rs whose map has one row per entry of `layers` (its first column), top to
/// bottom, and that declares the modules they name.
pub fn lib(layers: &[&str]) -> String {
    let mut text = String::from("//! | layer | what |\n//! |---|---|\n");
    let mut modules = Vec::new();
    for row in layers {
        text.push_str(&format!("//! | {row} | |\n"));
        let names = row
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|n| *n != "main.rs");
        modules.extend(names.map(|n| format!("pub mod {n};\n")));
    }
    text.push('\n');
    modules.sort();
    text + &modules.concat()
}

const ABOVE: &str = "in lib.rs's map: a module imports only from the layers below its own, so \
                     move what both need below `db`, or have `app` pass it in";

#[test]
fn a_a_parent_and_child_that_import_each_other_are_an_upward_import_and_a_loop() {
    let files = sources(&[
        ("lib.rs", &lib(&["`config`"])),
        (
            "config.rs",
            "mod database_url;\n\npub struct ConfigError;\n\nfn first_set() {}\n\n\
             pub fn from_env() -> ConfigError {\n    database_url::database()\n}\n",
        ),
        (
            "config/database_url.rs",
            "use super::{ConfigError, first_set};\n\n\
             pub fn database() -> ConfigError {\n    first_set();\n    ConfigError\n}\n",
        ),
    ]);
    assert_eq!(
        check(&files),
        [
            "src/config/database_url.rs:1: `config::database_url` imports `super::ConfigError`, \
             `super::first_set` from `config`, which encloses it: a module never imports its \
             ancestor's own file (src/config.rs; the parent imports its children), so move what \
             it needs into a child of `config` that both can import",
            "import loop: src/config.rs:8 (`database_url::database`) → src/config/database_url.rs:1 \
             (`super::ConfigError`, `super::first_set`) → src/config.rs: files must not import \
             each other, even around a loop; move what they share into a module that all of them \
             can import",
        ]
    );
}

#[test]
fn b_a_pub_use_in_lib_rs_is_an_import() {
    let lib_rs = "//! | layer | what |\n//! |---|---|\n//! | `app` | |\n\npub mod app;\n\n\
                  pub use app::UsersApp;\n";
    let files = sources(&[("lib.rs", lib_rs), ("app.rs", "pub struct UsersApp;\n")]);
    assert_eq!(
        check(&files),
        [
            "src/lib.rs:7: `lib.rs` imports `app::UsersApp` from `app`, but lib.rs is only the \
          table of contents and imports nothing: remove the import and let each caller write \
          the module's path"
        ]
    );
}

#[test]
fn c_dollar_crate_in_a_macro_rules_body_is_an_import_of_the_module_that_defines_it() {
    let files = sources(&[
        ("lib.rs", &lib(&["`app`", "`db`"])),
        ("app.rs", "pub struct X;\n"),
        (
            "db.rs",
            "#[macro_export]\nmacro_rules! app_x {\n    () => {\n        $crate::app::X\n    };\n}\n",
        ),
    ]);
    assert_eq!(
        check(&files),
        [format!(
            "src/db.rs:4: `db` imports `$crate::app::X` from `app`, but `app` is in a layer above `db` {ABOVE}"
        )]
    );
}

#[test]
fn d_super_after_an_inline_module_has_closed_is_the_file_modules_parent() {
    let files = sources(&[
        ("lib.rs", &lib(&["`app`", "`db`"])),
        ("app.rs", "pub fn g() {}\n"),
        ("db/mod.rs", "mod batch;\n\npub struct Settings;\n"),
        (
            "db/batch.rs",
            "#[cfg(test)]\nmod tests {\n    use super::*;\n}\n\n\
             use super::super::app::g;\nuse super::Settings;\n",
        ),
    ]);
    // Inside the braces `super` is the file's module; after them, its parent again.
    assert!(
        imports(&files).contains(&"db::batch::tests → db::batch (src/db/batch.rs:3)".to_string())
    );
    assert_eq!(
        check(&files),
        [
            format!(
                "src/db/batch.rs:6: `db::batch` imports `super::super::app::g` from `app`, but \
                 `app` is in a layer above `db` {ABOVE}"
            ),
            "src/db/batch.rs:7: `db::batch` imports `super::Settings` from `db`, which encloses \
             it: a module never imports its ancestor's own file (src/db/mod.rs; the parent \
             imports its children), so move what it needs into a child of `db` that both can \
             import"
                .to_string(),
        ]
    );
}

#[test]
fn e_a_double_slash_in_a_string_hides_no_path_and_comments_and_strings_are_none() {
    let files = sources(&[
        ("lib.rs", &lib(&["`app`", "`db`"])),
        ("app.rs", "pub fn f() {}\n"),
        (
            "db.rs",
            "pub fn g() {\n    let u = \"http://x\"; crate::app::f();\n    \
             // crate::app::f() in a comment\n    let _ = format!(\"{u} crate::app::f\");\n}\n",
        ),
    ]);
    assert_eq!(
        check(&files),
        [format!(
            "src/db.rs:2: `db` imports `crate::app::f` from `app`, but `app` is in a layer above `db` {ABOVE}"
        )]
    );
}

#[test]
fn a_name_brought_in_by_use_and_a_re_export_resolve_to_the_file_that_defines_the_item() {
    let files = sources(&[
        ("lib.rs", &lib(&["`app`", "`db`", "`metrics`"])),
        ("metrics/mod.rs", "pub mod database;\n"),
        ("metrics/database.rs", "pub fn x() {}\n"),
        ("db/mod.rs", "mod error;\n\npub use error::DbError;\n"),
        ("db/error.rs", "pub struct DbError;\n"),
        (
            "app.rs",
            "use crate::metrics;\n\npub fn f() -> crate::db::DbError {\n    \
             metrics::database::x();\n    crate::db::DbError\n}\n",
        ),
    ]);
    assert_eq!(
        imports(&files),
        [
            "app → db::error (src/app.rs:3)",
            "app → db::error (src/app.rs:5)",
            "app → metrics::database (src/app.rs:4)",
            "db → db::error (src/db/mod.rs:3)",
        ]
    );
    assert_eq!(check(&files), Vec::<String>::new());
}

/// A `#[macro_export]` logging macro, as src/logging.rs has one.
pub const LOGGING: &str = "#[macro_export]\nmacro_rules! __log_line {\n    ($($arg:tt)*) => {\n        \
                       $crate::logging::write(format_args!($($arg)*))\n    };\n}\n\
                       pub use crate::__log_line as log;\n\npub fn write(_: std::fmt::Arguments) {}\n";

#[test]
fn an_exported_macro_from_a_lower_layer_may_be_called_by_any_path() {
    let files = sources(&[
        ("lib.rs", &lib(&["`main.rs`", "`app`", "`logging`"])),
        ("logging.rs", LOGGING),
        (
            "app.rs",
            "use crate::logging::log;\n\npub fn f() {\n    log!(\"app\");\n    crate::__log_line!(\"app\");\n}\n",
        ),
        (
            "main.rs",
            "fn main() {\n    userapi::__log_line!(\"main\");\n    userapi::app::f();\n}\n",
        ),
    ]);
    assert_eq!(
        imports(&files),
        [
            "app → logging (src/app.rs:1)",
            "app → logging (src/app.rs:5)",
            "main.rs → app (src/main.rs:3)",
            "main.rs → logging (src/main.rs:2)",
        ]
    );
    assert_eq!(check(&files), Vec::<String>::new());
}

#[test]
fn an_exported_macro_from_an_upper_layer_called_from_below_is_an_upward_import() {
    let files = sources(&[
        ("lib.rs", &lib(&["`app`", "`db`"])),
        (
            "app.rs",
            "#[macro_export]\nmacro_rules! route {\n    () => {\n        0\n    };\n}\n",
        ),
        ("db.rs", "pub fn f() -> i32 {\n    crate::route!()\n}\n"),
    ]);
    assert_eq!(
        check(&files),
        [format!(
            "src/db.rs:2: `db` imports `crate::route` from `app`, but `app` is in a layer above `db` {ABOVE}"
        )]
    );
}
