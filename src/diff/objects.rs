//! The object-by-object part of a diff: hierarchy, principals, role definitions, assignments,
//! policy objects. Each section also records whom it can affect, so that effective access is
//! re-evaluated only for those people.

use super::dirty::Changes;
use super::keys::{FilePlace, Key, eq_fold, match_by, match_by_place};
use super::lower;
use super::{
    AssignmentChange, Change, HierarchyChange, ObjectChange, Place, PrincipalChange,
    RoleDefinitionChange, TenantDiff,
};
use crate::Analysis;
use crate::access::report::scope_kind;
use crate::access::{Plane, role_grants};
use crate::model::{DenyPrincipals, RoleRef, ScopeId, ScopeKind, Tenant};
use crate::source::Text;
use rustc_hash::{FxHashMap, FxHashSet};

/// Whose effective access a change can alter.
#[derive(Debug, Default)]
pub struct Affected {
    /// Every person (a deny assignment for Everyone changed).
    pub everyone: bool,
    /// Principals (lowercase names) whose own or whose members' access may change.
    pub principals: FxHashSet<String>,
}

impl Affected {
    pub fn is_empty(&self) -> bool {
        !self.everyone && self.principals.is_empty()
    }
}

pub struct Objects {
    pub affected: Affected,
    /// Scopes (lowercase paths) present on both sides under a different parent.
    pub moved: Vec<String>,
}

/// Sorted, case-insensitive set difference of two lists of names: (added, removed).
fn set_diff(before: &[Text], after: &[Text]) -> (Vec<String>, Vec<String>) {
    let b: FxHashSet<String> = before.iter().map(|t| lower(&t.value)).collect();
    let a: FxHashSet<String> = after.iter().map(|t| lower(&t.value)).collect();
    let mut added: Vec<String> = after
        .iter()
        .filter(|t| !b.contains(&lower(&t.value)))
        .map(|t| t.value.to_string())
        .collect();
    let mut removed: Vec<String> = before
        .iter()
        .filter(|t| !a.contains(&lower(&t.value)))
        .map(|t| t.value.to_string())
        .collect();
    added.sort_by_key(|s| lower(s));
    added.dedup_by_key(|s| lower(s));
    removed.sort_by_key(|s| lower(s));
    removed.dedup_by_key(|s| lower(s));
    (added, removed)
}

/// An entry for every object only one side has: removed ones from the base, added ones from
/// the head.
fn one_sided<T>(
    m: &super::keys::Matched,
    base: &Analysis,
    head: &Analysis,
    make: impl Fn(&Analysis, usize, Change, Vec<String>) -> T,
) -> Vec<T> {
    let removed = m.removed.iter().map(|&i| (base, i, Change::Removed));
    let added = m.added.iter().map(|&j| (head, j, Change::Added));
    removed
        .chain(added)
        .map(|(a, i, c)| make(a, i, c, Vec::new()))
        .collect()
}

/// `what added: a, b` and `what removed: c`, for the names only one side lists.
fn list_details(
    details: &mut Vec<String>,
    what: &str,
    (added, removed): (Vec<String>, Vec<String>),
) {
    if !added.is_empty() {
        details.push(format!("{what} added: {}", added.join(", ")));
    }
    if !removed.is_empty() {
        details.push(format!("{what} removed: {}", removed.join(", ")));
    }
}

/// A scope's short name: the group, subscription, resource group or resource name.
fn scope_name(t: &Tenant, s: ScopeId) -> String {
    match t.scopes.kind(s) {
        ScopeKind::Tenant => "/".to_string(),
        ScopeKind::ManagementGroup(id) => t.mg(id).name.value.to_string(),
        ScopeKind::Subscription(id) => t.sub(id).name.value.to_string(),
        ScopeKind::ResourceGroup(id) => t.resource_groups[id.index()].name.value.to_string(),
        ScopeKind::Resource(id) => t.resources[id.index()].name.value.to_string(),
    }
}

fn parent_name(t: &Tenant, s: ScopeId) -> Option<String> {
    t.scopes.parent(s).map(|p| scope_name(t, p))
}

fn place(a: &Analysis, span: crate::source::Span) -> Place {
    Place::of(a, span)
}

