//! Name resolution, as rustc does it, reduced to what the rules need: which module a
//! path reaches. A path's first word is looked up in its block, then its module (items,
//! child modules, `use`d names, then globs), then among the crates; `crate`, `self`,
//! `super` and `$crate` start from a module. A `use`d name is followed to where the item
//! is defined, across any `pub use`, so `crate::db::DbError` reaches `db::error`, the
//! file that defines it, not `db`, which only re-exports it.

use std::collections::{BTreeMap, BTreeSet};

use crate::tree::{ModId, Names, RefKind, ScopeId, Tree, UseId};

/// What a path reaches.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Target {
    /// A module itself (`crate::db`, or `use crate::metrics;`).
    Module(ModId),
    /// An item, by the module that defines it.
    Item(ModId),
    /// Another crate, the prelude, a local name, a generic.
    Elsewhere,
}

/// One import: a module that reaches another, with where and how it was written.
#[derive(Clone, Debug)]
pub struct Import {
    pub from: ModId,
    pub to: ModId,
    pub file: String,
    pub line: usize,
    /// The paths written, as written (`super::ConfigError`).
    pub paths: Vec<String>,
}

struct Resolver<'t> {
    tree: &'t Tree,
    /// The `use`s being followed: `use a::b as a;` must not follow itself forever.
    following: BTreeSet<UseId>,
}

/// Every import of the tree: one per module, target and line, all paths of it listed.
pub fn imports(tree: &Tree) -> Vec<Import> {
    let following = BTreeSet::new();
    let mut resolver = Resolver { tree, following };
    let mut found: BTreeMap<(ModId, usize, ModId), Vec<String>> = BTreeMap::new();
    let mut add = |from: ModId, line: usize, to: ModId, path: &[String]| {
        if from != to {
            let written = path.join("::");
            let paths = found.entry((from, line, to)).or_default();
            if !paths.contains(&written) {
                paths.push(written);
            }
        }
    };
    for import in &tree.uses {
        let (module, scope) = (import.module, import.scope);
        let mut path = import.path.clone();
        match resolver.path(module, scope, &import.path, RefKind::Code) {
            Target::Item(to) => add(module, import.line, to, &path),
            // A glob imports everything the module names; `pub use` re-exports a module.
            // A plain `use a::b;` of a module only names it: the paths written through
            // that name are the imports.
            Target::Module(to) if import.glob || import.public => {
                if import.glob {
                    path.push("*".into());
                }
                add(module, import.line, to, &path)
            }
            _ => {}
        }
    }
    for reference in &tree.refs {
        let (module, scope) = (reference.module, reference.scope);
        // `Database::new()` after `use crate::db::Database;`: the `use` is the import,
        // and its line is the one to name, not every line that says `Database`.
        if resolver.imported_item(module, scope, &reference.path[0]) {
            continue;
        }
        match resolver.path(module, scope, &reference.path, reference.kind) {
            // A one-word path that names a module is a local variable of that name.
            Target::Module(_) if reference.path.len() == 1 => {}
            Target::Module(to) | Target::Item(to) => {
                add(reference.module, reference.line, to, &reference.path)
            }
            Target::Elsewhere => {}
        }
    }
    found
        .into_iter()
        .map(|((from, line, to), paths)| Import {
            from,
            to,
            file: tree.modules[from].file.clone(),
            line,
            paths,
        })
        .collect()
}

