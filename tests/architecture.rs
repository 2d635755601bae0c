//! The layers of `src/`, enforced: what Python's import-linter does with a "layers"
//! contract and an "independence" one. Each top-level module may import only from the
//! layers below its own (never from a sibling of its layer, never from above), and no
//! two files import each other, directly or around a loop.
//!
//! It reads the source rather than the compiler's view: every `use crate::…` (and
//! `super::…`, and `userapi::…` in `main.rs`) and every `crate::a::b` written in code,
//! comments left out. A path is resolved to the longest module prefix that is a file
//! (`crate::db::Database` → `src/db/mod.rs`). A `mod` declaration is not an import: a
//! module owns its children; a `pub use` re-export is one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Top to bottom. A module imports only from the layers after its own.
const LAYERS: &[&[&str]] = &[
    &["main"],
    &["cli", "ops", "app"],
    &["config", "server", "routes", "api_docs"],
    &["http"],
    &["services"],
    &["db"],
    &["metrics"],
    &["logging"],
    &["schemas", "percent_decoding"],
];

/// One source file: its module path (`["app", "router"]`; `["main"]` for the binary)
/// and its text.
struct SourceFile {
    file: String,
    module: Vec<String>,
    text: String,
}

/// One import: which file and line, and the module it reaches.
#[derive(Debug, Clone)]
struct Import {
    file: String,
    line: usize,
    from: Vec<String>,
    to: Vec<String>,
}

fn read_tree(root: &Path) -> Vec<SourceFile> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let relative = path.strip_prefix(root).expect("under src/");
                let relative = relative.to_string_lossy().replace('\\', "/");
                let text = std::fs::read_to_string(&path).expect("a readable file");
                files.push(SourceFile {
                    module: module_of(&relative),
                    file: format!("src/{relative}"),
                    text,
                });
            }
        }
    }
    files.sort_by(|a, b| a.file.cmp(&b.file));
    files
}

/// `app/router.rs` → `app::router`; `db/mod.rs` → `db`; `lib.rs` → the root.
fn module_of(relative: &str) -> Vec<String> {
    let without = relative.trim_end_matches(".rs");
    let mut parts: Vec<String> = without.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// Every import in `file`, resolved to a module of `modules`.
fn imports_of(file: &SourceFile, modules: &BTreeSet<Vec<String>>) -> Vec<Import> {
    let crate_word = if file.module == ["main"] {
        "userapi"
    } else {
        "crate"
    };
    let mut found = Vec::new();
    // An inline `mod tests { … }` is one level deeper: its `super` is this file.
    let mut depth_extra = 0;
    let mut statement = String::new();
    let mut statement_line = 0;
    for (index, raw) in file.text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.starts_with("mod ") && line.ends_with('{') {
            depth_extra = 1;
        }
        if line.starts_with("use ")
            || line.starts_with("pub use ")
            || line.starts_with("pub(crate) use ")
            || !statement.is_empty()
        {
            if statement.is_empty() {
                statement_line = index + 1;
            }
            statement.push_str(line);
            if !line.ends_with(';') {
                continue;
            }
            let tree = statement.split_once("use ").map_or("", |(_, tree)| tree);
            for path in expand(tree.trim_end_matches(';')) {
                if let Some(to) = resolve(&path, file, depth_extra, crate_word, modules) {
                    found.push(Import {
                        file: file.file.clone(),
                        line: statement_line,
                        from: file.module.clone(),
                        to,
                    });
                }
            }
            statement.clear();
            continue;
        }
        // Paths written in code: `crate::logging::log!(…)`, `super::tls_rustls::connector`.
        let prefixes = [format!("{crate_word}::"), "super::".to_string()];
        let starts = prefixes
            .iter()
            .flat_map(|prefix| line.match_indices(prefix.as_str()));
        for (at, _) in starts {
            let before = line[..at].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let path: String = line[at..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            if let Some(to) = resolve(&path, file, depth_extra, crate_word, modules) {
                found.push(Import {
                    file: file.file.clone(),
                    line: index + 1,
                    from: file.module.clone(),
                    to,
                });
            }
        }
    }
    found
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(&tree).to_string()];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.is_empty())
        .flat_map(|item| expand(&format!("{prefix}{item}")))
        .collect()
}

/// The module a path reaches: the longest prefix that is a file of the crate. Paths
/// to other crates (`std::…`, `hyper::…`) reach none.
fn resolve(
    path: &str,
    file: &SourceFile,
    depth_extra: usize,
    crate_word: &str,
    modules: &BTreeSet<Vec<String>>,
) -> Option<Vec<String>> {
    let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
    let mut base: Vec<String> = match segments.first().copied() {
        Some(word) if word == crate_word => {
            segments.remove(0);
            Vec::new()
        }
        Some("super") => {
            let mut base = file.module.clone();
            // `super` inside an inline module is the file itself.
            let mut ups = segments.iter().take_while(|s| **s == "super").count();
            segments.drain(..ups);
            let absorbed = ups.min(depth_extra);
            ups -= absorbed;
            for _ in 0..ups {
                base.pop();
            }
            base
        }
        Some("self") => {
            segments.remove(0);
            file.module.clone()
        }
        _ => return None,
    };
    let mut best = None;
    if modules.contains(&base) {
        best = Some(base.clone());
    }
    for segment in segments {
        if segment == "self" {
            continue;
        }
        base.push(segment.to_string());
        if modules.contains(&base) {
            best = Some(base.clone());
        }
    }
    best.filter(|to| *to != file.module)
}

