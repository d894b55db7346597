//! The whole tenant's effective access, computed in parallel, with the privileged-access
//! findings auditors ask for first.

use super::{Access, Grant, Plane, Source, role_grants};
use crate::builtin;
use crate::load::kinds::PrincipalKind;
use crate::model::{PrincipalId, RoleRef, ScopeKind, Tenant};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// The operation that lets a principal grant access to others (and so escalate).
pub const ROLE_ASSIGNMENTS_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
/// The operation that lets a principal assign (or unassign) policy.
pub const POLICY_ASSIGNMENTS_WRITE: &str = "Microsoft.Authorization/policyAssignments/write";

/// One effective role of one person (user or service principal).
#[derive(Debug, Clone)]
pub struct Row {
    pub principal: PrincipalId,
    pub grant: Grant,
    pub eligible: bool,
}

/// An assignment worth a look, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flagged {
    pub assignment: crate::model::AssignmentId,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct AccessReport {
    /// Every effective role of every enabled person, sorted by principal, scope, role.
    pub rows: Vec<Row>,
    /// Rows whose role lets the holder write role assignments there.
    pub can_assign_roles: Vec<usize>,
    /// Rows whose role lets the holder write policy assignments there.
    pub can_assign_policy: Vec<usize>,
    /// Per subscription (by index), the rows that make someone Owner there.
    pub subscription_owners: Vec<(crate::model::SubId, Vec<usize>)>,
    /// Rows of guests and service principals whose role can change anything.
    pub external_writers: Vec<usize>,
    /// Assignments made to a user directly rather than to a group.
    pub direct_user_assignments: Vec<crate::model::AssignmentId>,
    /// Assignments that grant nothing (disabled principal) or repeat an inherited one.
    pub ineffective: Vec<Flagged>,
}

/// Whether a role can change anything at all: it grants some published control-plane
/// operation other than a read. Computed once per role used.
fn can_write(t: &Tenant, role: RoleRef) -> bool {
    builtin::operations().iter().any(|op| {
        !op.is_data_action
            && !op.name.to_ascii_lowercase().ends_with("/read")
            && role_grants(t, role, op.name, Plane::Control).is_some()
    })
}

impl AccessReport {
    pub fn build(access: &Access) -> AccessReport {
        let t = access.tenant;
        // Every enabled person, in report order: by name case-insensitively (a stable sort,
        // so ties keep id order), ranked once per principal rather than compared as
        // lowercase copies on each of millions of rows.
        let mut people: Vec<PrincipalId> = (0..t.principals.len())
            .into_par_iter()
            .map(|i| PrincipalId(i as u32))
            .filter(|p| {
                let pr = t.principal(*p);
                pr.kind != PrincipalKind::Group && pr.enabled.value
            })
            .collect();
        let principal_rank =
            dense_ranks(t.principals.len(), people.iter().map(|p| p.index()), |i| {
                t.principals[i].name.value.to_lowercase()
            });
        people.par_sort_by_key(|p| principal_rank[p.index()]);
        // Grants are made at assignments' scopes and, for co-administrators, subscriptions.
        let granted_at = t
            .role_assignments
            .iter()
            .map(|ra| ra.scope)
            .chain(t.subscriptions.iter().map(|s| s.scope));
        let scope_rank = dense_ranks(t.scopes.len(), granted_at.map(|s| s.index()), |i| {
            t.scope_path(crate::model::ScopeId(i as u32)).to_lowercase()
        });
        // One task per person: their memberships, assignments and the paths between them,
        // then their rows in order of scope path, role name, active before eligible. Sorted
        // per person, a few dozen rows each, not as one list of millions.
        let rows: Vec<Row> = people
            .par_iter()
            .flat_map_iter(|&p| {
                let (active, eligible) = access.grants_of(p);
                let mut rows: Vec<Row> = active
                    .into_iter()
                    .map(|grant| Row {
                        principal: p,
                        grant,
                        eligible: false,
                    })
                    .chain(eligible.into_iter().map(|grant| Row {
                        principal: p,
                        grant,
                        eligible: true,
                    }))
                    .collect();
                let key = |r: &Row| {
                    let scope = scope_rank[r.grant.scope.index()];
                    (scope, t.role_name(r.grant.role), r.eligible)
                };
                rows.sort_by(|a, b| key(a).cmp(&key(b)));
                rows
            })
            .collect();

        // Role properties, once per role used, in parallel: whether a role can write
        // anything is a scan of every published operation.
        let mut used: FxHashMap<u64, RoleRef> = FxHashMap::default();
        for r in &rows {
            used.entry(r.grant.role.key()).or_insert(r.grant.role);
        }
        let used: Vec<RoleRef> = used.into_values().collect();
        let roles: FxHashMap<u64, (bool, bool, bool, bool)> = used
            .par_iter()
            .map(|&role| {
                let properties = (
                    role_grants(t, role, ROLE_ASSIGNMENTS_WRITE, Plane::Control).is_some(),
                    role_grants(t, role, POLICY_ASSIGNMENTS_WRITE, Plane::Control).is_some(),
                    t.role_name(role).eq_ignore_ascii_case("Owner"),
                    can_write(t, role),
                );
                (role.key(), properties)
            })
            .collect();
        let mut report = AccessReport::default();
        let mut owners: FxHashMap<crate::model::SubId, Vec<usize>> = FxHashMap::default();
        let mut subscriptions_below: FxHashMap<crate::model::ScopeId, Vec<crate::model::SubId>> =
            FxHashMap::default();
        for (i, r) in rows.iter().enumerate() {
            if r.eligible {
                continue;
            }
            let (assign_roles, assign_policy, owner, writes) = roles[&r.grant.role.key()];
            if assign_roles {
                report.can_assign_roles.push(i);
            }
            if assign_policy {
                report.can_assign_policy.push(i);
            }
            if owner {
                // Owner reaches every subscription at or below the assignment's scope.
                let subs = subscriptions_below
                    .entry(r.grant.scope)
                    .or_insert_with(|| subscriptions_at_or_below(t, r.grant.scope));
                for s in subs.iter() {
                    owners.entry(*s).or_default().push(i);
                }
            }
            let p = t.principal(r.principal);
            if writes && (p.guest || p.kind == PrincipalKind::ServicePrincipal) {
                report.external_writers.push(i);
            }
        }
        let mut owners: Vec<_> = owners.into_iter().collect();
        owners.sort_by_key(|(s, _)| t.sub(*s).name.value.to_lowercase());
        report.subscription_owners = owners;

        // Assignment-level findings.
        let mut by_principal_role: FxHashMap<(PrincipalId, u64), Vec<usize>> = FxHashMap::default();
        for (i, a) in t.role_assignments.iter().enumerate() {
            by_principal_role
                .entry((a.principal, a.role.key()))
                .or_default()
                .push(i);
        }
        for (i, a) in t.role_assignments.iter().enumerate() {
            let id = crate::model::AssignmentId(i as u32);
            let p = t.principal(a.principal);
            if p.kind == PrincipalKind::User {
                report.direct_user_assignments.push(id);
            }
            if !p.enabled.value {
                report.ineffective.push(Flagged {
                    assignment: id,
                    reason: format!(
                        "{} `{}` is disabled: it grants nothing",
                        p.kind.noun(),
                        p.name.value
                    ),
                });
                continue;
            }
            let higher = by_principal_role[&(a.principal, a.role.key())]
                .iter()
                .find(|j| {
                    let other = &t.role_assignments[**j];
                    **j != i
                        && other.scope != a.scope
                        && t.scopes.contains(other.scope, a.scope)
                        && !other.eligible
                });
            if let Some(j) = higher {
                report.ineffective.push(Flagged {
                    assignment: id,
                    reason: format!(
                        "repeats `{}` inherited from `{}`",
                        t.role_name(a.role),
                        t.scope_path(t.role_assignments[*j].scope)
                    ),
                });
            }
        }
        report.rows = rows;
        report
    }