/// Compares what the changed documents can have changed; the rest is equal on both sides.
///
/// What resolves from what (see `model::resolve`): a role assignment from its own document
/// and the principal, role and scope it names; a deny assignment from its own and the
/// principals and scope; policy objects and verdicts from the policy documents and the scopes
/// (which hold the resources).
pub fn compare(base: &Analysis, head: &Analysis, d: &mut TenantDiff, changes: &Changes) -> Objects {
    let dirty = changes.dirty;
    let mut affected = Affected::default();
    let mut moved = Vec::new();
    if dirty.scopes {
        moved = hierarchy(base, head, d);
        co_administrators(base, head, &mut affected);
    }
    if dirty.principals {
        principals(base, head, d, &mut affected);
    }
    if dirty.roles {
        roles(base, head, d, &mut affected);
    }
    if dirty.role_assignments || dirty.principals || dirty.roles || dirty.scopes {
        role_assignments(base, head, d, &mut affected, changes);
    }
    if dirty.deny_assignments || dirty.principals || dirty.scopes {
        deny_assignments(base, head, d, &mut affected);
    }
    if dirty.policy || dirty.scopes {
        policy(base, head, d);
    }
    Objects { affected, moved }
}

fn hierarchy(base: &Analysis, head: &Analysis, d: &mut TenantDiff) -> Vec<String> {
    let (b, h) = (&base.tenant, &head.tenant);
    fn key(t: &Tenant, s: ScopeId) -> Option<Key<'_>> {
        (s != ScopeId::TENANT).then(|| ([&*t.scope_paths()[s.index()], "", ""], false))
    }
    let m = match_by(
        (0..b.scopes.len() as u32)
            .map(|i| key(b, ScopeId(i)))
            .collect(),
        (0..h.scopes.len() as u32)
            .map(|i| key(h, ScopeId(i)))
            .collect(),
    );
    let mut moved = Vec::new();
    for &(i, j) in &m.both {
        let (sb, sh) = (ScopeId(i as u32), ScopeId(j as u32));
        let pb = b.scopes.parent(sb).map(|p| &b.scope_paths()[p.index()]);
        let ph = h.scopes.parent(sh).map(|p| &h.scope_paths()[p.index()]);
        let same = match (pb, ph) {
            (Some(x), Some(y)) => eq_fold(x, y),
            (x, y) => x.is_none() && y.is_none(),
        };
        if !same {
            moved.push(lower(&h.scope_paths()[sh.index()]));
            d.hierarchy.push(HierarchyChange {
                change: Change::Moved,
                kind: scope_kind(h, sh),
                name: scope_name(h, sh),
                scope: h.scope_path(sh),
                from: parent_name(b, sb),
                to: parent_name(h, sh),
                with_children: 0,
                place: h
                    .scope_span(sh)
                    .map_or_else(Place::default, |s| place(head, s)),
            });
        }
    }
    // Added and removed scopes, each listed once at its topmost: a new subscription's resource
    // groups count under it.
    let side = |a: &Analysis, idx: &[usize], change: Change, d: &mut TenantDiff| {
        let t = &a.tenant;
        let set: FxHashSet<u32> = idx.iter().map(|i| *i as u32).collect();
        let mut top: FxHashMap<u32, usize> = FxHashMap::default();
        for &i in idx {
            let s = ScopeId(i as u32);
            let mut highest = s;
            for anc in t.scopes.ancestors(s).skip(1) {
                if set.contains(&anc.0) {
                    highest = anc;
                }
            }
            if highest != s {
                *top.entry(highest.0).or_default() += 1;
            }
        }
        for &i in idx {
            let s = ScopeId(i as u32);
            if t.scopes
                .ancestors(s)
                .skip(1)
                .any(|anc| set.contains(&anc.0))
            {
                continue;
            }
            let parent = parent_name(t, s);
            d.hierarchy.push(HierarchyChange {
                change,
                kind: scope_kind(t, s),
                name: scope_name(t, s),
                scope: t.scope_path(s),
                from: if change == Change::Removed {
                    parent.clone()
                } else {
                    None
                },
                to: if change == Change::Added {
                    parent
                } else {
                    None
                },
                with_children: top.get(&s.0).copied().unwrap_or(0),
                place: t
                    .scope_span(s)
                    .map_or_else(Place::default, |sp| place(a, sp)),
            });
        }
    };
    side(base, &m.removed, Change::Removed, d);
    side(head, &m.added, Change::Added, d);
    d.hierarchy.sort_by_key(|c| (lower(&c.scope), c.change));
    // The root management group: Azure's tenant root group can be neither moved nor deleted.
    if let Some(root) = b.root() {
        let name = &b.mg(root).name.value;
        match h.management_groups.iter().find(|g| g.name.value.eq_ignore_ascii_case(name)) {
            None => d.errors.push(format!(
                "the root management group `{name}` is deleted; the tenant root group cannot be deleted"
            )),
            Some(g) => {
                if let Some(p) = &g.parent_ref {
                    d.errors.push(format!(
                        "the root management group `{name}` is moved under `{}`; the tenant root group cannot be moved",
                        p.value
                    ));
                }
            }
        }
    }
    moved.sort();
    moved
}

