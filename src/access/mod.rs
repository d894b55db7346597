//! Effective access: who can do what where, and why, as Azure decides it.
//!
//! Azure's rules, each cited where it is applied:
//! - A role grants an action when one of its permission blocks has an `actions` pattern that
//!   matches it and none of *that block's* `notActions` does. NotActions are not denies: another
//!   role (or block) that grants the action still grants it.
//!   <https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions>
//! - Control-plane patterns (`actions`) never grant data actions, and the other way round:
//!   Owner's `*` grants no blob read.
//!   <https://learn.microsoft.com/azure/role-based-access-control/role-definitions#dataactions>
//! - An assignment at a scope applies at that scope and every scope below it.
//! - A principal holds the assignments made to it and to every group it belongs to,
//!   transitively through nested groups.
//! - Disabled users and service principals get nothing.
//! - A deny assignment that matches wins over any grant; it applies below its scope unless
//!   `doNotApplyToChildScopes`.
//!   <https://learn.microsoft.com/azure/role-based-access-control/deny-assignments>
//! - A grant that depends on an ABAC condition (the role's or the assignment's) is conditional:
//!   canopy cannot know run-time attributes, so it says so instead of claiming full access.
//! - Eligible (PIM) assignments grant nothing until activated; expired ones grant nothing.

pub mod report;

use crate::builtin::{self, PatternMatch};
use crate::load::kinds::PrincipalKind;
use crate::model::{
    AssignmentId, ByPrincipal, ByPrincipalIndexes, DenyId, DenyPrincipals, PrincipalId, RoleRef,
    ScopeId, SubId, Tenant,
};
use crate::source::Text;
use std::collections::VecDeque;

/// Whether an action is a control-plane (management) or a data-plane operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plane {
    Control,
    Data,
}

impl Plane {
    /// The plane of a published operation; `None` for a name Azure does not publish.
    pub fn of(action: &str) -> Option<Plane> {
        match builtin::classify_pattern(action) {
            PatternMatch::Data => Some(Plane::Data),
            PatternMatch::Control | PatternMatch::Both => Some(Plane::Control),
            PatternMatch::None => None,
        }
    }
}

/// Why a principal holds an assignment: the assignment itself, or classic co-administration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Assignment(AssignmentId),
    /// A classic subscription co-administrator, which Azure treats as Owner there.
    CoAdministrator(SubId),
}

/// One assignment that reaches a principal at a scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub source: Source,
    pub role: RoleRef,
    /// Where the assignment was made (the scope it applies from).
    pub scope: ScopeId,
    /// From the principal asked about to the assignee: `[omar, jill-team]` when omar is in
    /// jill-team and the assignment is to jill-team; `[omar]` when made to omar directly.
    /// Shared by every grant through the same membership ([`SharedPaths`]).
    pub path: std::sync::Arc<[PrincipalId]>,
    /// ABAC conditions this grant depends on (the role block's, the assignment's).
    pub conditions: Vec<String>,
}

impl Grant {
    pub fn conditional(&self) -> bool {
        !self.conditions.is_empty()
    }
}

/// An assignment (or co-administration) that reaches a principal, before it is made a
/// [`Grant`]: see [`Access::reaches`].
#[derive(Clone, Copy, Debug)]
pub struct Reach {
    pub source: Source,
    pub role: RoleRef,
    pub scope: ScopeId,
    /// Eligible (PIM): granted only once activated.
    pub eligible: bool,
    /// The assignment carries an ABAC condition: [`Grant::conditions`] will not be empty.
    pub conditional: bool,
    /// Which of the memberships walked holds it, by index.
    pub through: usize,
}

/// The path to each membership's holder, made once and shared by every grant through it:
/// the access report at Azure's limits has 3.7 million grants, and a list apiece was an
/// allocation apiece. Most memberships hold no role, so paths are made only when asked for.
pub struct SharedPaths<'m> {
    memberships: &'m [(PrincipalId, Vec<PrincipalId>)],
    made: Vec<Option<std::sync::Arc<[PrincipalId]>>>,
}

