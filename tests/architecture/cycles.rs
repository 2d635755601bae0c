//! Rule 4: no two files import each other, directly or around a loop (what Python's
//! import-linter calls an independence contract, and what Python itself would meet as a
//! circular import). A file's inline modules are the file. Each loop is reported once,
//! from its first file, with the line of each import that closes it: the shortest loop
//! through every file that is in one, so every such file is named.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::resolve::Import;
use crate::tree::Tree;

/// From file to file: the first import that makes the edge.
type Graph<'i> = BTreeMap<&'i str, BTreeMap<&'i str, &'i Import>>;

pub fn loops(tree: &Tree, imports: &[Import]) -> Vec<String> {
    let mut graph: Graph = BTreeMap::new();
    for import in imports {
        let to = tree.modules[import.to].file.as_str();
        if import.file != to {
            let edges = graph.entry(import.file.as_str()).or_default();
            let first = edges.entry(to).or_insert(import);
            if import.line < first.line {
                *first = import;
            }
        }
    }
    let mut found = BTreeSet::new();
    for start in graph.keys() {
        if let Some(mut files) = shortest_loop(&graph, start) {
            // The same loop from each of its files: start it at its first file.
            let first = (0..files.len()).min_by_key(|i| files[*i]).unwrap_or(0);
            files.rotate_left(first);
            found.insert(files);
        }
    }
    found
        .into_iter()
        .map(|files| {
            let hops: Vec<String> = files
                .iter()
                .zip(files.iter().cycle().skip(1))
                .map(|(from, to)| {
                    let import = graph[from][to];
                    let paths: Vec<String> =
                        import.paths.iter().map(|p| format!("`{p}`")).collect();
                    format!("{from}:{} ({})", import.line, paths.join(", "))
                })
                .collect();
            format!(
                "import loop: {} → {}: files must not import each other, even around a loop; \
                 move what they share into a module that all of them can import",
                hops.join(" → "),
                files[0]
            )
        })
        .collect()
}

/// The fewest files from `start` back to itself, breadth first.
fn shortest_loop<'i>(graph: &Graph<'i>, start: &'i str) -> Option<Vec<&'i str>> {
    let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(file) = queue.pop_front() {
        for next in graph.get(file).into_iter().flat_map(BTreeMap::keys) {
            if *next == start {
                let mut files = vec![file];
                while let Some(previous) = came_from.get(files[files.len() - 1]) {
                    files.push(previous);
                }
                files.reverse();
                return Some(files);
            }
            if !came_from.contains_key(next) && *next != start {
                came_from.insert(next, file);
                queue.push_back(next);
            }
        }
    }
    None
}