fn principals(base: &Analysis, head: &Analysis, d: &mut TenantDiff, affected: &mut Affected) {
    let (b, h) = (&base.tenant, &head.tenant);
    let m = match_by(
        b.principals.iter().map(|p| name_key(&p.name)).collect(),
        h.principals.iter().map(|p| name_key(&p.name)).collect(),
    );
    let mut push = |a: &Analysis, i: usize, change: Change, d: &mut TenantDiff| {
        let p = &a.tenant.principals[i];
        affected.principals.insert(lower(&p.name.value));
        d.principals.push(PrincipalChange {
            change,
            principal: p.name.value.to_string(),
            principal_kind: p.kind.noun(),
            details: Vec::new(),
            members_added: Vec::new(),
            members_removed: Vec::new(),
            place: place(a, p.name.span),
        });
    };
    for &i in &m.removed {
        push(base, i, Change::Removed, d);
    }
    for &j in &m.added {
        push(head, j, Change::Added, d);
    }
    for &(i, j) in &m.both {
        let (pb, ph) = (&b.principals[i], &h.principals[j]);
        let mut details = Vec::new();
        if pb.kind != ph.kind {
            details.push(format!(
                "now a {} (was a {})",
                ph.kind.noun(),
                pb.kind.noun()
            ));
        }
        if pb.enabled.value != ph.enabled.value {
            details.push(
                if ph.enabled.value {
                    "enabled"
                } else {
                    "disabled"
                }
                .to_string(),
            );
        }
        if pb.guest != ph.guest {
            details.push(
                if ph.guest {
                    "now a guest"
                } else {
                    "no longer a guest"
                }
                .to_string(),
            );
        }
        if pb.security_enabled.value != ph.security_enabled.value {
            details.push(if ph.security_enabled.value {
                "now security-enabled".to_string()
            } else {
                "no longer security-enabled (a distribution list gets no roles)".to_string()
            });
        }
        // Most groups are unchanged: compare member names in order before building sets.
        let same_members = pb.members.len() == ph.members.len()
            && pb.members.iter().zip(&ph.members).all(|((_, x), (_, y))| {
                eq_fold(&b.principal(*x).name.value, &h.principal(*y).name.value)
            });
        let names = |p: &crate::model::Principal, t: &Tenant| -> Vec<Text> {
            p.members
                .iter()
                .map(|(_, id)| t.principal(*id).name.clone())
                .collect()
        };
        let (added, removed) = if same_members {
            (Vec::new(), Vec::new())
        } else {
            set_diff(&names(pb, b), &names(ph, h))
        };
        if !details.is_empty() || !added.is_empty() || !removed.is_empty() {
            affected.principals.insert(lower(&ph.name.value));
            d.principals.push(PrincipalChange {
                change: Change::Modified,
                principal: ph.name.value.to_string(),
                principal_kind: ph.kind.noun(),
                details,
                members_added: added,
                members_removed: removed,
                place: place(head, ph.name.span),
            });
        }
    }
    d.principals
        .sort_by_key(|c| (lower(&c.principal), c.change));
}