impl<'m> SharedPaths<'m> {
    pub fn new(memberships: &'m [(PrincipalId, Vec<PrincipalId>)]) -> Self {
        SharedPaths {
            memberships,
            made: vec![None; memberships.len()],
        }
    }

    /// The path to the holder of the `through`-th membership.
    pub fn of(&mut self, through: usize) -> std::sync::Arc<[PrincipalId]> {
        self.made[through]
            .get_or_insert_with(|| self.memberships[through].1.as_slice().into())
            .clone()
    }
}

/// A deny assignment that removes the access, and how it reaches the principal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    pub deny: DenyId,
    /// From the principal to the listed principal (`[p]` when listed directly or for Everyone).
    pub path: Vec<PrincipalId>,
}

/// The answer to "can P do A at S?", with every reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// Allowed only under ABAC conditions canopy cannot evaluate.
    pub conditional: bool,
    /// The principal is a disabled account: it gets nothing.
    pub disabled: bool,
    /// Every grant that gives the access.
    pub grants: Vec<Grant>,
    /// Every deny assignment that removes it.
    pub denies: Vec<Denial>,
    /// Eligible (PIM) assignments that would grant it once activated.
    pub eligible: Vec<Grant>,
    /// Assignments that apply at the scope but whose role does not grant the action.
    pub other_roles: Vec<Grant>,
}

/// Indices over a tenant for access questions, built once.
pub struct Access<'t> {
    pub tenant: &'t Tenant,
    /// The groups each principal is a direct member of.
    member_of: &'t ByPrincipal,
    /// Role assignments made to each principal.
    assigned: &'t ByPrincipal,
    /// Subscriptions each principal co-administers.
    co_administers: &'t ByPrincipal,
    /// The moment expiry is judged against.
    now: jiff::Timestamp,
}

impl<'t> Access<'t> {
    /// Borrows the tenant's per-principal indexes, built when it was resolved, so that one
    /// question costs only its own answer.
    pub fn new(tenant: &'t Tenant, now: jiff::Timestamp) -> Self {
        let ByPrincipalIndexes {
            member_of,
            assigned,
            co_administers,
        } = &tenant.by_principal;
        Access {
            tenant,
            member_of,
            assigned,
            co_administers,
            now,
        }
    }

    /// The moment expiry is judged against.
    pub fn now(&self) -> jiff::Timestamp {
        self.now
    }

    /// The principal and every group it belongs to, transitively, each with the path from the
    /// principal to it. Breadth-first, so each path is a shortest one; cycles end the walk.
    pub fn memberships(&self, p: PrincipalId) -> Vec<(PrincipalId, Vec<PrincipalId>)> {
        // `canopy access report` asks this of every person, twice, so it allocates little: the
        // list is its own queue, read in the order it grows; the groups met are looked for in
        // it while they are few (nearly everyone) and in a set past that, never in a flag per
        // principal (clearing 100,000 flags for each was 12 GB of memset at Azure's limits);
        // and each path is made at its final size.
        const FEW: usize = 32;
        let mut out = Vec::with_capacity(8);
        out.push((p, vec![p]));
        let mut seen: Option<rustc_hash::FxHashSet<PrincipalId>> = None;
        let mut next = 0;
        while let Some(&(q, _)) = out.get(next) {
            for g in self.member_of.of(q).iter().map(|g| PrincipalId(*g)) {
                let new = match &mut seen {
                    Some(set) => set.insert(g),
                    None => out.iter().all(|(m, _)| *m != g),
                };
                if !new {
                    continue;
                }
                let to_q = &out[next].1;
                let mut path = Vec::with_capacity(to_q.len() + 1);
                path.extend_from_slice(to_q);
                path.push(g);
                out.push((g, path));
                if seen.is_none() && out.len() > FEW {
                    seen = Some(out.iter().map(|(m, _)| *m).collect());
                }
            }
            next += 1;
        }
        out
    }

