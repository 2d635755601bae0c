//! A lint, run as a test: no SQL is built from strings anywhere in `src/`.
//!
//! Every statement must be a constant (`const NAME: &str = "SELECT ... $1"`), with
//! values passed as parameters, so no input can ever become SQL text. The check reads
//! the source: any string literal that looks like SQL outside a `const` item fails it
//! (that catches `format!("... WHERE id = {id}")`), and so does `leak`, the one way to
//! turn a built `String` into the `&'static str` the database layer takes.

use std::path::Path;

/// Upper-case SQL words; prose in messages is lower-case.
const SQL_WORDS: &[&str] = &[
    "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "CREATE ", "DROP ", "ALTER ", " FROM ", " WHERE ",
    " VALUES", " SET ",
];

/// The offending lines of one file, as `line number: text`.
fn string_built_sql(source: &str) -> Vec<String> {
    let mut in_const = false;
    let mut found = Vec::new();
    for (number, line) in source.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let starts_const = [
            "const ",
            "pub const ",
            "pub(crate) const ",
            "pub(super) const ",
        ]
        .iter()
        .any(|prefix| code.starts_with(prefix));
        in_const |= starts_const;
        let literal = code.split_once('"').map(|(_, rest)| rest).unwrap_or("");
        let looks_like_sql = SQL_WORDS.iter().any(|word| literal.contains(word));
        if (looks_like_sql && !in_const) || code.contains("leak(") {
            found.push(format!("{}: {}", number + 1, code));
        }
        if code.ends_with(';') {
            in_const = false;
        }
    }
    found
}

fn rust_files(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src/").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn no_sql_is_built_from_strings_in_src() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    assert!(files.len() > 5, "found the sources");
    let mut found = Vec::new();
    for file in files {
        let source = std::fs::read_to_string(&file).expect("read a source file");
        for line in string_built_sql(&source) {
            found.push(format!("{}:{line}", file.display()));
        }
    }
    assert!(
        found.is_empty(),
        "SQL built from strings:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_lint_catches_what_it_is_for() {
    let good = "const FIND: &str = \"SELECT id FROM users WHERE id = $1\";\n\
                const LONG: &str =\n    \"INSERT INTO users (name) VALUES ($1)\";";
    assert!(string_built_sql(good).is_empty());
    for bad in [
        "let sql = format!(\"SELECT * FROM users WHERE id = {id}\");",
        "query.push_str(\" WHERE email = '\");",
        "let sql: &'static str = format!(\"{base}{id}\").leak();",
        "db.read(&(\"DELETE FROM users\".to_string() + &id), &[]);",
    ] {
        assert_eq!(string_built_sql(bad).len(), 1, "{bad}");
    }
}