/// Published operations a role grants, on both planes.
fn effective_actions(t: &Tenant, role: RoleRef) -> FxHashSet<&'static str> {
    crate::builtin::operations()
        .iter()
        .filter(|op| {
            let plane = if op.is_data_action {
                Plane::Data
            } else {
                Plane::Control
            };
            role_grants(t, role, op.name, plane).is_some()
        })
        .map(|op| op.name)
        .collect()
}

fn sorted(set: impl Iterator<Item = &'static str>) -> Vec<String> {
    let mut v: Vec<String> = set.map(str::to_string).collect();
    v.sort_by_key(|s| lower(s));
    v
}

fn roles(base: &Analysis, head: &Analysis, d: &mut TenantDiff, affected: &mut Affected) {
    let (b, h) = (&base.tenant, &head.tenant);
    let m = match_by(
        b.custom_roles.iter().map(|r| name_key(&r.name)).collect(),
        h.custom_roles.iter().map(|r| name_key(&r.name)).collect(),
    );
    // Resolved scopes compare by their canonical path: `/subscriptions/{id}` and
    // `/subscriptions/{name}` are one scope (an imported tree writes IDs, as Azure prints).
    let scopes = |t: &crate::model::Tenant, r: &crate::model::CustomRole| -> Vec<Text> {
        r.assignable_scopes
            .iter()
            .map(|(text, id)| match id {
                Some(id) => Text::new(t.scope_path(*id).into(), text.span),
                None => text.clone(),
            })
            .collect()
    };
    let mut changed: Vec<String> = Vec::new();
    for &(i, j) in &m.both {
        let (rb, rh) = (&b.custom_roles[i], &h.custom_roles[j]);
        let mut c = RoleDefinitionChange {
            change: Some(Change::Modified),
            role: rh.name.value.to_string(),
            place: place(head, rh.name.span),
            ..RoleDefinitionChange::default()
        };
        (c.actions_added, c.actions_removed) = set_diff(&rb.actions, &rh.actions);
        (c.not_actions_added, c.not_actions_removed) = set_diff(&rb.not_actions, &rh.not_actions);
        (c.data_actions_added, c.data_actions_removed) =
            set_diff(&rb.data_actions, &rh.data_actions);
        (c.not_data_actions_added, c.not_data_actions_removed) =
            set_diff(&rb.not_data_actions, &rh.not_data_actions);
        (c.assignable_scopes_added, c.assignable_scopes_removed) =
            set_diff(&scopes(b, rb), &scopes(h, rh));
        let permissions_changed = !(c.actions_added.is_empty()
            && c.actions_removed.is_empty()
            && c.not_actions_added.is_empty()
            && c.not_actions_removed.is_empty()
            && c.data_actions_added.is_empty()
            && c.data_actions_removed.is_empty()
            && c.not_data_actions_added.is_empty()
            && c.not_data_actions_removed.is_empty());
        if permissions_changed {
            let before = effective_actions(b, RoleRef::Custom(crate::model::RoleId(i as u32)));
            let after = effective_actions(h, RoleRef::Custom(crate::model::RoleId(j as u32)));
            c.effective_actions_gained = sorted(after.difference(&before).copied());
            c.effective_actions_lost = sorted(before.difference(&after).copied());
        }
        if permissions_changed
            || !c.assignable_scopes_added.is_empty()
            || !c.assignable_scopes_removed.is_empty()
        {
            changed.push(lower(&rh.name.value));
            d.role_definitions.push(c);
        }
    }
    for (a, idx, change) in [
        (base, &m.removed, Change::Removed),
        (head, &m.added, Change::Added),
    ] {
        for &i in idx {
            let r = &a.tenant.custom_roles[i];
            let all = sorted(
                effective_actions(&a.tenant, RoleRef::Custom(crate::model::RoleId(i as u32)))
                    .into_iter(),
            );
            let names = |v: &[Text]| v.iter().map(|t| t.value.to_string()).collect::<Vec<_>>();
            let mut c = RoleDefinitionChange {
                change: Some(change),
                role: r.name.value.to_string(),
                place: place(a, r.name.span),
                ..RoleDefinitionChange::default()
            };
            if change == Change::Added {
                c.actions_added = names(&r.actions);
                c.not_actions_added = names(&r.not_actions);
                c.data_actions_added = names(&r.data_actions);
                c.not_data_actions_added = names(&r.not_data_actions);
                c.assignable_scopes_added = names(&scopes(h, r));
                c.effective_actions_gained = all;
            } else {
                c.actions_removed = names(&r.actions);
                c.not_actions_removed = names(&r.not_actions);
                c.data_actions_removed = names(&r.data_actions);
                c.not_data_actions_removed = names(&r.not_data_actions);
                c.assignable_scopes_removed = names(&scopes(b, r));
                c.effective_actions_lost = all;
            }
            changed.push(lower(&r.name.value));
            d.role_definitions.push(c);
        }
    }
    d.role_definitions.sort_by_key(|c| lower(&c.role));
    // Everyone holding an edited role: their access (and escalation) may change.
    if changed.is_empty() {
        return;
    }
    for a in [base, head] {
        let t = &a.tenant;
        for ra in &t.role_assignments {
            let role = t.role_name(ra.role);
            if changed.iter().any(|c| eq_fold(c, role)) {
                affected
                    .principals
                    .insert(lower(&t.principal(ra.principal).name.value));
            }
        }
    }
}