    /// Every user and service principal a principal stands for: itself if it is one, or the
    /// transitive members of a group, each with the path from the group down to it.
    pub fn people(&self, p: PrincipalId) -> Vec<(PrincipalId, Vec<PrincipalId>)> {
        let t = self.tenant;
        let mut seen = vec![false; t.principals.len()];
        let mut out = Vec::new();
        let mut queue = VecDeque::from([(p, vec![p])]);
        seen[p.index()] = true;
        while let Some((q, path)) = queue.pop_front() {
            let principal = t.principal(q);
            if principal.kind == PrincipalKind::Group {
                for (_, m) in &principal.members {
                    if !seen[m.index()] {
                        seen[m.index()] = true;
                        let mut next = path.clone();
                        next.push(*m);
                        queue.push_back((*m, next));
                    }
                }
            } else {
                out.push((q, path));
            }
        }
        out
    }

    /// Every assignment that reaches `p` and is in force now (not eligible, not expired),
    /// with the path through which it reaches `p`. Includes co-administration as Owner.
    pub fn grants_of(&self, p: PrincipalId) -> (Vec<Grant>, Vec<Grant>) {
        self.grants_through(&self.memberships(p))
    }

    /// [`Access::grants_of`] with the principal's [`Access::memberships`] already computed,
    /// for callers that need them for deny assignments too.
    pub fn grants_through(
        &self,
        memberships: &[(PrincipalId, Vec<PrincipalId>)],
    ) -> (Vec<Grant>, Vec<Grant>) {
        let mut active = Vec::new();
        let mut eligible = Vec::new();
        let mut paths = SharedPaths::new(memberships);
        self.reaches(memberships, |reach| {
            let grant = self.grant(reach, paths.of(reach.through));
            match reach.eligible {
                true => eligible.push(grant),
                false => active.push(grant),
            }
        });
        (active, eligible)
    }

    /// Calls `f` with every assignment in force now (not expired) that reaches a principal
    /// through its [`Access::memberships`], eligible ones included, and with co-administration
    /// as Owner: [`Access::grants_through`] without making the grants, for callers that keep
    /// only a few of millions.
    pub fn reaches(
        &self,
        memberships: &[(PrincipalId, Vec<PrincipalId>)],
        mut f: impl FnMut(Reach),
    ) {
        let t = self.tenant;
        for (through, &(holder, _)) in memberships.iter().enumerate() {
            for a in self.assigned.of(holder).iter().map(|a| AssignmentId(*a)) {
                let ra = &t.role_assignments[a.index()];
                if ra.end_date_time().is_some_and(|e| e.value <= self.now) {
                    continue;
                }
                f(Reach {
                    source: Source::Assignment(a),
                    role: ra.role,
                    scope: ra.scope,
                    eligible: ra.eligible,
                    conditional: ra.condition().is_some(),
                    through,
                });
            }
            self.co_administrator_reaches(holder, through, |_, reach| f(reach));
        }
    }

