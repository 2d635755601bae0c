//! The crate's module tree as rustc builds it: start at `src/lib.rs` (and `src/main.rs`,
//! a crate of its own), follow every `mod x;` to `x.rs` or `x/mod.rs`, and keep inline
//! `mod x { … }` as modules too. What each module names (items, `use`s, globs, macros)
//! and every path written in it are recorded by [`crate::collect`]; [`crate::resolve`]
//! turns them into imports once the whole tree is known, as rustc resolves names only
//! after it has read every module.

use std::collections::{BTreeMap, BTreeSet};

/// Index of a module in [`Tree::modules`].
pub type ModId = usize;
/// Index of a block's scope (`{ use …; fn …; }` inside a function) in [`Tree::scopes`].
pub type ScopeId = usize;
/// Index of one imported name in [`Tree::uses`].
pub type UseId = usize;

/// One `.rs` file of `src/`, by its path (`src/db/mod.rs`).
pub struct Source {
    pub file: String,
    pub text: String,
}

pub struct Module {
    /// `["app", "router"]`; `[]` for lib.rs; `["main"]` for main.rs, the binary's crate.
    pub path: Vec<String>,
    pub file: String,
    /// The line of its `mod` declaration (1 for a crate root).
    pub line: usize,
    pub parent: Option<ModId>,
    /// Written inside its parent's file: `mod tests { … }`.
    pub inline: bool,
    /// Where its `mod x;` children are: `src/app` for `app.rs` and for `app/mod.rs`.
    pub dir: String,
    pub children: BTreeMap<String, ModId>,
    pub names: Names,
    /// `macro_rules!` defined here, callable by name here and below (textual scope).
    pub macros: BTreeSet<String>,
    /// Its `//!` lines: (line, text without the `//!` and one space).
    pub docs: Vec<(usize, String)>,
}

/// What a module or block names: items defined there (by the module that defines
/// them: a `#[macro_export]` macro sits in the crate root, defined elsewhere), the
/// names its `use`s bring in, and its glob imports.
#[derive(Default)]
pub struct Names {
    pub items: BTreeMap<String, ModId>,
    pub uses: BTreeMap<String, Vec<UseId>>,
    pub globs: Vec<UseId>,
}

/// A block inside a function: its own items and `use`s, then its enclosing scope.
pub struct Scope {
    pub parent: Option<ScopeId>,
    pub names: Names,
}

/// One leaf of a `use` tree: `use a::{b as c, d::*}` is `a::b` (named `c`) and `a::d::*`.
pub struct Use {
    pub module: ModId,
    pub scope: Option<ScopeId>,
    pub path: Vec<String>,
    pub glob: bool,
    pub public: bool,
    pub line: usize,
}

/// How a path was written, which decides what it may resolve to.
#[derive(Clone, Copy, PartialEq)]
pub enum RefKind {
    /// A path in code: an expression, a type, a pattern, an attribute.
    Code,
    /// A macro call's own path (`log!`): falls back on `macro_rules!` in scope.
    Macro,
    /// A path among a macro call's or an attribute's tokens (`format!("{}", a::b())`).
    Tokens,
}

/// A path written in a module, resolved after the whole tree is read.
pub struct Ref {
    pub module: ModId,
    pub scope: Option<ScopeId>,
    pub path: Vec<String>,
    pub kind: RefKind,
    pub line: usize,
}

#[derive(Default)]
pub struct Tree {
    pub modules: Vec<Module>,
    pub scopes: Vec<Scope>,
    pub uses: Vec<Use>,
    pub refs: Vec<Ref>,
    /// Files syn cannot parse, `mod x;` with no file, files no `mod` reaches.
    pub problems: Vec<String>,
    pub lib: Option<ModId>,
    pub main: Option<ModId>,
}