fn name_key(name: &Text) -> Option<Key<'_>> {
    Some(([&name.value, "", ""], false))
}

fn assignment_key<'t>(t: &'t Tenant, a: &crate::model::RoleAssignment) -> Option<Key<'t>> {
    Some((
        [
            &t.principal(a.principal).name.value,
            t.role_name(a.role),
            &t.scope_paths()[a.scope.index()],
        ],
        a.eligible,
    ))
}

fn role_assignments(
    base: &Analysis,
    head: &Analysis,
    d: &mut TenantDiff,
    affected: &mut Affected,
    changes: &Changes,
) {
    let (b, h) = (&base.tenant, &head.tenant);
    fn places<'a>(a: &'a Analysis, is_head: bool, changes: &Changes) -> Vec<FilePlace<'a>> {
        a.tenant
            .role_assignments
            .iter()
            .map(|r| changes.unchanged_place(a, is_head, r.scope_ref.span))
            .collect()
    }
    let (base_at, head_at) = (places(base, false, changes), places(head, true, changes));
    let m = match_by_place(
        b.role_assignments
            .iter()
            .map(|a| assignment_key(b, a))
            .collect(),
        h.role_assignments
            .iter()
            .map(|a| assignment_key(h, a))
            .collect(),
        &base_at,
        &head_at,
        // Nothing an assignment's key is resolved from changed: unchanged documents resolve
        // as before.
        !(changes.dirty.principals || changes.dirty.roles || changes.dirty.scopes),
    );
    let entry = |a: &Analysis, i: usize, change: Change, details: Vec<String>| {
        let t = &a.tenant;
        let ra = &t.role_assignments[i];
        let p = t.principal(ra.principal);
        AssignmentChange {
            change,
            principal: p.name.value.to_string(),
            principal_kind: p.kind.noun(),
            role: t.role_name(ra.role).to_string(),
            scope: t.scope_path(ra.scope),
            eligible: ra.eligible,
            details,
            place: place(a, ra.scope_ref.span),
        }
    };
    d.role_assignments.extend(one_sided(&m, base, head, entry));
    for &(i, j) in &m.both {
        let (x, y) = (&b.role_assignments[i], &h.role_assignments[j]);
        let mut details = Vec::new();
        let cond = |c: Option<&Text>| c.map(|c| c.value.to_string());
        if cond(x.condition()) != cond(y.condition()) {
            details.push(match (x.condition(), y.condition()) {
                (None, Some(c)) => format!("condition added: {}", c.value),
                (Some(_), None) => "condition removed".to_string(),
                (_, c) => format!(
                    "condition changed to: {}",
                    c.as_ref().map_or("", |c| c.value.as_str())
                ),
            });
        }
        let end = |e: Option<&crate::source::Spanned<jiff::Timestamp>>| e.map(|e| e.value);
        if end(x.end_date_time()) != end(y.end_date_time()) {
            details.push(match end(y.end_date_time()) {
                Some(t) => format!("now ends {t}"),
                None => "no longer ends".to_string(),
            });
        }
        if !details.is_empty() {
            d.role_assignments
                .push(entry(head, j, Change::Modified, details));
        }
    }
    for c in &d.role_assignments {
        affected.principals.insert(lower(&c.principal));
    }
    d.role_assignments.sort_by(|x, y| {
        (
            lower(&x.principal),
            lower(&x.scope),
            lower(&x.role),
            x.change,
        )
            .cmp(&(
                lower(&y.principal),
                lower(&y.scope),
                lower(&y.role),
                y.change,
            ))
    });
}

