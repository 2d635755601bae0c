//! The walk over one file: syn's visitor, told which nodes name things (items, `use`,
//! `mod`, `macro_rules!`), which open a scope (blocks, inline modules), and which are
//! paths; everything else it walks as it would.

use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::collect::Collector;
use crate::tokens::{line, paths_in};
use crate::tree::{Names, RefKind, Scope};

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        use syn::Item;
        match item {
            Item::Mod(m) => return self.module(m),
            Item::Use(u) => {
                let public = !matches!(u.vis, syn::Visibility::Inherited);
                let prefix = match u.leading_colon {
                    Some(_) => vec!["::".to_string()],
                    None => Vec::new(),
                };
                self.use_tree(&u.tree, prefix, public);
                return;
            }
            Item::Macro(m) => {
                if let (Some(name), true) = (&m.ident, m.mac.path.is_ident("macro_rules")) {
                    return self.macro_rules(m, name);
                }
            }
            Item::Fn(f) => self.define(&f.sig.ident),
            Item::Struct(s) => self.define(&s.ident),
            Item::Enum(e) => self.define(&e.ident),
            Item::Union(u) => self.define(&u.ident),
            Item::Trait(t) => self.define(&t.ident),
            Item::TraitAlias(t) => self.define(&t.ident),
            Item::Type(t) => self.define(&t.ident),
            Item::Const(c) => self.define(&c.ident),
            Item::Static(s) => self.define(&s.ident),
            Item::ForeignMod(f) => {
                for item in &f.items {
                    match item {
                        syn::ForeignItem::Fn(f) => self.define(&f.sig.ident),
                        syn::ForeignItem::Static(s) => self.define(&s.ident),
                        syn::ForeignItem::Type(t) => self.define(&t.ident),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        visit::visit_item(self, item);
    }

    /// A block's items and `use`s are its own: they shadow the module's names.
    fn visit_block(&mut self, block: &'ast syn::Block) {
        let outer = self.scope;
        self.scope = Some(self.tree.scopes.len());
        self.tree.scopes.push(Scope {
            parent: outer,
            names: Names::default(),
        });
        visit::visit_block(self, block);
        self.scope = outer;
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let mut segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if path.leading_colon.is_some() {
            segments.insert(0, "::".to_string());
        }
        self.reference(segments, RefKind::Code, line(path.span()));
        visit::visit_path(self, path);
    }

    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        for attr in &expr.attrs {
            self.visit_attribute(attr);
        }
        self.qualified(&expr.qself, &expr.path);
    }

    fn visit_type_path(&mut self, ty: &'ast syn::TypePath) {
        self.qualified(&ty.qself, &ty.path);
    }

    /// `pub(crate)`, `pub(in crate::a)`: who may see an item, not an import.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    /// The macro's own path, then the paths among its tokens: `format!("{}", a::b())`.
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let segments: Vec<String> = mac
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        self.reference(segments, RefKind::Macro, line(mac.path.span()));
        for (path, at) in paths_in(mac.tokens.clone()) {
            self.reference(path, RefKind::Tokens, at);
        }
    }

    /// An attribute's path (`#[crate::a::attr]`) and the paths among its tokens
    /// (`#[derive(crate::a::Derive)]`); `#[doc = "…"]`'s text is no path.
    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        self.visit_path(attr.path());
        if let syn::Meta::List(list) = &attr.meta {
            for (path, at) in paths_in(list.tokens.clone()) {
                self.reference(path, RefKind::Tokens, at);
            }
        }
    }
}
