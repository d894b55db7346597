//! Effective access before and after a change, compared per person (user or service
//! principal), scope and role, with Azure's rules as [`crate::access`] applies them: group
//! membership is transitive, disabled accounts get nothing, expired assignments grant nothing,
//! eligible (PIM) assignments are kept apart, and deny assignments decide the escalations.
//!
//! Only the people a change can reach are evaluated: the assignees of changed role
//! assignments, the members (transitively) of changed groups, the holders of edited roles, the
//! principals of changed deny assignments and co-administrators, and, for a scope moved to
//! another parent, the holders of roles on the ancestors it left or joined. So a diff of a
//! few files in a tenant of 40,000 assignments evaluates a handful of people, not 20,000.

use super::objects::Affected;
use super::{AccessChanges, Place, lower};
use crate::Analysis;
use crate::access::report::{POLICY_ASSIGNMENTS_WRITE, ROLE_ASSIGNMENTS_WRITE, scope_kind};
use crate::access::{Access, Grant, Plane, Source, role_grants};
use crate::load::kinds::PrincipalKind;
use crate::model::{AssignmentId, PrincipalId, RoleRef, ScopeId};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// One role a person holds at a scope (and below), gained or lost by the change.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    pub principal: String,
    pub principal_kind: &'static str,
    pub role: String,
    /// Where the access starts: it holds there and on every scope below.
    pub scope: String,
    pub scope_kind: &'static str,
    /// A PIM eligible assignment: nothing until activated.
    pub eligible: bool,
    /// The grant depends on an ABAC condition.
    pub conditional: bool,
    /// Who the assignment is made to (the person, or a group it belongs to).
    pub assigned_to: String,
    /// From the person to the assignee: `[omar, jill-team]`.
    pub via: Vec<String>,
    /// For a scope moved to another parent: the ancestor the role is inherited from.
    pub inherited_from: Option<String>,
    /// The same role is held at this enclosing scope on the other side of the change, so the
    /// person's reach does not actually change.
    pub also_held_at: Option<String>,
    #[serde(flatten)]
    pub place: Place,
}

/// What an escalation makes a principal able to do.
#[derive(Serialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "camelCase")]
pub enum Capability {
    /// `Microsoft.Authorization/roleAssignments/write`: can grant any access, itself included.
    RoleAssignmentsWrite,
    /// `Microsoft.Authorization/policyAssignments/write`: can assign or remove policy.
    PolicyAssignmentsWrite,
    /// The Owner role.
    Owner,
}

/// `is now Owner and can now write role assignments, policy assignments`.
pub fn describe_capabilities(caps: &[Capability]) -> String {
    let owner = caps.contains(&Capability::Owner);
    let writes: Vec<&str> = caps
        .iter()
        .filter(|c| **c != Capability::Owner)
        .map(|c| match c {
            Capability::RoleAssignmentsWrite => "role assignments",
            _ => "policy assignments",
        })
        .collect();
    let mut s = String::new();
    if owner {
        s.push_str("is now Owner");
    }
    if !writes.is_empty() {
        if owner {
            s.push_str(" and ");
        }
        s.push_str("can now write ");
        s.push_str(&writes.join(" and "));
    }
    s
}

impl Capability {
    pub const ALL: [Capability; 3] = [
        Capability::RoleAssignmentsWrite,
        Capability::PolicyAssignmentsWrite,
        Capability::Owner,
    ];

    pub fn describe(self) -> &'static str {
        match self {
            Capability::RoleAssignmentsWrite => "write role assignments",
            Capability::PolicyAssignmentsWrite => "write policy assignments",
            Capability::Owner => "Owner",
        }
    }
}

/// A principal newly able to escalate at a scope, through one role: to grant access, to change
/// policy, or as Owner.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Escalation {
    pub principal: String,
    pub principal_kind: &'static str,
    /// What the principal can newly do there, in [`Capability::ALL`] order.
    pub capabilities: Vec<Capability>,
    /// The operations behind the write capabilities.
    pub actions: Vec<&'static str>,
    pub scope: String,
    pub role: String,
    pub via: Vec<String>,
    pub conditional: bool,
    #[serde(flatten)]
    pub place: Place,
}

/// A person holding a role, and how.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Holder {
    pub principal: String,
    pub scope: String,
    pub via: Vec<String>,
}

pub struct Delta {
    pub access: AccessChanges,
    pub escalations: Vec<Escalation>,
}

/// One side of the change, indexed for lookups by name and by scope path.
struct Side<'a> {
    a: &'a Analysis,
    access: Access<'a>,
    /// Scope ids by lowercase path.
    paths: FxHashMap<String, ScopeId>,
}

