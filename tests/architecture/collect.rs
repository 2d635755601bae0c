//! Reads one parsed file into the [`Tree`]: the modules it declares, what each names
//! (items, `use` trees, globs, `macro_rules!`), and every path written in it, each with
//! its line. The walk is syn's visitor ([`crate::walk`]) over what rustc parses, so a
//! path in a string or a comment is never seen, and an inline `mod x { … }` ends where
//! its braces do.

use syn::spanned::Spanned;
use syn::visit::Visit;

use crate::tokens::{docs, line, paths_in};
use crate::tree::{ModId, Names, Ref, RefKind, ScopeId, Tree, Use};

/// Records `parsed` as module `module`; returns the modules it declares by `mod x;`,
/// whose files are still to be read.
pub fn file(tree: &mut Tree, module: ModId, parsed: &syn::File) -> Vec<ModId> {
    tree.modules[module].docs = docs(&parsed.attrs);
    let mut collector = Collector {
        tree,
        module,
        scope: None,
        declared: Vec::new(),
    };
    collector.visit_file(parsed);
    collector.declared
}

/// Where the walk is: the module and block its paths are written in.
pub struct Collector<'t> {
    pub tree: &'t mut Tree,
    pub module: ModId,
    pub scope: Option<ScopeId>,
    pub declared: Vec<ModId>,
}

impl Collector<'_> {
    /// The names of the innermost block, or of the module outside any block.
    pub fn names(&mut self) -> &mut Names {
        match self.scope {
            Some(scope) => &mut self.tree.scopes[scope].names,
            None => &mut self.tree.modules[self.module].names,
        }
    }

    pub fn define(&mut self, ident: &syn::Ident) {
        let module = self.module;
        self.names().items.insert(ident.to_string(), module);
    }

    pub fn reference(&mut self, path: Vec<String>, kind: RefKind, line: usize) {
        self.tree.refs.push(Ref {
            module: self.module,
            scope: self.scope,
            path,
            kind,
            line,
        });
    }

    /// Every leaf of a `use` tree, with the path that leads to it.
    pub fn use_tree(&mut self, tree: &syn::UseTree, mut prefix: Vec<String>, public: bool) {
        let (path, name, glob, at) = match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                return self.use_tree(&p.tree, prefix, public);
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(item, prefix.clone(), public);
                }
                return;
            }
            // `a::{self}` names `a` itself.
            syn::UseTree::Name(n) if n.ident == "self" => {
                let name = prefix.last().cloned().unwrap_or_default();
                (prefix, name, false, n.ident.span())
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                (prefix, n.ident.to_string(), false, n.ident.span())
            }
            syn::UseTree::Rename(r) => {
                if r.ident != "self" {
                    prefix.push(r.ident.to_string());
                }
                (prefix, r.rename.to_string(), false, r.ident.span())
            }
            syn::UseTree::Glob(g) => (prefix, String::new(), true, g.star_token.span),
        };
        let id = self.tree.uses.len();
        self.tree.uses.push(Use {
            module: self.module,
            scope: self.scope,
            path,
            glob,
            public,
            line: line(at),
        });
        let names = self.names();
        if glob {
            names.globs.push(id);
        } else if name != "_" {
            names.uses.entry(name).or_default().push(id);
        }
    }

    pub fn module(&mut self, item: &syn::ItemMod) {
        let name = item.ident.to_string();
        let parent = &self.tree.modules[self.module];
        let mut path = parent.path.clone();
        path.push(name.clone());
        let dir = format!("{}/{name}", parent.dir);
        let file = if item.content.is_some() {
            parent.file.clone()
        } else {
            String::new()
        };
        let child =
            self.tree
                .add_module(Some(self.module), path, &file, line(item.ident.span()), dir);
        self.tree.modules[self.module].children.insert(name, child);
        for attr in item
            .attrs
            .iter()
            .filter(|a| matches!(a.style, syn::AttrStyle::Outer))
        {
            self.visit_attribute(attr);
        }
        let Some((_, items)) = &item.content else {
            // `#[path = "…"]` moves a module's file; src/ has none, so none is followed.
            if item.attrs.iter().any(|a| a.path().is_ident("path")) {
                let at = format!(
                    "{}:{}",
                    self.tree.modules[self.module].file,
                    line(item.span())
                );
                let problem =
                    format!("{at}: `#[path]` is not followed by tests/architecture: drop it");
                self.tree.problems.push(problem);
            }
            self.declared.push(child);
            return;
        };
        // Inside the braces, `self` and `super` are the inline module's; after the
        // closing brace, the file's again.
        self.tree.modules[child].docs = docs(&item.attrs);
        let (outer_module, outer_scope) = (self.module, self.scope);
        (self.module, self.scope) = (child, None);
        for item in items {
            self.visit_item(item);
        }
        (self.module, self.scope) = (outer_module, outer_scope);
    }

    /// `macro_rules! name { … }`: callable by name below; a `#[macro_export]` one also
    /// from the crate root, by any path. Its `$crate::…` paths are imports of this module.
    pub fn macro_rules(&mut self, item: &syn::ItemMacro, name: &syn::Ident) {
        let exported = item.attrs.iter().any(|a| a.path().is_ident("macro_export"));
        let module = self.module;
        self.tree.modules[module].macros.insert(name.to_string());
        if exported {
            let root = self.tree.crate_root(module);
            self.tree.modules[root]
                .names
                .items
                .insert(name.to_string(), module);
        }
        for (path, at) in paths_in(item.mac.tokens.clone()) {
            if path[0] == "$crate" {
                self.reference(path, RefKind::Tokens, at);
            }
        }
    }

    /// `<T as a::Trait>::f`: only the trait's path (before `position`) is a path of ours.
    pub fn qualified(&mut self, qself: &Option<syn::QSelf>, path: &syn::Path) {
        let Some(qself) = qself else {
            return self.visit_path(path);
        };
        self.visit_type(&qself.ty);
        let trait_path: Vec<String> = path
            .segments
            .iter()
            .take(qself.position)
            .map(|s| s.ident.to_string())
            .collect();
        if !trait_path.is_empty() {
            self.reference(trait_path, RefKind::Code, line(path.span()));
        }
        for segment in &path.segments {
            self.visit_path_arguments(&segment.arguments);
        }
    }
}
