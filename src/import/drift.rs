//! `canopy import --check EXPORTS TREE`: what Azure (the exports) says that the tree does
//! not, and the reverse, compared with the same engine as `canopy diff` (the tree as the
//! base, Azure as the head: "added" is in Azure only, "removed" in the tree only).
//!
//! The exports cannot carry everything a tree can say: deny assignments (no `az` command
//! lists them), eligible PIM assignments (a separate API), AccessRule documents (canopy's
//! own). Those documents of the tree are carried over to the Azure side unchanged, so they
//! are not reported as drift, and neither is the effective access they change.

use crate::{Analysis, Entry, Options};
use std::path::Path;

/// Documents of the tree that no export can hold, as entries to add to the Azure side:
/// each tree file's documents of those kinds, in a file of the same name under `tree-only/`.
pub fn carried_over(tree: &Path) -> Vec<Entry> {
    let config = crate::read_config(tree).unwrap_or_default();
    let mut out = Vec::new();
    for w in crate::load::walk(tree, &config) {
        let crate::load::Walked::File { name, path } = w else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut kept = Vec::new();
        for chunk in crate::load::yaml::split_documents(&text) {
            let doc = &text[chunk.start..chunk.end];
            let (docs, _) = crate::load::parse_text(crate::source::FileId(0), doc);
            let carry = docs.iter().any(|d| match d {
                crate::load::kinds::Doc::DenyAssignment(_)
                | crate::load::kinds::Doc::AccessRule(_) => true,
                crate::load::kinds::Doc::RoleAssignment(a) => a.eligible,
                _ => false,
            });
            if carry {
                kept.push(doc.trim_start_matches("---\n").to_string());
            }
        }
        if !kept.is_empty() {
            out.push(Entry {
                name: format!("tree-only/{name}"),
                bytes: kept.join("---\n").into_bytes(),
            });
        }
    }
    out
}

/// The Azure side as an analysed tree: the imported files, plus what the tree says that
/// exports cannot.
pub fn azure_side(
    tree: &Path,
    imported: &super::write::Tree,
    options: &Options,
) -> Result<Analysis, crate::Error> {
    let mut entries: Vec<Entry> = imported
        .iter()
        .map(|(name, text)| Entry {
            name: name.clone(),
            bytes: text.clone().into_bytes(),
        })
        .collect();
    entries.extend(carried_over(tree));
    crate::load_entries("azure", entries, options)
}