type Key = (String, String, bool);

/// A person's grants in force on one side.
#[derive(Default)]
struct Grants {
    active: Vec<Grant>,
    eligible: Vec<Grant>,
}

impl<'a> Side<'a> {
    fn new(a: &'a Analysis, now: jiff::Timestamp) -> Side<'a> {
        let t = &a.tenant;
        let paths = (0..t.scopes.len() as u32)
            .map(|i| (lower(&t.scope_paths()[i as usize]), ScopeId(i)))
            .collect();
        Side {
            a,
            access: Access::new(t, now),
            paths,
        }
    }

    fn find(&self, name: &str) -> Option<PrincipalId> {
        self.a.tenant.find_principal(name)
    }

    /// The scope of this side with `path`, or where it is missing, the nearest ancestor (in
    /// `other`, where the path exists) that this side has.
    fn scope_like(&self, other: &Side, path: &str) -> Option<ScopeId> {
        if let Some(s) = self.paths.get(path) {
            return Some(*s);
        }
        let o = other.paths.get(path)?;
        let ot = &other.a.tenant;
        ot.scopes.ancestors(*o).skip(1).find_map(|anc| {
            self.paths
                .get(&lower(&ot.scope_paths()[anc.index()]))
                .copied()
        })
    }

    /// A person's grants in force (active, eligible), computed once per person and side:
    /// nothing for a disabled account or a group.
    fn grants(&self, p: PrincipalId) -> Grants {
        let pr = self.a.tenant.principal(p);
        if pr.kind == PrincipalKind::Group || !pr.enabled.value {
            return Grants::default();
        }
        let (active, eligible) = self.access.grants_of(p);
        Grants { active, eligible }
    }

    /// A person's effective roles, by (scope, role, eligible): the first grant found (the
    /// shortest membership path).
    fn entries(&self, grants: &Grants) -> FxHashMap<Key, (Grant, bool)> {
        let t = &self.a.tenant;
        let mut out = FxHashMap::default();
        for (g, e) in grants
            .active
            .iter()
            .map(|g| (g, false))
            .chain(grants.eligible.iter().map(|g| (g, true)))
        {
            let key = (
                lower(&t.scope_paths()[g.scope.index()]),
                lower(t.role_name(g.role)),
                e,
            );
            out.entry(key).or_insert_with(|| (g.clone(), e));
        }
        out
    }

    /// Whether the person holds `role` (active) at `scope` or above: where.
    fn holds_role(&self, grants: &Grants, role: &str, scope: ScopeId) -> Option<String> {
        let t = &self.a.tenant;
        grants
            .active
            .iter()
            .filter(|g| t.role_name(g.role).eq_ignore_ascii_case(role))
            .find(|g| t.scopes.contains(g.scope, scope))
            .map(|g| t.scope_path(g.scope))
    }

    /// Whether `p` has the capability at `scope`, deny assignments considered: what
    /// [`Access::check`] decides, from grants already computed.
    fn capable(&self, p: PrincipalId, grants: &Grants, cap: Capability, scope: ScopeId) -> bool {
        let t = &self.a.tenant;
        let Some(action) = capability_action(cap) else {
            return self.holds_role(grants, "Owner", scope).is_some();
        };
        grants.active.iter().any(|g| {
            t.scopes.contains(g.scope, scope)
                && role_grants(t, g.role, action, Plane::Control).is_some()
        }) && self
            .access
            .denials(p, action, Plane::Control, scope)
            .is_empty()
    }

    fn entry(&self, p: PrincipalId, g: &Grant, eligible: bool, scope: ScopeId) -> AccessEntry {
        let t = &self.a.tenant;
        let pr = t.principal(p);
        AccessEntry {
            principal: pr.name.value.to_string(),
            principal_kind: pr.kind.noun(),
            role: t.role_name(g.role).to_string(),
            scope: t.scope_path(scope),
            scope_kind: scope_kind(t, scope),
            eligible,
            conditional: g.conditional() || role_is_conditional(g.role),
            assigned_to: g
                .path
                .last()
                .map(|q| t.principal(*q).name.value.to_string())
                .unwrap_or_default(),
            via: g
                .path
                .iter()
                .map(|q| t.principal(*q).name.value.to_string())
                .collect(),
            inherited_from: (scope != g.scope).then(|| t.scope_path(g.scope)),
            also_held_at: None,
            place: self.place(g),
        }
    }

    fn place(&self, g: &Grant) -> Place {
        let t = &self.a.tenant;
        let span = match g.source {
            Source::Assignment(id) => Some(t.role_assignments[id.index()].scope_ref.span),
            Source::CoAdministrator(s) => t
                .sub(s)
                .co_administrators
                .iter()
                .find(|(_, p)| Some(p) == g.path.last())
                .map(|(text, _)| text.span),
        };
        span.map_or_else(Place::default, |s| Place::of(self.a, s))
    }
}

/// A built-in role every permission block of which carries an ABAC condition.
fn role_is_conditional(role: RoleRef) -> bool {
    match role {
        RoleRef::BuiltIn(r) => {
            !r.permissions.is_empty() && r.permissions.iter().all(|b| b.condition.is_some())
        }
        RoleRef::Custom(_) => false,
    }
}

fn capability_action(cap: Capability) -> Option<&'static str> {
    match cap {
        Capability::RoleAssignmentsWrite => Some(ROLE_ASSIGNMENTS_WRITE),
        Capability::PolicyAssignmentsWrite => Some(POLICY_ASSIGNMENTS_WRITE),
        Capability::Owner => None,
    }
}