fn co_administrators(base: &Analysis, head: &Analysis, affected: &mut Affected) {
    let list = |t: &Tenant| -> FxHashSet<(String, String)> {
        t.subscriptions
            .iter()
            .flat_map(|s| {
                s.co_administrators
                    .iter()
                    .map(move |(_, p)| (lower(&s.name.value), lower(&t.principal(*p).name.value)))
            })
            .collect()
    };
    let (b, h) = (list(&base.tenant), list(&head.tenant));
    for (_, p) in b.symmetric_difference(&h) {
        affected.principals.insert(p.clone());
    }
}

fn deny_assignments(base: &Analysis, head: &Analysis, d: &mut TenantDiff, affected: &mut Affected) {
    let (b, h) = (&base.tenant, &head.tenant);
    fn key<'t>(t: &'t Tenant, x: &'t crate::model::DenyAssignment) -> Option<Key<'t>> {
        let name = x.name.as_ref().map_or("", |n| n.value.as_str());
        Some(([&t.scope_paths()[x.scope.index()], name, ""], false))
    }
    let m = match_by(
        b.deny_assignments.iter().map(|x| key(b, x)).collect(),
        h.deny_assignments.iter().map(|x| key(h, x)).collect(),
    );
    let mut touch = |t: &Tenant, x: &crate::model::DenyAssignment| match &x.principals {
        DenyPrincipals::Everyone => affected.everyone = true,
        DenyPrincipals::Listed(l) => {
            for (_, p) in l.iter().chain(&x.exclude_principals) {
                affected
                    .principals
                    .insert(lower(&t.principal(*p).name.value));
            }
        }
    };
    let object = |a: &Analysis, i: usize, change: Change, details: Vec<String>| {
        let t = &a.tenant;
        let x = &t.deny_assignments[i];
        ObjectChange {
            change,
            name: x
                .name
                .as_ref()
                .map(|n| n.value.to_string())
                .unwrap_or_default(),
            scope: t.scope_path(x.scope),
            details,
            place: place(a, x.scope_ref.span),
        }
    };
    for &i in &m.removed {
        touch(b, &b.deny_assignments[i]);
    }
    for &j in &m.added {
        touch(h, &h.deny_assignments[j]);
    }
    d.deny_assignments.extend(one_sided(&m, base, head, object));
    for &(i, j) in &m.both {
        let (x, y) = (&b.deny_assignments[i], &h.deny_assignments[j]);
        let mut details = Vec::new();
        for (what, p, q) in [
            ("actions", &x.actions, &y.actions),
            ("notActions", &x.not_actions, &y.not_actions),
            ("dataActions", &x.data_actions, &y.data_actions),
            ("notDataActions", &x.not_data_actions, &y.not_data_actions),
        ] {
            list_details(&mut details, what, set_diff(p, q));
        }
        let who = |t: &Tenant, x: &crate::model::DenyAssignment| -> Vec<Text> {
            match &x.principals {
                DenyPrincipals::Everyone => vec![Text::new("Everyone".into(), x.scope_ref.span)],
                DenyPrincipals::Listed(l) => l
                    .iter()
                    .map(|(_, p)| t.principal(*p).name.clone())
                    .collect(),
            }
        };
        list_details(&mut details, "principals", set_diff(&who(b, x), &who(h, y)));
        let ex = |t: &Tenant, x: &crate::model::DenyAssignment| -> Vec<Text> {
            x.exclude_principals
                .iter()
                .map(|(_, p)| t.principal(*p).name.clone())
                .collect()
        };
        list_details(
            &mut details,
            "excludePrincipals",
            set_diff(&ex(b, x), &ex(h, y)),
        );
        if x.do_not_apply_to_child_scopes != y.do_not_apply_to_child_scopes {
            details.push(format!(
                "doNotApplyToChildScopes is now {}",
                y.do_not_apply_to_child_scopes
            ));
        }
        if !details.is_empty() {
            touch(b, x);
            touch(h, y);
            d.deny_assignments
                .push(object(head, j, Change::Modified, details));
        }
    }
    d.deny_assignments
        .sort_by_key(|c| (lower(&c.scope), lower(&c.name), c.change));
}