    /// How many people hold any access.
    pub fn principals(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for r in &self.rows {
            if last != Some(r.principal) {
                n += 1;
                last = Some(r.principal);
            }
        }
        n
    }
}

/// For ids below `n`, the rank of each id in `used` by `key` (equal keys, equal ranks); ids
/// not used rank last. Each key is computed once.
fn dense_ranks<K: Ord + Send + Sync>(
    n: usize,
    used: impl Iterator<Item = usize>,
    key: impl Fn(usize) -> K + Sync,
) -> Vec<u32> {
    let mut seen = vec![false; n];
    let ids: Vec<usize> = used
        .filter(|&i| !std::mem::replace(&mut seen[i], true))
        .collect();
    let keys: Vec<K> = ids.par_iter().map(|&i| key(i)).collect();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.par_sort_by(|&a, &b| keys[a].cmp(&keys[b]));
    let mut rank = vec![u32::MAX; n];
    let mut r = 0u32;
    for (k, &o) in order.iter().enumerate() {
        if k > 0 && keys[o] != keys[order[k - 1]] {
            r += 1;
        }
        rank[ids[o]] = r;
    }
    rank
}

/// The subscriptions at or below a scope (none below a subscription's own resource groups).
fn subscriptions_at_or_below(t: &Tenant, scope: crate::model::ScopeId) -> Vec<crate::model::SubId> {
    let mut out = Vec::new();
    let mut stack = vec![scope];
    while let Some(s) = stack.pop() {
        match t.scopes.kind(s) {
            ScopeKind::Subscription(id) => out.push(id),
            ScopeKind::Tenant | ScopeKind::ManagementGroup(_) => {
                stack.extend_from_slice(t.scopes.children(s));
            }
            ScopeKind::ResourceGroup(_) | ScopeKind::Resource(_) => {}
        }
    }
    out
}

/// The kind of scope, for CSV and JSON consumers.
pub fn scope_kind(t: &Tenant, s: crate::model::ScopeId) -> &'static str {
    match t.scopes.kind(s) {
        ScopeKind::Tenant => "root",
        ScopeKind::ManagementGroup(_) => "managementGroup",
        ScopeKind::Subscription(_) => "subscription",
        ScopeKind::ResourceGroup(_) => "resourceGroup",
        ScopeKind::Resource(_) => "resource",
    }
}

/// Whether a grant came from classic co-administration.
pub fn is_co_administrator(g: &Grant) -> bool {
    matches!(g.source, Source::CoAdministrator(_))
}