/// Whether a role gives a capability (before deny assignments).
fn role_gives(a: &Analysis, role: RoleRef, cap: Capability) -> Option<bool> {
    let t = &a.tenant;
    match capability_action(cap) {
        None => t
            .role_name(role)
            .eq_ignore_ascii_case("Owner")
            .then_some(false),
        Some(action) => role_grants(t, role, action, Plane::Control)
            .map(|c| !c.is_empty() || role_is_conditional(role)),
    }
}

/// What one person gains, loses and newly can escalate to.
#[derive(Default)]
struct PersonDelta {
    gained: Vec<AccessEntry>,
    lost: Vec<AccessEntry>,
    escalations: Vec<Escalation>,
}

fn person_delta(base: &Side, head: &Side, name: &str) -> PersonDelta {
    let pb = base.find(name);
    let ph = head.find(name);
    let gb = pb.map(|p| base.grants(p)).unwrap_or_default();
    let gh = ph.map(|p| head.grants(p)).unwrap_or_default();
    let eb = base.entries(&gb);
    let eh = head.entries(&gh);
    let mut d = PersonDelta::default();
    if let Some(ph) = ph {
        for (k, (g, eligible)) in &eh {
            if eb.contains_key(k) {
                continue;
            }
            let mut e = head.entry(ph, g, *eligible, g.scope);
            if let Some(sb) = base.scope_like(head, &k.0) {
                e.also_held_at = base.holds_role(&gb, &e.role, sb);
            }
            d.gained.push(e);
        }
        // Escalations: every capability the person has after and not before, at each scope
        // an assignment gives it.
        let mut seen = FxHashSet::default();
        let mut grants: Vec<&(Grant, bool)> = eh.values().filter(|(_, e)| !e).collect();
        // Outermost scopes first, then by role name: the escalation names one role per scope,
        // the same on every run.
        let t = &head.a.tenant;
        grants.sort_by_cached_key(|(g, _)| {
            (
                t.scope_paths()[g.scope.index()].len(),
                g.scope,
                lower(t.role_name(g.role)),
            )
        });
        for (g, _) in grants {
            let path = lower(&head.a.tenant.scope_paths()[g.scope.index()]);
            let sb = base.scope_like(head, &path);
            let new = new_capabilities(head.a, g.role, |cap| {
                seen.insert((cap, g.scope))
                    && head.capable(ph, &gh, cap, g.scope)
                    && !matches!((pb, sb), (Some(pb), Some(sb)) if base.capable(pb, &gb, cap, sb))
            });
            if let Some((caps, conditional)) = new {
                d.escalations
                    .push(escalation(head, ph, g, caps, g.scope, conditional));
            }
        }
    }
    if let Some(pb) = pb {
        for (k, (g, eligible)) in &eb {
            if eh.contains_key(k) {
                continue;
            }
            let mut e = base.entry(pb, g, *eligible, g.scope);
            if let Some(sh) = head.scope_like(base, &k.0) {
                e.also_held_at = head.holds_role(&gh, &e.role, sh);
            }
            d.lost.push(e);
        }
    }
    d
}

/// The capabilities a role gives that `new` accepts as newly gained, and whether any is
/// conditional; `None` when there are none.
fn new_capabilities(
    a: &Analysis,
    role: RoleRef,
    mut new: impl FnMut(Capability) -> bool,
) -> Option<(Vec<Capability>, bool)> {
    let mut caps = Vec::new();
    let mut conditional = false;
    for cap in Capability::ALL {
        if let Some(c) = role_gives(a, role, cap)
            && new(cap)
        {
            caps.push(cap);
            conditional |= c;
        }
    }
    (!caps.is_empty()).then_some((caps, conditional))
}