impl Resolver<'_> {
    fn path(
        &mut self,
        module: ModId,
        scope: Option<ScopeId>,
        path: &[String],
        kind: RefKind,
    ) -> Target {
        let tree = self.tree;
        let Some(first) = path.first() else {
            return Target::Elsewhere;
        };
        let mut at = match first.as_str() {
            "::" | "Self" => return Target::Elsewhere,
            "crate" | "$crate" => Target::Module(tree.crate_root(module)),
            "self" => Target::Module(module),
            "super" => match tree.modules[module].parent {
                Some(parent) => Target::Module(parent),
                None => return Target::Elsewhere,
            },
            name => match self.in_scope(module, scope, name) {
                Some(target) => target,
                None if kind == RefKind::Macro && path.len() == 1 => {
                    match self.textual_macro(module, name) {
                        Some(defined) => Target::Item(defined),
                        None => return Target::Elsewhere,
                    }
                }
                // The binary reaches the library by its crate name.
                None if name == "userapi"
                    && tree.crate_root(module) == tree.main.unwrap_or(usize::MAX) =>
                {
                    match tree.lib {
                        Some(lib) => Target::Module(lib),
                        None => return Target::Elsewhere,
                    }
                }
                None => return Target::Elsewhere,
            },
        };
        for segment in &path[1..] {
            let Target::Module(current) = at else {
                // Past an item: an enum's variant, an associated function.
                break;
            };
            let next = match segment.as_str() {
                "super" => tree.modules[current].parent.map(Target::Module),
                "self" => Some(at),
                name => self.in_module(current, name),
            };
            match next {
                Some(next) => at = next,
                // A name the tree does not know (made by a macro, say): the deepest module
                // reached is what the path imports.
                None => break,
            }
        }
        at
    }

    /// The first word of a path: the block's names, out to the module's.
    fn in_scope(
        &mut self,
        module: ModId,
        mut scope: Option<ScopeId>,
        name: &str,
    ) -> Option<Target> {
        while let Some(id) = scope {
            let block = &self.tree.scopes[id];
            if let Some(found) = self.in_names(&block.names, name) {
                return Some(found);
            }
            scope = block.parent;
        }
        self.in_module(module, name)
    }

    /// A name as `module` sees it: its child modules, items and `use`s, then its globs.
    fn in_module(&mut self, module: ModId, name: &str) -> Option<Target> {
        if let Some(child) = self.tree.modules[module].children.get(name) {
            return Some(Target::Module(*child));
        }
        self.in_names(&self.tree.modules[module].names, name)
    }

    fn in_names(&mut self, names: &Names, name: &str) -> Option<Target> {
        if let Some(defined) = names.items.get(name) {
            return Some(Target::Item(*defined));
        }
        for id in names.uses.get(name).into_iter().flatten() {
            if let Some(found) = self.follow(*id, None) {
                return Some(found);
            }
        }
        for id in &names.globs {
            if let Some(found) = self.follow(*id, Some(name)) {
                return Some(found);
            }
        }
        None
    }

    /// Where a `use` leads: the named item, or, for a glob, `name` in the globbed module.
    fn follow(&mut self, id: UseId, name: Option<&str>) -> Option<Target> {
        if !self.following.insert(id) {
            return None;
        }
        let import = &self.tree.uses[id];
        let found = match self.path(import.module, import.scope, &import.path, RefKind::Code) {
            Target::Elsewhere => None,
            target if name.is_none() => Some(target),
            Target::Module(globbed) => self.in_module(globbed, name.unwrap_or_default()),
            Target::Item(_) => None,
        };
        self.following.remove(&id);
        found
    }

    /// `name` is brought into scope by a `use` (not a glob), and names an item.
    fn imported_item(&mut self, module: ModId, mut scope: Option<ScopeId>, name: &str) -> bool {
        let tree = self.tree;
        let mut scopes = Vec::new();
        while let Some(id) = scope {
            scopes.push(&tree.scopes[id].names);
            scope = tree.scopes[id].parent;
        }
        scopes.push(&tree.modules[module].names);
        let last = scopes.len() - 1;
        for (i, names) in scopes.into_iter().enumerate() {
            // The module's own scope also holds its child modules, which shadow `use`s.
            let child = i == last && tree.modules[module].children.contains_key(name);
            if child || names.items.contains_key(name) {
                return false;
            }
            if let Some(ids) = names.uses.get(name) {
                let mut found = ids.iter().map(|id| self.follow(*id, None));
                return found.any(|target| matches!(target, Some(Target::Item(_))));
            }
        }
        false
    }

    /// A `macro_rules!` called by name: defined in this module or one above it.
    fn textual_macro(&self, mut module: ModId, name: &str) -> Option<ModId> {
        loop {
            if self.tree.modules[module].macros.contains(name) {
                return Some(module);
            }
            module = self.tree.modules[module].parent?;
        }
    }
}