impl Tree {
    /// Reads the crates rooted at `src/lib.rs` and `src/main.rs` out of `sources`.
    pub fn build(sources: &[Source]) -> Tree {
        let texts: BTreeMap<&str, &str> = sources
            .iter()
            .map(|s| (s.file.as_str(), s.text.as_str()))
            .collect();
        let mut tree = Tree::default();
        let mut pending = Vec::new();
        for (root, path) in [("src/lib.rs", vec![]), ("src/main.rs", vec!["main".into()])] {
            if texts.contains_key(root) {
                let id = tree.add_module(None, path, root, 1, "src".into());
                pending.push(id);
                if root == "src/lib.rs" {
                    tree.lib = Some(id);
                } else {
                    tree.main = Some(id);
                }
            }
        }
        let mut read = BTreeSet::new();
        while let Some(id) = pending.pop() {
            // A `mod x;` is looked for as rustc looks: `x.rs`, then `x/mod.rs`.
            let module = &mut tree.modules[id];
            if module.file.is_empty() {
                let (at, declared) = (module.dir.clone(), module.line);
                let Some(file) = [format!("{at}.rs"), format!("{at}/mod.rs")]
                    .into_iter()
                    .find(|f| texts.contains_key(f.as_str()))
                else {
                    let parent = module
                        .parent
                        .map_or(String::new(), |p| tree.modules[p].file.clone());
                    tree.problems.push(format!(
                        "{parent}:{declared}: `mod` declares a module with neither {at}.rs nor \
                         {at}/mod.rs: create its file or remove the declaration"
                    ));
                    continue;
                };
                module.file = file;
            }
            let file = tree.modules[id].file.clone();
            read.insert(file.clone());
            match syn::parse_file(texts[file.as_str()]) {
                Ok(parsed) => pending.extend(crate::collect::file(&mut tree, id, &parsed)),
                Err(err) => {
                    let line = err.span().start().line;
                    tree.problems.push(format!(
                        "{file}:{line}: syn cannot parse this file ({err}), so rustc could not either"
                    ));
                }
            }
        }
        for file in texts.keys().filter(|f| !read.contains(**f)) {
            tree.problems.push(format!(
                "{file}:1: no `mod` declaration reaches this file, so rustc never compiles it: \
                 declare it in its parent module or delete it"
            ));
        }
        tree
    }

    pub fn add_module(
        &mut self,
        parent: Option<ModId>,
        path: Vec<String>,
        file: &str,
        line: usize,
        dir: String,
    ) -> ModId {
        let id = self.modules.len();
        let inline = parent.is_some_and(|p| self.modules[p].file == file);
        self.modules.push(Module {
            inline,
            path,
            file: file.to_string(),
            line,
            parent,
            dir,
            children: BTreeMap::new(),
            names: Names::default(),
            macros: BTreeSet::new(),
            docs: Vec::new(),
        });
        id
    }

    /// The root of `id`'s crate: lib.rs or main.rs.
    pub fn crate_root(&self, mut id: ModId) -> ModId {
        while let Some(parent) = self.modules[id].parent {
            id = parent;
        }
        id
    }

    /// `a` is `b` or one of its ancestors.
    pub fn encloses(&self, a: ModId, mut b: ModId) -> bool {
        loop {
            if a == b {
                return true;
            }
            match self.modules[b].parent {
                Some(parent) => b = parent,
                None => return false,
            }
        }
    }

    /// How messages name a module: `db::error`; `lib.rs` and `main.rs` for the roots.
    pub fn name(&self, id: ModId) -> String {
        let module = &self.modules[id];
        match module.path.as_slice() {
            [] => "lib.rs".to_string(),
            [main] if Some(id) == self.main => format!("{main}.rs"),
            path => path.join("::"),
        }
    }

    /// The top-level module `id` is in (`db` for `db::reads::standby`), as named in the
    /// map of lib.rs; `main.rs` for the binary; `None` for lib.rs itself.
    pub fn top(&self, id: ModId) -> Option<String> {
        if self.crate_root(id) == self.main.unwrap_or(usize::MAX) {
            return Some("main.rs".to_string());
        }
        self.modules[id].path.first().cloned()
    }
}