fn escalation(
    side: &Side,
    p: PrincipalId,
    g: &Grant,
    capabilities: Vec<Capability>,
    scope: ScopeId,
    conditional: bool,
) -> Escalation {
    let t = &side.a.tenant;
    let pr = t.principal(p);
    Escalation {
        principal: pr.name.value.to_string(),
        principal_kind: pr.kind.noun(),
        actions: capabilities
            .iter()
            .filter_map(|c| capability_action(*c))
            .collect(),
        capabilities,
        scope: t.scope_path(scope),
        role: t.role_name(g.role).to_string(),
        via: g
            .path
            .iter()
            .map(|q| t.principal(*q).name.value.to_string())
            .collect(),
        conditional: conditional || g.conditional(),
        place: side.place(g),
    }
}

/// The people (enabled users and service principals, lowercase names) a principal stands for.
fn people_of(side: &Side, name: &str, out: &mut FxHashSet<String>) {
    if let Some(p) = side.find(name) {
        for (q, _) in side.access.people(p) {
            out.insert(lower(&side.a.tenant.principal(q).name.value));
        }
    }
}

/// Role assignments by the scope they are made at.
fn by_scope(side: &Side) -> Vec<Vec<AssignmentId>> {
    let t = &side.a.tenant;
    let mut v = vec![Vec::new(); t.scopes.len()];
    for (i, a) in t.role_assignments.iter().enumerate() {
        v[a.scope.index()].push(AssignmentId(i as u32));
    }
    v
}

/// What people inherit at a moved scope from the ancestors it has on this side and not on
/// the other: (person, role, eligible) → (person id, grant).
fn inherited_at(
    side: &Side,
    other: &Side,
    path: &str,
    index: &[Vec<AssignmentId>],
) -> FxHashMap<(String, String, bool), (PrincipalId, Grant, bool)> {
    let t = &side.a.tenant;
    let mut out = FxHashMap::default();
    let (Some(&s), Some(&o)) = (side.paths.get(path), other.paths.get(path)) else {
        return out;
    };
    let ot = &other.a.tenant;
    let theirs: FxHashSet<String> = ot
        .scopes
        .ancestors(o)
        .skip(1)
        .map(|x| lower(&ot.scope_paths()[x.index()]))
        .collect();
    let now = side.access.now();
    for anc in t.scopes.ancestors(s).skip(1) {
        if theirs.contains(&lower(&t.scope_paths()[anc.index()])) {
            continue; // an ancestor on both sides gives the same either way
        }
        for id in &index[anc.index()] {
            let ra = &t.role_assignments[id.index()];
            if ra.end_date_time().is_some_and(|e| e.value <= now) {
                continue;
            }
            for (q, path) in side.access.people(ra.principal) {
                let pr = t.principal(q);
                if !pr.enabled.value {
                    continue;
                }
                let mut via = path;
                via.reverse();
                let key = (
                    lower(&pr.name.value),
                    lower(t.role_name(ra.role)),
                    ra.eligible,
                );
                out.entry(key).or_insert_with(|| {
                    (
                        q,
                        Grant {
                            source: Source::Assignment(*id),
                            role: ra.role,
                            scope: ra.scope,
                            path: via.into(),
                            conditions: ra
                                .condition()
                                .iter()
                                .map(|c| c.value.to_string())
                                .collect(),
                        },
                        ra.eligible,
                    )
                });
            }
        }
    }
    out
}

