//! The orders as declared, checked before any import is: lib.rs's map names every
//! top-level module (and `main.rs`) in one row, and each folder of two children or more
//! has one `Inside, top to bottom:` sentence naming each child once. An import is judged
//! against these orders ([`crate::rules`]); a child they do not place is reported here,
//! once, rather than at each of its imports.

use std::collections::BTreeMap;

use crate::order::{self, INSIDE, Order};
use crate::tree::{ModId, Tree};

/// The declared orders (the layers under the lib root's id), and what is wrong with them.
pub fn orders(tree: &Tree) -> (BTreeMap<ModId, Order>, Vec<String>) {
    let (mut orders, mut problems) = (BTreeMap::new(), Vec::new());
    for id in 0..tree.modules.len() {
        let declared = if Some(id) == tree.lib {
            layers_of_lib(tree, id, &mut problems)
        } else {
            order_of_folder(tree, id, &mut problems)
        };
        orders.extend(declared.map(|order| (id, order)));
    }
    (orders, problems)
}

/// lib.rs's map: every top-level module, and `main.rs`, in one row.
fn layers_of_lib(tree: &Tree, id: ModId, problems: &mut Vec<String>) -> Option<Order> {
    let module = &tree.modules[id];
    let file = &module.file;
    match order::layers(&module.docs) {
        Ok(layers) => {
            let mut tops: Vec<String> = module.children.keys().cloned().collect();
            tops.extend(tree.main.map(|_| "main.rs".to_string()));
            let what = "the first column of lib.rs's map";
            let place = "row of its layer";
            problems.extend(named_once(&layers, &tops, &[], file, what, place));
            Some(layers)
        }
        Err((line, what)) => {
            problems.push(format!("{file}:{line}: lib.rs: {what}"));
            None
        }
    }
}

/// A folder's `Inside, top to bottom:` sentence, which it needs from two children on.
fn order_of_folder(tree: &Tree, id: ModId, problems: &mut Vec<String>) -> Option<Order> {
    let module = &tree.modules[id];
    let (file, name) = (&module.file, tree.name(id));
    let children: Vec<String> = module.children.keys().cloned().collect();
    let ordered: Vec<&String> = children.iter().filter(|c| *c != "tests").collect();
    match order::inside(&module.docs) {
        Ok(Some(order)) => {
            let what = format!("`{name}`'s `{INSIDE}` sentence");
            // `tests` may go unnamed: it sits above the order, as the parent does.
            let place = "group it belongs in";
            problems.extend(named_once(
                &order,
                &children,
                &["tests"],
                file,
                &what,
                place,
            ));
            Some(order)
        }
        Ok(None) if ordered.len() > 1 => {
            let own_line = if module.inline { module.line } else { 1 };
            let at = module.docs.first().map_or(own_line, |(line, _)| *line);
            let list: Vec<String> = ordered.iter().map(|c| format!("`{c}`")).collect();
            problems.push(format!(
                "{file}:{at}: `{name}` has {} child modules ({}) and no `{INSIDE}` sentence \
                 in its `//!` docs: add one that orders them, groups top to bottom between `→`",
                ordered.len(),
                list.join(", ")
            ));
            None
        }
        Ok(None) => None,
        Err((line, what)) => {
            problems.push(format!(
                "{file}:{line}: `{name}`'s `{INSIDE}` sentence has {what}"
            ));
            None
        }
    }
}

/// Every one of `names` in `order` once, and nothing else.
/// `optional` names may be left out.
fn named_once(
    order: &Order,
    names: &[String],
    optional: &[&str],
    file: &str,
    what: &str,
    place: &str,
) -> Vec<String> {
    let mut problems = Vec::new();
    let line = order.line;
    let mut seen = Vec::new();
    for name in order.groups.iter().flatten() {
        if seen.contains(&name) {
            problems.push(format!(
                "{file}:{line}: {what} names `{name}` twice: each belongs in one place"
            ));
        } else if !names.contains(name) {
            problems.push(format!(
                "{file}:{line}: {what} names `{name}`, which is no module there: remove it or correct the name"
            ));
        }
        seen.push(name);
    }
    for name in names
        .iter()
        .filter(|n| !seen.contains(n) && !optional.contains(&n.as_str()))
    {
        problems.push(format!(
            "{file}:{line}: {what} does not name `{name}`: add it to the {place}"
        ));
    }
    problems
}