fn layer_of(top: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&top))
}

/// Imports that go up or sideways between top-level modules, and from the crate root.
fn layer_violations(imports: &[Import]) -> Vec<String> {
    let mut found = Vec::new();
    for import in imports {
        let Some(from_top) = import.from.first() else {
            found.push(format!(
                "{}:{}: lib.rs is only the table of contents; it imports {}",
                import.file,
                import.line,
                import.to.join("::")
            ));
            continue;
        };
        let Some(to_top) = import.to.first() else {
            continue;
        };
        if from_top == to_top {
            continue;
        }
        match (layer_of(from_top), layer_of(to_top)) {
            (Some(from), Some(to)) if from < to => {}
            (Some(from), Some(to)) => found.push(format!(
                "{}:{}: `{}` imports `{}`, which is not in a layer below its own \
                 (layer {from} imports layer {to}; the layers are {:?})",
                import.file,
                import.line,
                from_top,
                import.to.join("::"),
                LAYERS
            )),
            _ => found.push(format!(
                "{}:{}: `{from_top}` or `{to_top}` is in no layer: add it to LAYERS in tests/architecture.rs",
                import.file, import.line
            )),
        }
    }
    found
}

/// Import loops between files: each is listed once, with the lines that close it.
fn cycles(imports: &[Import]) -> Vec<String> {
    let mut edges: BTreeMap<&Vec<String>, BTreeMap<&Vec<String>, &Import>> = BTreeMap::new();
    for import in imports {
        edges
            .entry(&import.from)
            .or_default()
            .entry(&import.to)
            .or_insert(import);
    }
    let mut found = BTreeSet::new();
    for start in edges.keys() {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack: Vec<(&Vec<String>, Vec<&Import>)> = vec![(start, Vec::new())];
        let mut seen = BTreeSet::new();
        while let Some((node, trail)) = stack.pop() {
            for (next, import) in edges.get(node).into_iter().flatten() {
                let mut trail = trail.clone();
                trail.push(import);
                if next == start {
                    let mut lines: Vec<String> = trail
                        .iter()
                        .map(|i| format!("{}:{} → {}", i.file, i.line, i.to.join("::")))
                        .collect();
                    let first = lines
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, l)| l.to_string())
                        .map_or(0, |(i, _)| i);
                    lines.rotate_left(first);
                    found.insert(lines.join(", "));
                } else if seen.insert(*next) {
                    stack.push((next, trail));
                }
            }
        }
    }
    found
        .into_iter()
        .map(|cycle| format!("import loop: {cycle}"))
        .collect()
}

fn check(files: &[SourceFile]) -> Vec<String> {
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| f.module.clone()).collect();
    let imports: Vec<Import> = files.iter().flat_map(|f| imports_of(f, &modules)).collect();
    let mut problems = layer_violations(&imports);
    problems.extend(cycles(&imports));
    problems
}

#[test]
fn src_imports_only_from_the_layers_below_and_has_no_loops() {
    let files = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(files.len() > 40, "read {} files", files.len());
    let problems = check(&files);
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

fn synthetic(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(relative, text)| SourceFile {
            file: format!("src/{relative}"),
            module: module_of(relative),
            text: text.to_string(),
        })
        .collect()
}

#[test]
fn an_import_from_above_is_named_with_its_file_and_line() {
    let files = synthetic(&[
        ("lib.rs", "pub mod db;\npub mod app;"),
        ("app.rs", "use crate::db::Database;"),
        ("db/mod.rs", "mod batch;\n"),
        (
            "db/batch.rs",
            "// crate::app in a comment is no import\nuse crate::app::UsersApp;",
        ),
    ]);
    let problems = check(&files);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert!(
        problems[0].starts_with("src/db/batch.rs:2: `db` imports `app`"),
        "{}",
        problems[0]
    );
}

#[test]
fn a_loop_inside_one_layer_is_found_and_a_test_module_is_not_one() {
    let files = synthetic(&[
        ("db/mod.rs", "mod connection;\nmod supervisor;"),
        (
            "db/connection.rs",
            "use super::supervisor::supervise;\n#[cfg(test)]\nmod tests {\n    use super::*;\n}",
        ),
        (
            "db/supervisor.rs",
            "use super::{connection::{Session, Setup}, error};",
        ),
    ]);
    let problems = check(&files);
    assert_eq!(
        problems,
        [
            "import loop: src/db/connection.rs:1 → db::supervisor, src/db/supervisor.rs:1 → db::connection"
        ]
    );
}

#[test]
fn the_map_in_lib_rs_names_every_module() {
    let files = read_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let lib = files
        .iter()
        .find(|f| f.file == "src/lib.rs")
        .expect("src/lib.rs");
    let map: String = lib.text.lines().filter(|l| l.starts_with("//!")).collect();
    let mut missing = Vec::new();
    for file in &files {
        let module = &file.module;
        let named = match module.as_slice() {
            [] => true,
            [top] => map.contains(&format!("[`{top}`]")) || map.contains(&format!("`{top}.rs`")),
            [top, sub] if sub != "tests" => map
                .lines()
                .chain(map.split("//!"))
                .any(|row| row.contains(&format!("`{top}::")) && row.contains(sub.as_str())),
            _ => true, // deeper files and test modules belong to the module above them
        };
        if !named {
            missing.push(file.file.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "src/lib.rs's map does not name: {missing:?}"
    );
}