/// Effective access before and after, for the people `affected` and `moved` reach; with
/// `only`, for those of them whom that principal stands for (itself, or a group's members).
pub fn compare(
    base: &Analysis,
    head: &Analysis,
    affected: &Affected,
    moved: &[String],
    now: jiff::Timestamp,
    only: Option<&str>,
) -> Delta {
    let (b, h) = crate::in_pool(|| rayon::join(|| Side::new(base, now), || Side::new(head, now)));
    let only: Option<FxHashSet<String>> = only.map(|name| {
        let mut set = FxHashSet::default();
        set.insert(lower(name));
        people_of(&b, &lower(name), &mut set);
        people_of(&h, &lower(name), &mut set);
        set
    });
    let wanted = |name: &str| only.as_ref().is_none_or(|set| set.contains(name));
    let mut persons: FxHashSet<String> = FxHashSet::default();
    if affected.everyone {
        for side in [&b, &h] {
            for p in &side.a.tenant.principals {
                if p.kind != PrincipalKind::Group {
                    persons.insert(lower(&p.name.value));
                }
            }
        }
    } else {
        for name in &affected.principals {
            people_of(&b, name, &mut persons);
            people_of(&h, name, &mut persons);
        }
    }
    let mut persons: Vec<String> = persons.into_iter().filter(|p| wanted(p)).collect();
    persons.sort();
    let deltas: Vec<PersonDelta> = crate::in_pool(|| {
        persons
            .par_iter()
            .map(|n| person_delta(&b, &h, n))
            .collect()
    });
    let mut gained = Vec::new();
    let mut lost = Vec::new();
    let mut escalations = Vec::new();
    for d in deltas {
        gained.extend(d.gained);
        lost.extend(d.lost);
        escalations.extend(d.escalations);
    }
    if !moved.is_empty() {
        let (ib, ih) = (by_scope(&b), by_scope(&h));
        // Grants per person and side, computed once however many moved scopes reach them.
        let mut cache_b: FxHashMap<PrincipalId, Grants> = FxHashMap::default();
        let mut cache_h: FxHashMap<PrincipalId, Grants> = FxHashMap::default();
        for path in moved {
            let before = inherited_at(&b, &h, path, &ib);
            let after = inherited_at(&h, &b, path, &ih);
            let (Some(&sb), Some(&sh)) = (b.paths.get(path), h.paths.get(path)) else {
                continue;
            };
            for (k, (p, g, eligible)) in &after {
                if before.contains_key(k) || !wanted(&k.0) {
                    continue;
                }
                let mut e = h.entry(*p, g, *eligible, sh);
                let pb = b.find(&k.0);
                let empty = Grants::default();
                let gb = match pb {
                    Some(pb) => &*cache_b.entry(pb).or_insert_with(|| b.grants(pb)),
                    None => &empty,
                };
                e.also_held_at = b.holds_role(gb, &e.role, sb);
                if e.also_held_at.is_none() && !eligible {
                    let gh = cache_h.entry(*p).or_insert_with(|| h.grants(*p));
                    let new = new_capabilities(head, g.role, |cap| {
                        !pb.is_some_and(|pb| b.capable(pb, gb, cap, sb))
                            && h.capable(*p, gh, cap, sh)
                    });
                    if let Some((caps, conditional)) = new {
                        escalations.push(escalation(&h, *p, g, caps, sh, conditional));
                    }
                }
                gained.push(e);
            }
            for (k, (p, g, eligible)) in &before {
                if after.contains_key(k) || !wanted(&k.0) {
                    continue;
                }
                let mut e = b.entry(*p, g, *eligible, sb);
                if let Some(ph) = h.find(&k.0) {
                    let gh = cache_h.entry(ph).or_insert_with(|| h.grants(ph));
                    e.also_held_at = h.holds_role(gh, &e.role, sh);
                }
                lost.push(e);
            }
        }
    }
    let order = |e: &AccessEntry| {
        (
            lower(&e.principal),
            lower(&e.scope),
            lower(&e.role),
            e.eligible,
        )
    };
    for list in [&mut gained, &mut lost] {
        list.sort_by_cached_key(order);
        list.dedup_by(|x, y| order(x) == order(y));
    }
    escalations.sort_by_cached_key(|e| (lower(&e.principal), lower(&e.scope), lower(&e.role)));
    escalations
        .dedup_by(|x, y| x.principal == y.principal && x.scope == y.scope && x.role == y.role);
    Delta {
        access: AccessChanges {
            gained,
            lost,
            ..AccessChanges::default()
        },
        escalations,
    }
}

/// Everyone holding a role (by name) in a tree, at the scope each holds it, and how.
pub fn holders(access: &Access, role: &str) -> Vec<Holder> {
    let t = access.tenant;
    let now = access.now();
    let mut out: Vec<Holder> = Vec::new();
    for ra in &t.role_assignments {
        if ra.eligible
            || !t.role_name(ra.role).eq_ignore_ascii_case(role)
            || ra.end_date_time().is_some_and(|e| e.value <= now)
        {
            continue;
        }
        for (q, path) in access.people(ra.principal) {
            if !t.principal(q).enabled.value {
                continue;
            }
            out.push(Holder {
                principal: t.principal(q).name.value.to_string(),
                scope: t.scope_path(ra.scope),
                via: path
                    .iter()
                    .rev()
                    .map(|x| t.principal(*x).name.value.to_string())
                    .collect(),
            });
        }
    }
    out.sort_by_cached_key(|h| (lower(&h.principal), lower(&h.scope)));
    out.dedup_by(|x, y| {
        lower(&x.principal) == lower(&y.principal) && lower(&x.scope) == lower(&y.scope)
    });
    out
}
