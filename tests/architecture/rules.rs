//! The rules an import must keep, each broken one named with its file and line and
//! what to do about it:
//!
//! 1. a top-level module imports only from the layers below its own (lib.rs's map),
//!    and lib.rs imports nothing;
//! 2. inside a folder, a child imports only from the groups below its own (the folder's
//!    `Inside, top to bottom:` sentence, checked in [`crate::declared`]);
//! 3. no module imports the file of one of its ancestors (only a `tests` module its
//!    parent's), so that a parent and its child never import each other.
//!
//! The fourth, no loop between files, is [`crate::cycles`].

use std::collections::BTreeMap;

use crate::order::{INSIDE, Order};
use crate::resolve::Import;
use crate::tree::{ModId, Tree};

/// The imports that break rules 1 to 3, as `(file, line, message)`.
pub fn violations(
    tree: &Tree,
    orders: &BTreeMap<ModId, Order>,
    imports: &[Import],
) -> Vec<(String, usize, String)> {
    let mut found = Vec::new();
    for import in imports {
        if let Some(why) = violation(tree, orders, import) {
            let (from, to) = (tree.name(import.from), tree.name(import.to));
            let paths = import
                .paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let loc = format!("{}:{}", import.file, import.line);
            found.push((
                import.file.clone(),
                import.line,
                format!("{loc}: `{from}` imports {paths} from `{to}`, {why}"),
            ));
        }
    }
    found
}

fn violation(tree: &Tree, orders: &BTreeMap<ModId, Order>, import: &Import) -> Option<String> {
    let (from, to) = (import.from, import.to);
    if Some(from) == tree.lib {
        return Some(
            "but lib.rs is only the table of contents and imports nothing: remove the import \
             and let each caller write the module's path"
                .into(),
        );
    }
    // Tests share their helpers (`crate::config::tests::settings`): test code only.
    if in_tests(tree, from) && in_tests(tree, to) {
        return None;
    }
    if tree.crate_root(from) != tree.crate_root(to) {
        // main.rs's `userapi::…`: a layer like any other, at the top.
        let (a, b) = (tree.top(from)?, tree.top(to)?);
        return layers(tree, orders, &a, &b);
    }
    if tree.encloses(to, from) {
        let parent = tree.modules[from].parent;
        if tree.modules[from].path.last().is_some_and(|n| n == "tests") && parent == Some(to) {
            return None;
        }
        let name = tree.name(to);
        return Some(format!(
            "which encloses it: a module never imports its ancestor's own file ({}; the parent \
             imports its children), so move what it needs into a child of `{name}` that both \
             can import",
            tree.modules[to].file
        ));
    }
    if tree.encloses(from, to) {
        return None; // A parent imports its children.
    }
    // The two children of the closest common ancestor that hold `from` and `to`.
    let (mut a, mut b) = (from, to);
    while tree.modules[a].parent != tree.modules[b].parent {
        let (depth_a, depth_b) = (tree.modules[a].path.len(), tree.modules[b].path.len());
        if depth_a >= depth_b {
            a = tree.modules[a].parent?;
        }
        if depth_b >= depth_a {
            b = tree.modules[b].parent?;
        }
    }
    let parent = tree.modules[a].parent?;
    let (a, b) = (
        tree.modules[a].path.last()?.clone(),
        tree.modules[b].path.last()?.clone(),
    );
    if Some(parent) == tree.lib {
        return layers(tree, orders, &a, &b);
    }
    let order = orders.get(&parent)?;
    let (name, file, line) = (tree.name(parent), &tree.modules[parent].file, order.line);
    let at = format!("{file}:{line}");
    match (order.group_of(&a), order.group_of(&b)) {
        _ if a == "tests" => None,
        _ if b == "tests" => Some(format!(
            "`{name}`'s test module: code never imports its tests"
        )),
        (Some(ga), Some(gb)) if ga < gb => None,
        (Some(ga), Some(gb)) if ga == gb => Some(format!(
            "but `{name}` puts `{a}` and `{b}` in one group ({at}), and the children of a group are \
             independent of each other: move what both need to a later group, or split the group"
        )),
        (Some(_), Some(_)) => Some(format!(
            "but `{name}` orders `{b}` above `{a}` ({at}, `{INSIDE}`): a child imports only from \
             the groups after its own, so move what both need below `{a}`, or reorder the sentence \
             if the code is right"
        )),
        _ => None, // A child the sentence does not name: reported with the sentence.
    }
}

/// `id` is a `tests` module or inside one.
fn in_tests(tree: &Tree, id: ModId) -> bool {
    tree.modules[id].path.iter().any(|name| name == "tests")
}

/// Rule 1 between two top-level modules (or `main.rs`).
fn layers(tree: &Tree, orders: &BTreeMap<ModId, Order>, a: &str, b: &str) -> Option<String> {
    let layers = orders.get(&tree.lib?)?;
    let (la, lb) = (layers.group_of(a)?, layers.group_of(b)?);
    if la < lb {
        None
    } else if la == lb {
        Some(format!(
            "but `{a}` and `{b}` share a layer of lib.rs's map, and the modules of a layer are \
             independent of each other: move what both need to a layer below them"
        ))
    } else {
        Some(format!(
            "but `{b}` is in a layer above `{a}` in lib.rs's map: a module imports only from the \
             layers below its own, so move what both need below `{a}`, or have `{b}` pass it in"
        ))
    }
}
