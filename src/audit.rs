//! The audit report's data: one document with the tenant's hierarchy, assignments, effective
//! access, policy compliance and findings, made to be embedded in the HTML report
//! (`canopy report --html`) and printed by `canopy report --format json`.
//!
//! It is built for size as well as for reading. At Azure's limits a tenant has tens of
//! thousands of scopes and hundreds of thousands of assignments and grants, so the big
//! tables are column arrays (scopes, principals) or rows of numbers (assignments, grants,
//! non-compliant evaluations) that refer to each other by index; the README documents every
//! column. The page renders from them lazily, never a DOM node per fact.

use crate::Analysis;
use crate::access::report::{POLICY_ASSIGNMENTS_WRITE, ROLE_ASSIGNMENTS_WRITE};
use crate::access::{Access, Plane, Source, role_grants};
use crate::load::kinds::PrincipalKind;
use crate::model::{PrincipalId, RoleRef, ScopeId, ScopeKind, Tenant};
use crate::policy::assess::Tally;
use crate::source::{FileId, Span};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;

/// Where the report's tree came from.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Origin {
    /// The tree as the user named it.
    pub tree: String,
    /// The commit the tree was read at (or the working tree's `HEAD`), when in Git.
    pub commit: Option<String>,
    /// The commit's author date, ISO 8601.
    pub commit_date: Option<String>,
    /// The working tree differs from `commit` in the tree's folder.
    pub uncommitted_changes: bool,
    /// When the report was made (RFC 3339).
    pub generated: String,
    /// The moment effective access and expiry are judged at, when not the time the report
    /// was made (`--at`).
    pub as_of: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditData {
    /// The version of this document's layout.
    pub version: u32,
    pub origin: Origin,
    pub totals: Totals,
    /// Paths of the tree's files, referred to by index.
    pub files: Vec<String>,
    pub scopes: Scopes,
    pub principals: Principals,
    pub roles: Vec<Role>,
    /// `[principal, role, scope, file, line, flags]`; flags: 1 eligible (PIM), 2 ABAC
    /// condition, 4 expired, 8 classic co-administrator (Owner at a subscription).
    pub role_assignments: Vec<[u32; 6]>,
    pub deny_assignments: Vec<DenyAssignment>,
    /// Every principal's effective access: `[principal, roleAssignment, via...]`, where
    /// `via` are the groups from the principal to the assignee, in order (empty when the
    /// assignment is made to the principal itself). Expired assignments grant nothing and
    /// are not here.
    pub grants: Vec<Vec<u32>>,
    /// The deny assignments that apply to each principal: `[principal, denyAssignment,
    /// via...]`, `via` being the groups through which the deny names it (empty when it names
    /// the principal or Everyone). Where a deny is in force follows its scope and
    /// `doNotApplyToChildScopes`.
    pub denials: Vec<Vec<u32>>,
    pub policy_assignments: Vec<PolicyAssignment>,
    /// Compliance per subscription, every subscription (`evaluated` 0 when no policy reaches
    /// it): `[scope, evaluated, compliant, exempt]`.
    pub subscription_compliance: Vec<[u32; 4]>,
    /// Every evaluation that is not compliant: `[policyAssignment, scope, reason, exempt]`
    /// (`reason` indexes `reasons`; exempt is 1 when an exemption covers it).
    pub non_compliant: Vec<[u32; 4]>,
    pub reasons: Vec<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub management_groups: usize,
    pub subscriptions: usize,
    pub resource_groups: usize,
    pub resources: usize,
    pub principals: usize,
    pub role_assignments: usize,
    pub policy_assignments: usize,
    pub findings: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// The scopes of the hierarchy (`/`, groups, subscriptions, resource groups) and the
/// resources something refers to, as columns. Parents come before their children.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scopes {
    /// The name shown: a group's display name, a subscription's name, the resource's name.
    pub name: Vec<String>,
    /// 0 `/`, 1 management group, 2 subscription, 3 resource group, 4 resource.
    pub kind: Vec<u8>,
    /// The parent's index, -1 for `/`.
    pub parent: Vec<i64>,
    /// The Azure scope string.
    pub path: Vec<String>,
    /// Resources below, for groups, subscriptions and resource groups.
    pub resources: Vec<u32>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Principals {
    pub name: Vec<String>,
    /// 0 user, 1 group, 2 service principal.
    pub kind: Vec<u8>,
    /// 1 guest, 2 disabled.
    pub flags: Vec<u8>,
    /// A group's direct members (empty for others).
    pub members: Vec<Vec<u32>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    pub name: String,
    pub builtin: bool,
    /// Why the role is privileged, if it is: it is Owner, User Access Administrator or Role
    /// Based Access Control Administrator, or it can write role or policy assignments.
    pub privileged: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DenyAssignment {
    pub name: String,
    pub scope: u32,
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub data_actions: Vec<String>,
    pub not_data_actions: Vec<String>,
    pub do_not_apply_to_child_scopes: bool,
    /// The principals it applies to; empty for Everyone.
    pub principals: Vec<u32>,
    pub exclude_principals: Vec<u32>,
    pub file: u32,
    pub line: u32,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyAssignment {
    pub name: String,
    pub display_name: Option<String>,
    pub scope: u32,
    /// The definition's display name (else its name).
    pub policy: String,
    pub effect: String,
    /// Whether canopy evaluates the definition (else `compliance` counts nothing, and
    /// `canopy check` reports why).
    pub evaluable: bool,
    pub enforced: bool,
    pub not_scopes: Vec<u32>,
    pub file: u32,
    pub line: u32,
    pub compliance: Tally,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub code: &'static str,
    pub severity: &'static str,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Whether, and why, a role is privileged: what auditors look at first.
fn privilege(t: &Tenant, role: RoleRef) -> Option<String> {
    let name = t.role_name(role);
    let named = [
        "Owner",
        "User Access Administrator",
        "Role Based Access Control Administrator",
    ];
    if matches!(role, RoleRef::BuiltIn(_)) && named.iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return Some(name.to_string());
    }
    if role_grants(t, role, ROLE_ASSIGNMENTS_WRITE, Plane::Control).is_some() {
        return Some("can write role assignments".into());
    }
    if role_grants(t, role, POLICY_ASSIGNMENTS_WRITE, Plane::Control).is_some() {
        return Some("can write policy assignments".into());
    }
    None
}

struct Builder<'a> {
    a: &'a Analysis,
    files: Vec<String>,
    file_index: FxHashMap<FileId, u32>,
    /// Tenant scope → report scope index, for the scopes included.
    scope_index: FxHashMap<ScopeId, u32>,
    scopes: Scopes,
}

impl Builder<'_> {
    fn place(&mut self, span: Span) -> (u32, u32) {
        if span.file == crate::builtin::policies::FILE {
            return (u32::MAX, 0);
        }
        let f = self.a.files.get(span.file);
        let line = f.line_col(span.start).0;
        let next = self.files.len() as u32;
        let file = *self.file_index.entry(span.file).or_insert_with(|| {
            self.files.push(crate::report::display_path(&f.path));
            next
        });
        (file, line)
    }

    /// The report's index of a scope, adding it (and its ancestors) when it is a resource
    /// not yet included.
    fn scope(&mut self, s: ScopeId) -> u32 {
        if let Some(i) = self.scope_index.get(&s) {
            return *i;
        }
        let t = &self.a.tenant;
        let parent = t.scopes.parent(s).map_or(-1, |p| self.scope(p) as i64);
        self.push(s, parent)
    }

    fn push(&mut self, s: ScopeId, parent: i64) -> u32 {
        let t = &self.a.tenant;
        let (name, kind) = match t.scopes.kind(s) {
            ScopeKind::Tenant => ("/".to_string(), 0),
            ScopeKind::ManagementGroup(id) => {
                let mg = t.mg(id);
                (
                    mg.display_name
                        .as_ref()
                        .unwrap_or(&mg.name)
                        .value
                        .to_string(),
                    1,
                )
            }
            ScopeKind::Subscription(id) => (t.sub(id).name.value.to_string(), 2),
            ScopeKind::ResourceGroup(id) => {
                (t.resource_groups[id.index()].name.value.to_string(), 3)
            }
            ScopeKind::Resource(id) => (t.resources[id.index()].name.value.to_string(), 4),
        };
        let i = self.scopes.name.len() as u32;
        self.scopes.name.push(name);
        self.scopes.kind.push(kind);
        self.scopes.parent.push(parent);
        self.scopes.path.push(t.scope_path(s));
        self.scopes.resources.push(0);
        self.scope_index.insert(s, i);
        i
    }
}

impl AuditData {
    /// The report of an analysed tree, with effective access as of `now`.
    pub fn build(a: &Analysis, origin: Origin, now: jiff::Timestamp) -> AuditData {
        let t = &a.tenant;
        let mut b = Builder {
            a,
            files: Vec::new(),
            file_index: FxHashMap::default(),
            scope_index: FxHashMap::default(),
            scopes: Scopes::default(),
        };
        // The hierarchy, parents first, children by name: `/`, groups, subscriptions,
        // resource groups. Resources join when something refers to them.
        let mut stack = vec![(ScopeId::TENANT, -1i64)];
        while let Some((s, parent)) = stack.pop() {
            if matches!(t.scopes.kind(s), ScopeKind::Resource(_)) {
                continue;
            }
            let i = b.push(s, parent);
            let mut children: Vec<ScopeId> = t.scopes.children(s).to_vec();
            children.sort_by_cached_key(|c| std::cmp::Reverse(t.scope_path(*c).to_lowercase()));
            stack.extend(children.into_iter().map(|c| (c, i as i64)));
        }
        // Resources below each scope, for the tree's counts.
        for r in &t.resources {
            for s in t.scopes.ancestors(r.scope).skip(1) {
                if let Some(i) = b.scope_index.get(&s) {
                    b.scopes.resources[*i as usize] += 1;
                }
            }
        }

        let principals = Principals {
            name: t
                .principals
                .iter()
                .map(|p| p.name.value.to_string())
                .collect(),
            kind: t
                .principals
                .iter()
                .map(|p| match p.kind {
                    PrincipalKind::User => 0,
                    PrincipalKind::Group => 1,
                    _ => 2,
                })
                .collect(),
            flags: t
                .principals
                .iter()
                .map(|p| u8::from(p.guest) | (u8::from(!p.enabled.value) << 1))
                .collect(),
            members: t
                .principals
                .iter()
                .map(|p| p.members.iter().map(|(_, m)| m.0).collect())
                .collect(),
        };

        // Roles in use, by first use.
        let mut roles: Vec<Role> = Vec::new();
        let mut role_index: FxHashMap<u64, u32> = FxHashMap::default();
        let mut role_of = |role: RoleRef| -> u32 {
            let next = roles.len() as u32;
            *role_index.entry(role.key()).or_insert_with(|| {
                roles.push(Role {
                    name: t.role_name(role).to_string(),
                    builtin: matches!(role, RoleRef::BuiltIn(_)),
                    privileged: privilege(t, role),
                });
                next
            })
        };
        let mut role_assignments = Vec::with_capacity(t.role_assignments.len());
        for ra in &t.role_assignments {
            let (file, line) = b.place(ra.role_ref.span);
            let expired = ra.end_date_time().is_some_and(|e| e.value <= now);
            let flags = u32::from(ra.eligible)
                | (u32::from(ra.condition().is_some()) << 1)
                | (u32::from(expired) << 2);
            let scope = b.scope(ra.scope);
            role_assignments.push([ra.principal.0, role_of(ra.role), scope, file, line, flags]);
        }
        // Classic co-administrators: Owner at their subscription, after the assignments.
        let owner = RoleRef::BuiltIn(crate::builtin::owner());
        let mut co_admin: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        for s in &t.subscriptions {
            for (text, p) in &s.co_administrators {
                // Listed twice is one co-administration, as Access counts it.
                if co_admin.contains_key(&(p.0, s.scope.0)) {
                    continue;
                }
                let (file, line) = b.place(text.span);
                let scope = b.scope(s.scope);
                co_admin.insert((p.0, s.scope.0), role_assignments.len() as u32);
                role_assignments.push([p.0, role_of(owner), scope, file, line, 8]);
            }
        }

        // Effective access of every enabled principal, groups included, and the deny
        // assignments naming each principal, in parallel, from one walk of its memberships.
        let access = Access::new(t, now);
        // Per principal: its grant rows and its denial rows.
        type Rows = Vec<Vec<u32>>;
        let per_principal: Vec<(Rows, Rows)> = (0..t.principals.len())
            .into_par_iter()
            .map(|i| {
                let p = PrincipalId(i as u32);
                let enabled = t.principal(p).enabled.value;
                if !enabled && t.deny_assignments.is_empty() {
                    return (Vec::new(), Vec::new());
                }
                let memberships = access.memberships(p);
                let denials = t
                    .deny_assignments
                    .iter()
                    .enumerate()
                    .filter_map(|(k, d)| {
                        let path = crate::access::deny_names(d, &memberships, p)?;
                        let mut row = vec![p.0, k as u32];
                        row.extend(path.iter().skip(1).map(|q| q.0));
                        Some(row)
                    })
                    .collect();
                if !enabled {
                    return (Vec::new(), denials);
                }
                let (active, eligible) = access.grants_through(&memberships);
                let grants = active
                    .into_iter()
                    .chain(eligible)
                    .filter_map(|g| {
                        let source = match g.source {
                            Source::Assignment(id) => id.0,
                            Source::CoAdministrator(sub) => {
                                *co_admin.get(&(g.path.last()?.0, t.sub(sub).scope.0))?
                            }
                        };
                        let mut row = Vec::with_capacity(g.path.len() + 1);
                        row.push(p.0);
                        row.push(source);
                        row.extend(g.path.iter().skip(1).map(|q| q.0));
                        Some(row)
                    })
                    .collect();
                (grants, denials)
            })
            .collect();
        let mut grants = Vec::new();
        let mut denials = Vec::new();
        for (g, d) in per_principal {
            grants.extend(g);
            denials.extend(d);
        }

        let deny_assignments = t
            .deny_assignments
            .iter()
            .map(|d| {
                let (file, line) = b.place(d.scope_ref.span);
                let texts =
                    |v: &[crate::source::Text]| v.iter().map(|x| x.value.to_string()).collect();
                DenyAssignment {
                    name: d
                        .name
                        .as_ref()
                        .map_or_else(String::new, |n| n.value.to_string()),
                    scope: b.scope(d.scope),
                    actions: texts(&d.actions),
                    not_actions: texts(&d.not_actions),
                    data_actions: texts(&d.data_actions),
                    not_data_actions: texts(&d.not_data_actions),
                    do_not_apply_to_child_scopes: d.do_not_apply_to_child_scopes,
                    principals: match &d.principals {
                        crate::model::DenyPrincipals::Everyone => Vec::new(),
                        crate::model::DenyPrincipals::Listed(l) => {
                            l.iter().map(|(_, p)| p.0).collect()
                        }
                    },
                    exclude_principals: d.exclude_principals.iter().map(|(_, p)| p.0).collect(),
                    file,
                    line,
                }
            })
            .collect();

        // Policy: compliance per assignment and per subscription, and what is not compliant.
        let mut tallies = vec![Tally::default(); t.policy_assignments.len()];
        let mut effects = vec![None; t.policy_assignments.len()];
        let mut per_sub: FxHashMap<ScopeId, Tally> = FxHashMap::default();
        let mut non_compliant = Vec::new();
        let mut reasons: Vec<String> = Vec::new();
        let mut reason_index: FxHashMap<String, u32> = FxHashMap::default();
        for e in &a.compliance.results {
            let ai = e.assignment.index();
            tallies[ai].add(e);
            effects[ai].get_or_insert(e.outcome.effect.name());
            if let Some(sub) = t
                .scopes
                .ancestors(e.target)
                .find(|s| matches!(t.scopes.kind(*s), ScopeKind::Subscription(_)))
            {
                per_sub.entry(sub).or_default().add(e);
            }
            if !e.compliant() {
                let next = reasons.len() as u32;
                let reason = *reason_index
                    .entry(e.outcome.reason.clone())
                    .or_insert_with(|| {
                        reasons.push(e.outcome.reason.clone());
                        next
                    });
                non_compliant.push([
                    e.assignment.0,
                    b.scope(e.target),
                    reason,
                    u32::from(e.exemption.is_some()),
                ]);
            }
        }
        let evaluable: Vec<bool> = t
            .policy_definitions
            .iter()
            .map(|d| crate::policy::parse::parse_model(d).is_ok())
            .collect();
        let policy_assignments = t
            .policy_assignments
            .iter()
            .enumerate()
            .map(|(i, pa)| {
                let d = &t.policy_definitions[pa.policy.index()];
                let (file, line) = b.place(pa.name.span);
                PolicyAssignment {
                    name: pa.name.value.to_string(),
                    display_name: pa.display_name.as_ref().map(|d| d.value.to_string()),
                    scope: b.scope(pa.scope),
                    policy: d.display_name.as_ref().unwrap_or(&d.name).value.to_string(),
                    effect: effects[i].unwrap_or("").to_string(),
                    evaluable: evaluable[pa.policy.index()],
                    enforced: pa.enforced,
                    not_scopes: pa.not_scopes.iter().map(|(_, s)| b.scope(*s)).collect(),
                    file,
                    line,
                    compliance: std::mem::take(&mut tallies[i]).done(),
                }
            })
            .collect();
        let mut subscription_compliance: Vec<[u32; 4]> = t
            .subscriptions
            .iter()
            .map(|sub| (sub.scope, per_sub.remove(&sub.scope).unwrap_or_default()))
            .map(|(s, tally)| {
                [
                    b.scope(s),
                    tally.evaluated as u32,
                    tally.compliant as u32,
                    tally.exempt as u32,
                ]
            })
            .collect();
        subscription_compliance.sort_unstable();

        let findings = a
            .findings
            .iter()
            .map(|f| {
                let p = crate::report::position(&a.files, f.primary.span);
                Finding {
                    code: f.code.as_str(),
                    severity: f.severity.as_str(),
                    file: p.file,
                    line: p.line,
                    column: p.column,
                    message: f.message.clone(),
                }
            })
            .collect();

        let totals = Totals {
            management_groups: t.management_groups.len(),
            subscriptions: t.subscriptions.len(),
            resource_groups: t.resource_groups.len(),
            resources: t.resources.len(),
            principals: t.principals.len(),
            role_assignments: t.role_assignments.len(),
            policy_assignments: t.policy_assignments.len(),
            findings: a.findings.len(),
            errors: a.count(crate::diag::Severity::Error),
            warnings: a.count(crate::diag::Severity::Warning),
        };
        AuditData {
            version: 1,
            origin,
            totals,
            files: b.files,
            scopes: b.scopes,
            principals,
            roles,
            role_assignments,
            deny_assignments,
            grants,
            denials,
            policy_assignments,
            subscription_compliance,
            non_compliant,
            reasons,
            findings,
        }
    }
}
