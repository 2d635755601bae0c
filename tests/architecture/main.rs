//! The layers of `src/`, enforced: what Python's import-linter does with "layers" and
//! "independence" contracts, on what rustc sees. Every file is parsed with syn and every
//! path is resolved as rustc resolves it (`use` trees, paths in code, types, patterns,
//! attributes, macro calls and the paths among their tokens, `$crate::` in a
//! `macro_rules!`, re-exports followed to the file that defines the item); strings and
//! comments are never paths. The rules ([`rules`], [`cycles`]):
//!
//! 1. a top-level module imports only from the layers below its own, as the table in
//!    src/lib.rs's `//!` map orders them, and lib.rs imports nothing;
//! 2. a folder with two children or more orders them in its `//!` docs with one sentence
//!    ``Inside, top to bottom: `a` → `b`, `c`.``, and a child imports only from the
//!    groups after its own;
//! 3. no module imports its ancestor's file (a `tests` module may import its parent's);
//! 4. no two files import each other, directly or around a loop.
//!
//! A `mod` declaration is not an import: a module owns its children.

mod cases_orders;
mod cases_paths;
mod collect;
mod cycles;
mod declared;
mod order;
mod resolve;
mod rules;
mod tokens;
mod tree;
mod walk;

use std::path::Path;

use tree::{Source, Tree};

/// Every rule broken by the crates in `sources`, each with its file and line.
pub fn check(sources: &[Source]) -> Vec<String> {
    let tree = Tree::build(sources);
    let imports = resolve::imports(&tree);
    let (orders, mut problems) = declared::orders(&tree);
    problems.splice(0..0, tree.problems.iter().cloned());
    let mut violations = rules::violations(&tree, &orders, &imports);
    violations.sort();
    problems.extend(violations.into_iter().map(|(_, _, message)| message));
    problems.extend(cycles::loops(&tree, &imports));
    problems
}

/// Each import as `from → to (line)`, for the cases that test resolution itself.
pub fn imports(sources: &[Source]) -> Vec<String> {
    let tree = Tree::build(sources);
    resolve::imports(&tree)
        .iter()
        .map(|i| {
            format!(
                "{} → {} ({}:{})",
                tree.name(i.from),
                tree.name(i.to),
                i.file,
                i.line
            )
        })
        .collect::<std::collections::BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// The `.rs` files under `src/`.
fn read_tree(root: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(root).expect("under src/");
                files.push(Source {
                    file: format!("src/{}", relative.to_string_lossy().replace('\\', "/")),
                    text: std::fs::read_to_string(&path).expect("a readable file"),
                });
            }
        }
    }
    files.sort_by(|a, b| a.file.cmp(&b.file));
    files
}

fn src() -> Vec<Source> {
    read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn src_imports_only_from_the_layers_below_and_has_no_loops() {
    let files = src();
    assert!(files.len() > 40, "read {} files", files.len());
    let problems = check(&files);
    assert!(
        problems.is_empty(),
        "\n{} architecture problem(s) in src/ (the rules are in tests/architecture/main.rs):\n\n{}\n",
        problems.len(),
        problems.join("\n\n")
    );
}

#[test]
fn the_map_in_lib_rs_names_every_module() {
    let files = src();
    let lib = files
        .iter()
        .find(|f| f.file == "src/lib.rs")
        .expect("src/lib.rs");
    let map: Vec<&str> = lib.text.lines().filter(|l| l.starts_with("//!")).collect();
    let rows: Vec<&&str> = map.iter().filter(|l| l.contains('|')).collect();
    let tree = Tree::build(&files);
    let mut missing = Vec::new();
    for module in &tree.modules {
        let named = match module.path.as_slice() {
            [] => true,
            [top] => rows
                .iter()
                .any(|r| r.contains(&format!("`{top}`")) || r.contains(&format!("`{top}.rs`"))),
            // A second-level module is named in its layer's row: `db::{…, reads, …}`.
            [top, sub] if sub != "tests" && !module.inline => rows.iter().any(|row| {
                row.contains(&format!("`{top}::"))
                    && row
                        .split(|c: char| !c.is_alphanumeric() && c != '_')
                        .any(|w| w == sub)
            }),
            _ => true, // deeper modules and test modules belong to the module above them
        };
        if !named {
            missing.push(module.file.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "src/lib.rs's map does not name: {missing:?}"
    );
}