    /// The role assignments made to each principal, by principal: the tenant's index.
    pub(crate) fn assignments_by_holder(&self) -> &'t ByPrincipal {
        self.assigned
    }

    /// What co-administration grants `holder` itself: Owner of each subscription it
    /// co-administers, as [`Access::reaches`] finds it after the holder's assignments; `f`
    /// is given the subscription too.
    pub(crate) fn co_administrator_reaches(
        &self,
        holder: PrincipalId,
        through: usize,
        mut f: impl FnMut(SubId, Reach),
    ) {
        for s in self.co_administers.of(holder).iter().map(|s| SubId(*s)) {
            f(
                s,
                Reach {
                    source: Source::CoAdministrator(s),
                    role: RoleRef::BuiltIn(builtin::owner()),
                    scope: self.tenant.sub(s).scope,
                    eligible: false,
                    conditional: false,
                    through,
                },
            );
        }
    }

    /// The grant a [`Reach`] makes, with the path to its holder.
    pub fn grant(&self, reach: Reach, path: std::sync::Arc<[PrincipalId]>) -> Grant {
        let conditions = match reach.source {
            Source::Assignment(a) => self.tenant.role_assignments[a.index()]
                .condition()
                .iter()
                .map(|c| c.value.to_string())
                .collect(),
            Source::CoAdministrator(_) => Vec::new(),
        };
        Grant {
            source: reach.source,
            role: reach.role,
            scope: reach.scope,
            path,
            conditions,
        }
    }

    /// Can `p` perform `action` (of `plane`) at `scope`? With every grant and deny behind it.
    pub fn check(&self, p: PrincipalId, action: &str, plane: Plane, scope: ScopeId) -> Decision {
        let t = self.tenant;
        if !t.principal(p).enabled.value {
            return Decision {
                disabled: true,
                ..Decision::default()
            };
        }
        let (active, eligible) = self.grants_of(p);
        let applies = |g: &Grant| t.scopes.contains(g.scope, scope);
        let mut d = Decision::default();
        for mut g in active.into_iter().filter(applies) {
            match role_grants(t, g.role, action, plane) {
                Some(block_conditions) => {
                    g.conditions.extend(block_conditions);
                    d.grants.push(g);
                }
                None => d.other_roles.push(g),
            }
        }
        for mut g in eligible.into_iter().filter(applies) {
            if let Some(c) = role_grants(t, g.role, action, plane) {
                g.conditions.extend(c);
                d.eligible.push(g);
            }
        }
        d.denies = self.denials(p, action, plane, scope);
        d.allowed = !d.grants.is_empty() && d.denies.is_empty();
        d.conditional = d.allowed && d.grants.iter().all(Grant::conditional);
        d
    }

    /// Deny assignments that match `p`, `action` and `scope`.
    pub fn denials(
        &self,
        p: PrincipalId,
        action: &str,
        plane: Plane,
        scope: ScopeId,
    ) -> Vec<Denial> {
        if self.tenant.deny_assignments.is_empty() {
            return Vec::new();
        }
        self.denials_for(&self.memberships(p), p, action, plane, scope)
    }

    /// [`Access::denials`] with `p`'s [`Access::memberships`] already computed, for callers
    /// that ask about many actions for one principal.
    pub fn denials_for(
        &self,
        memberships: &[(PrincipalId, Vec<PrincipalId>)],
        p: PrincipalId,
        action: &str,
        plane: Plane,
        scope: ScopeId,
    ) -> Vec<Denial> {
        let t = self.tenant;
        let mut out = Vec::new();
        for (i, d) in t.deny_assignments.iter().enumerate() {
            let at_scope = d.scope == scope
                || (!d.do_not_apply_to_child_scopes && t.scopes.contains(d.scope, scope));
            if !at_scope {
                continue;
            }
            let Some(path) = deny_names(d, memberships, p) else {
                continue;
            };
            let (actions, not_actions) = match plane {
                Plane::Control => (&d.actions, &d.not_actions),
                Plane::Data => (&d.data_actions, &d.not_data_actions),
            };
            if matches_any(actions.iter().map(|t| t.value.as_str()), action)
                && !matches_any(not_actions.iter().map(|t| t.value.as_str()), action)
            {
                out.push(Denial {
                    deny: DenyId(i as u32),
                    path,
                });
            }
        }
        out
    }
}

/// Whether a deny assignment names a principal, given its [`Access::memberships`]: listed
/// (directly or through a group) or Everyone, and not excluded. `Some(path)` from the
/// principal to the listed principal (`[p]` for Everyone). Scope and actions aside.
pub fn deny_names(
    d: &crate::model::DenyAssignment,
    memberships: &[(PrincipalId, Vec<PrincipalId>)],
    p: PrincipalId,
) -> Option<Vec<PrincipalId>> {
    let holds = |listed: &[(Text, PrincipalId)]| {
        memberships
            .iter()
            .find(|(m, _)| listed.iter().any(|(_, l)| l == m))
            .map(|(_, path)| path.clone())
    };
    if holds(&d.exclude_principals).is_some() {
        return None;
    }
    match &d.principals {
        DenyPrincipals::Everyone => Some(vec![p]),
        DenyPrincipals::Listed(listed) => holds(listed),
    }
}

