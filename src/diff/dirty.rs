//! Which parts of the tenant a change can touch, from the files it changes: a commit that
//! edits one subscription file cannot change a role assignment, so the 40,000 assignments are
//! not compared.

use crate::Analysis;
use crate::source::Span;

/// Which kinds of document differ between two trees (declared in a changed, added or removed
/// file). What depends on what is for the comparison to decide.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Dirty {
    /// Management groups and subscriptions (with their resource groups, resources and
    /// co-administrators).
    pub scopes: bool,
    pub principals: bool,
    pub roles: bool,
    pub role_assignments: bool,
    pub deny_assignments: bool,
    /// Policy definitions, assignments, exemptions, and so compliance.
    pub policy: bool,
}

/// For each file id of `a`, whether `b` lacks a file of that name with the same text.
fn changed_files(a: &Analysis, b: &Analysis) -> Vec<bool> {
    let theirs: rustc_hash::FxHashMap<&str, &crate::source::SourceFile> =
        b.files.iter().map(|(_, f)| (f.name.as_str(), f)).collect();
    let mut changed = Vec::new();
    for (id, f) in a.files.iter() {
        let i = id.0 as usize;
        if changed.len() <= i {
            changed.resize(i + 1, false);
        }
        changed[i] = !theirs
            .get(f.name.as_str())
            .is_some_and(|g| arcstr::ArcStr::ptr_eq(&f.text, &g.text) || f.text == g.text);
    }
    changed
}

/// The kinds declared in the changed files of one side.
fn kinds_in(a: &Analysis, changed: &[bool]) -> Dirty {
    // canopy's own built-in policy definitions sit in a file id past any of the tree's, so
    // they never count as changed.
    fn any(changed: &[bool], spans: impl IntoIterator<Item = Span>) -> bool {
        spans
            .into_iter()
            .any(|s| changed.get(s.file.0 as usize) == Some(&true))
    }
    let t = &a.tenant;
    Dirty {
        scopes: any(changed, t.management_groups.iter().map(|m| m.name.span))
            || any(changed, t.subscriptions.iter().map(|s| s.name.span)),
        principals: any(changed, t.principals.iter().map(|p| p.name.span)),
        roles: any(changed, t.custom_roles.iter().map(|r| r.name.span)),
        role_assignments: any(changed, t.role_assignments.iter().map(|r| r.scope_ref.span)),
        deny_assignments: any(changed, t.deny_assignments.iter().map(|d| d.scope_ref.span)),
        policy: any(changed, t.policy_definitions.iter().map(|d| d.name.span))
            || any(changed, t.policy_assignments.iter().map(|p| p.name.span))
            || any(changed, t.policy_exemptions.iter().map(|e| e.name.span)),
    }
}

/// Which files changed on each side, and so which kinds of document.
#[derive(Debug, Clone)]
pub struct Changes {
    pub dirty: Dirty,
    base_changed: Vec<bool>,
    head_changed: Vec<bool>,
}

impl Changes {
    /// Everything may differ: what [`super::DiffOptions::exhaustive`] asks for.
    pub fn everything() -> Changes {
        Changes {
            dirty: Dirty {
                scopes: true,
                principals: true,
                roles: true,
                role_assignments: true,
                deny_assignments: true,
                policy: true,
            },
            base_changed: Vec::new(),
            head_changed: Vec::new(),
        }
    }

    /// Where a span is, if its file is the same on both sides: (file name, offset). Objects
    /// declared at the same place of an unchanged file are the same document on both sides.
    pub fn unchanged_place<'a>(
        &self,
        a: &'a Analysis,
        head: bool,
        span: Span,
    ) -> Option<(&'a str, u32)> {
        let changed = if head {
            &self.head_changed
        } else {
            &self.base_changed
        };
        let unchanged = changed.get(span.file.0 as usize) == Some(&false);
        unchanged.then(|| (a.files.get(span.file).name.as_str(), span.start))
    }
}

/// What a change between two trees can have touched.
pub fn changes(base: &Analysis, head: &Analysis) -> Changes {
    let base_changed = changed_files(base, head);
    let head_changed = changed_files(head, base);
    let b = kinds_in(base, &base_changed);
    let h = kinds_in(head, &head_changed);
    let dirty = Dirty {
        scopes: b.scopes || h.scopes,
        principals: b.principals || h.principals,
        roles: b.roles || h.roles,
        role_assignments: b.role_assignments || h.role_assignments,
        deny_assignments: b.deny_assignments || h.deny_assignments,
        policy: b.policy || h.policy,
    };
    Changes {
        dirty,
        base_changed,
        head_changed,
    }
}