fn json_eq(a: Option<&crate::load::yaml::Node>, b: Option<&crate::load::yaml::Node>) -> bool {
    a.map(|n| n.to_json()) == b.map(|n| n.to_json())
}

fn policy(base: &Analysis, head: &Analysis, d: &mut TenantDiff) {
    let (b, h) = (&base.tenant, &head.tenant);
    // Definitions of the tree (canopy's own built-ins do not change between revisions).
    let m = match_by(
        b.policy_definitions
            .iter()
            .map(|x| name_key(&x.name).filter(|_| !x.builtin))
            .collect(),
        h.policy_definitions
            .iter()
            .map(|x| name_key(&x.name).filter(|_| !x.builtin))
            .collect(),
    );
    let def = |a: &Analysis, i: usize, change: Change, details: Vec<String>| {
        let x = &a.tenant.policy_definitions[i];
        ObjectChange {
            change,
            name: x.name.value.to_string(),
            scope: String::new(),
            details,
            place: place(a, x.name.span),
        }
    };
    d.policy.definitions.extend(one_sided(&m, base, head, def));
    for &(i, j) in &m.both {
        let (x, y) = (&b.policy_definitions[i], &h.policy_definitions[j]);
        let mut details = Vec::new();
        if !json_eq(Some(&x.policy_rule), Some(&y.policy_rule)) {
            details.push("policyRule changed".to_string());
        }
        if !json_eq(x.parameters.as_ref(), y.parameters.as_ref()) {
            details.push("parameters changed".to_string());
        }
        let mode = |m: &Option<Text>| m.as_ref().map(|m| lower(&m.value));
        if mode(&x.mode) != mode(&y.mode) {
            details.push(format!(
                "mode is now {}",
                y.mode.as_ref().map_or("the default", |m| m.value.as_str())
            ));
        }
        if !details.is_empty() {
            d.policy
                .definitions
                .push(def(head, j, Change::Modified, details));
        }
    }
    d.policy
        .definitions
        .sort_by_key(|c| (lower(&c.name), c.change));

    // Assignments, by scope and name.
    fn key<'t>(t: &'t Tenant, s: ScopeId, n: &'t Text) -> Option<Key<'t>> {
        Some(([&t.scope_paths()[s.index()], &n.value, ""], false))
    }
    let m = match_by(
        b.policy_assignments
            .iter()
            .map(|x| key(b, x.scope, &x.name))
            .collect(),
        h.policy_assignments
            .iter()
            .map(|x| key(h, x.scope, &x.name))
            .collect(),
    );
    let assignment = |a: &Analysis, i: usize, change: Change, mut details: Vec<String>| {
        let t = &a.tenant;
        let x = &t.policy_assignments[i];
        let def = &t.policy_definitions[x.policy.index()];
        if change != Change::Modified {
            details.insert(
                0,
                format!(
                    "policy {}{}",
                    def.display_name.as_ref().unwrap_or(&def.name).value,
                    if x.enforced { "" } else { " (DoNotEnforce)" }
                ),
            );
        }
        ObjectChange {
            change,
            name: x.name.value.to_string(),
            scope: t.scope_path(x.scope),
            details,
            place: place(a, x.name.span),
        }
    };
    d.policy
        .assignments
        .extend(one_sided(&m, base, head, assignment));
    for &(i, j) in &m.both {
        let (x, y) = (&b.policy_assignments[i], &h.policy_assignments[j]);
        let mut details = Vec::new();
        let dn = |t: &Tenant, x: &crate::model::PolicyAssignment| {
            lower(&t.policy_definitions[x.policy.index()].name.value)
        };
        if dn(b, x) != dn(h, y) {
            details.push(format!(
                "now assigns {}",
                h.policy_definitions[y.policy.index()].name.value
            ));
        }
        if x.enforced != y.enforced {
            details.push(format!(
                "enforcementMode is now {}",
                if y.enforced {
                    "Default"
                } else {
                    "DoNotEnforce"
                }
            ));
        }
        let params = |p: &[(Text, crate::load::yaml::Node)]| {
            let mut v: Vec<(String, serde_json::Value)> = p
                .iter()
                .map(|(k, n)| (lower(&k.value), n.to_json()))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        if params(&x.parameters) != params(&y.parameters) {
            let before: FxHashMap<String, serde_json::Value> =
                params(&x.parameters).into_iter().collect();
            for (k, v) in params(&y.parameters) {
                if before.get(&k) != Some(&v) {
                    details.push(format!("parameter {k} is now {v}"));
                }
            }
            let after: FxHashSet<String> = params(&y.parameters).into_iter().map(|p| p.0).collect();
            for (k, _) in params(&x.parameters) {
                if !after.contains(&k) {
                    details.push(format!("parameter {k} removed"));
                }
            }
        }
        let ns = |t: &Tenant, x: &crate::model::PolicyAssignment| -> Vec<Text> {
            x.not_scopes
                .iter()
                .map(|(n, s)| Text::new(t.scope_path(*s).into(), n.span))
                .collect()
        };
        list_details(&mut details, "notScopes", set_diff(&ns(b, x), &ns(h, y)));
        if !details.is_empty() {
            d.policy
                .assignments
                .push(assignment(head, j, Change::Modified, details));
        }
    }
    d.policy
        .assignments
        .sort_by_key(|c| (lower(&c.scope), lower(&c.name), c.change));

    // Exemptions, by scope and name.
    let m = match_by(
        b.policy_exemptions
            .iter()
            .map(|x| key(b, x.scope, &x.name))
            .collect(),
        h.policy_exemptions
            .iter()
            .map(|x| key(h, x.scope, &x.name))
            .collect(),
    );
    let exemption = |a: &Analysis, i: usize, change: Change, mut details: Vec<String>| {
        let t = &a.tenant;
        let x = &t.policy_exemptions[i];
        if change != Change::Modified {
            let pa = &t.policy_assignments[x.policy_assignment.index()];
            details.insert(
                0,
                format!(
                    "{} of {}{}",
                    x.category.value,
                    pa.name.value,
                    x.expires_on
                        .as_ref()
                        .map(|e| format!(", expires {}", e.value))
                        .unwrap_or_default()
                ),
            );
        }
        ObjectChange {
            change,
            name: x.name.value.to_string(),
            scope: t.scope_path(x.scope),
            details,
            place: place(a, x.name.span),
        }
    };
    d.policy
        .exemptions
        .extend(one_sided(&m, base, head, exemption));
    for &(i, j) in &m.both {
        let (x, y) = (&b.policy_exemptions[i], &h.policy_exemptions[j]);
        let mut details = Vec::new();
        let pa = |t: &Tenant, x: &crate::model::PolicyExemption| {
            let a = &t.policy_assignments[x.policy_assignment.index()];
            (
                lower(&t.scope_paths()[a.scope.index()]),
                lower(&a.name.value),
            )
        };
        if pa(b, x) != pa(h, y) {
            details.push(format!(
                "now exempts from {}",
                h.policy_assignments[y.policy_assignment.index()].name.value
            ));
        }
        if !x.category.value.eq_ignore_ascii_case(&y.category.value) {
            details.push(format!("category is now {}", y.category.value));
        }
        let exp = |x: &crate::model::PolicyExemption| x.expires_on.as_ref().map(|e| e.value);
        if exp(x) != exp(y) {
            details.push(match exp(y) {
                Some(t) => format!("now expires {t}"),
                None => "no longer expires".to_string(),
            });
        }
        if !details.is_empty() {
            d.policy
                .exemptions
                .push(exemption(head, j, Change::Modified, details));
        }
    }
    d.policy
        .exemptions
        .sort_by_key(|c| (lower(&c.scope), lower(&c.name), c.change));
}