fn matches_any<'a>(mut patterns: impl Iterator<Item = &'a str>, action: &str) -> bool {
    patterns.any(|p| builtin::action_matches(p, action))
}

/// Whether a role grants an action: `Some(conditions)` when one of its permission blocks does
/// (a block's `notActions` subtract only from that block's `actions`), with the ABAC
/// conditions of the granting blocks; `None` when no block does.
pub fn role_grants(t: &Tenant, role: RoleRef, action: &str, plane: Plane) -> Option<Vec<String>> {
    match role {
        RoleRef::BuiltIn(r) => {
            let mut granted = false;
            let mut conditions = Vec::new();
            for block in r.permissions {
                let (allow, except) = match plane {
                    Plane::Control => (block.actions, block.not_actions),
                    Plane::Data => (block.data_actions, block.not_data_actions),
                };
                if matches_any(allow.iter().copied(), action)
                    && !matches_any(except.iter().copied(), action)
                {
                    match block.condition {
                        Some(c) => conditions.push(c.to_string()),
                        // An unconditional block grants outright, whatever other blocks need.
                        None => return Some(Vec::new()),
                    }
                    granted = true;
                }
            }
            granted.then_some(conditions)
        }
        RoleRef::Custom(id) => {
            let r = t.custom_role(id);
            let (allow, except) = match plane {
                Plane::Control => (&r.actions, &r.not_actions),
                Plane::Data => (&r.data_actions, &r.not_data_actions),
            };
            (matches_any(allow.iter().map(|s| s.value.as_str()), action)
                && !matches_any(except.iter().map(|s| s.value.as_str()), action))
            .then(Vec::new)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// The walk as first written: a queue, a set of the groups met, each path a copy of its
    /// parent's with one more.
    fn memberships_by_queue(a: &Access, p: PrincipalId) -> Vec<(PrincipalId, Vec<PrincipalId>)> {
        let mut seen = std::collections::HashSet::from([p]);
        let mut out = Vec::new();
        let mut queue = VecDeque::from([(p, vec![p])]);
        while let Some((q, path)) = queue.pop_front() {
            for g in a.member_of.of(q).iter().map(|g| PrincipalId(*g)) {
                if seen.insert(g) {
                    let mut next = path.clone();
                    next.push(g);
                    queue.push_back((g, next));
                }
            }
            out.push((q, path));
        }
        out
    }

    /// Past the few dozen groups searched in place, through diamonds and a cycle, the walk
    /// finds the same groups by the same shortest paths, in the same order.
    #[test]
    fn memberships_past_a_few_dozen_groups_match_a_queued_walk() {
        // g0 holds the user; each group is held by the two after it (a diamond at every
        // step) and g79 holds g0 (a cycle).
        let mut yaml = String::from("kind: User\nname: u\n");
        for i in 0usize..80 {
            let mut members: Vec<String> =
                (i.saturating_sub(2)..i).map(|j| format!("g{j}")).collect();
            if i == 0 {
                members = vec!["u".into(), "g79".into()];
            }
            yaml.push_str(&format!(
                "---\nkind: Group\nname: g{i}\nmembers: [{}]\n",
                members.join(", ")
            ));
        }
        let (docs, findings) = crate::load::parse_text(crate::source::FileId(0), &yaml);
        assert!(findings.is_empty(), "{findings:?}");
        let t = crate::model::resolve(docs, &mut Vec::new());
        let access = Access::new(&t, jiff::Timestamp::UNIX_EPOCH);
        for p in (0..t.principals.len()).map(|i| PrincipalId(i as u32)) {
            let walked = access.memberships(p);
            assert_eq!(walked, memberships_by_queue(&access, p));
            assert!(walked.len() > 40, "{}", walked.len());
        }
    }
}
