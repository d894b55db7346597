//! What a change does to a tenant: two analysed trees (usually two Git revisions) compared
//! object by object, and above all by effective access, policy compliance and findings.
//!
//! Objects are matched across the two trees by their Azure identity, case-insensitively as
//! Azure compares names: management groups, subscriptions, principals, custom roles and policy
//! definitions by name; scopes by path; role assignments by (principal, role, scope, eligible);
//! policy assignments and exemptions by (scope, name). Effective access is compared per person
//! (user or service principal), so a group membership change or a role definition edit shows
//! as what it does to everyone it reaches. Only the people a change can reach are evaluated
//! (see [`access`]), so a diff costs in proportion to the change, not to the tenant.
//!
//! The result is plain data with names, not indices (the two trees have different arenas):
//! the JSON form (`canopy diff --format json`, version 1) is its serialisation.

pub mod access;
mod dirty;
mod keys;
mod objects;

use crate::Analysis;
use crate::diag::{Finding, Severity};
use crate::report::json::Diagnostic;
use crate::source::Span;
use serde::Serialize;

pub use access::{AccessEntry, Capability, Escalation, Holder, describe_capabilities};

/// A name as keys of this module compare it.
pub(crate) fn lower(s: &str) -> String {
    s.to_lowercase()
}

/// How an object changed.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "camelCase")]
pub enum Change {
    Added,
    Removed,
    Modified,
    Moved,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Modified => "modified",
            Change::Moved => "moved",
        }
    }
}

/// Everything a change does, section by section.
#[derive(Serialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct TenantDiff {
    pub summary: Summary,
    /// Changes Azure would refuse or that break the tenant outright: the root management group
    /// moved or deleted. Each fails `--fail-on errors`.
    pub errors: Vec<String>,
    /// Principals newly able to write role assignments or policy assignments, or newly Owner.
    pub escalations: Vec<Escalation>,
    pub access: AccessChanges,
    pub hierarchy: Vec<HierarchyChange>,
    pub principals: Vec<PrincipalChange>,
    pub role_definitions: Vec<RoleDefinitionChange>,
    pub role_assignments: Vec<AssignmentChange>,
    pub deny_assignments: Vec<ObjectChange>,
    pub policy: PolicyChanges,
    pub findings: FindingChanges,
}

#[derive(Serialize, Debug, Default, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub access_gained: usize,
    pub access_lost: usize,
    pub access_widened: usize,
    pub access_narrowed: usize,
    pub escalations: usize,
    pub hierarchy_changes: usize,
    pub principal_changes: usize,
    pub role_definition_changes: usize,
    pub role_assignment_changes: usize,
    pub deny_assignment_changes: usize,
    pub new_violations: usize,
    pub fixed_violations: usize,
    pub policy_changes: usize,
    pub errors_introduced: usize,
    pub warnings_introduced: usize,
    pub findings_fixed: usize,
    /// Change errors (root moved or deleted).
    pub change_errors: usize,
}

/// Effective access gained and lost, per person, scope and role; and the roles people keep
/// whose definition now grants more (widened) or less (narrowed).
#[derive(Serialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct AccessChanges {
    pub gained: Vec<AccessEntry>,
    pub lost: Vec<AccessEntry>,
    pub widened: Vec<RoleReach>,
    pub narrowed: Vec<RoleReach>,
}

/// A person who holds an edited role at a scope: what the edit does to them there.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RoleReach {
    pub principal: String,
    pub role: String,
    pub scope: String,
    pub via: Vec<String>,
    /// How many published operations the role grants now and did not (widened), or granted
    /// and no longer does (narrowed); the role definition change lists them.
    pub actions: usize,
}

/// Where an object is written: the file as the user named it and the 1-based line.
#[derive(Serialize, Debug, Default, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: Option<String>,
    pub line: Option<u32>,
}

impl Place {
    pub(crate) fn of(a: &Analysis, span: Span) -> Place {
        let p = crate::report::position(&a.files, span);
        Place {
            file: Some(p.file),
            line: Some(p.line),
        }
    }

    /// `file:line`, or nothing.
    pub fn display(&self) -> Option<String> {
        match (&self.file, self.line) {
            (Some(f), Some(l)) => Some(format!("{f}:{l}")),
            _ => None,
        }
    }
}

/// A management group, subscription, resource group or resource added, removed or moved.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct HierarchyChange {
    pub change: Change,
    /// `managementGroup`, `subscription`, `resourceGroup` or `resource`.
    pub kind: &'static str,
    pub name: String,
    pub scope: String,
    /// The parent before (moved, removed).
    pub from: Option<String>,
    /// The parent after (moved, added).
    pub to: Option<String>,
    /// Scopes below it added or removed with it (they are not listed one by one).
    pub with_children: usize,
    #[serde(flatten)]
    pub place: Place,
}

/// A principal added, removed or changed (enabled, kind, group members).
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalChange {
    pub change: Change,
    pub principal: String,
    pub principal_kind: &'static str,
    /// What changed, in words (`disabled`, `now a guest`, ...).
    pub details: Vec<String>,
    pub members_added: Vec<String>,
    pub members_removed: Vec<String>,
    #[serde(flatten)]
    pub place: Place,
}

/// A custom role definition added, removed or edited, with what the edit does.
#[derive(Serialize, Debug, Clone, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RoleDefinitionChange {
    pub change: Option<Change>,
    pub role: String,
    pub actions_added: Vec<String>,
    pub actions_removed: Vec<String>,
    pub not_actions_added: Vec<String>,
    pub not_actions_removed: Vec<String>,
    pub data_actions_added: Vec<String>,
    pub data_actions_removed: Vec<String>,
    pub not_data_actions_added: Vec<String>,
    pub not_data_actions_removed: Vec<String>,
    pub assignable_scopes_added: Vec<String>,
    pub assignable_scopes_removed: Vec<String>,
    /// Published operations the role grants now and did not before.
    pub effective_actions_gained: Vec<String>,
    /// Published operations the role granted before and no longer does.
    pub effective_actions_lost: Vec<String>,
    /// Everyone holding the role after the change (whose access the edit widens or narrows).
    pub holders: Vec<Holder>,
    #[serde(flatten)]
    pub place: Place,
}

/// A role assignment added, removed or changed.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentChange {
    pub change: Change,
    pub principal: String,
    pub principal_kind: &'static str,
    pub role: String,
    pub scope: String,
    /// A PIM eligible assignment (grants nothing until activated).
    pub eligible: bool,
    pub details: Vec<String>,
    #[serde(flatten)]
    pub place: Place,
}

/// Any other object added, removed or changed: deny assignments, policy definitions, policy
/// assignments and exemptions.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectChange {
    pub change: Change,
    pub name: String,
    /// Where it is made; empty for definitions.
    pub scope: String,
    pub details: Vec<String>,
    #[serde(flatten)]
    pub place: Place,
}

/// One resource, resource group or subscription out of compliance with one assignment.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub scope: String,
    pub assignment: String,
    pub assignment_scope: String,
    pub policy: String,
    pub effect: &'static str,
    pub enforced: bool,
    pub reason: String,
    /// For a fixed violation: the resource itself is gone.
    pub target_removed: bool,
    #[serde(flatten)]
    pub place: Place,
}

#[derive(Serialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct PolicyChanges {
    /// Non-compliant (and not exempt) after the change, and not before.
    pub new_violations: Vec<Violation>,
    /// Non-compliant before, and compliant, exempt or gone after.
    pub fixed_violations: Vec<Violation>,
    pub definitions: Vec<ObjectChange>,
    pub assignments: Vec<ObjectChange>,
    pub exemptions: Vec<ObjectChange>,
}

/// Findings of `canopy check` the change introduces, and those it fixes. Findings already on
/// the base do not count against the change.
#[derive(Serialize, Debug, Default, Clone)]
#[serde(rename_all = "camelCase")]
pub struct FindingChanges {
    pub introduced: Vec<Diagnostic>,
    pub fixed: Vec<Diagnostic>,
}

/// What to compute: a log needs no findings.
#[derive(Clone, Copy, Debug)]
pub struct DiffOptions {
    pub now: jiff::Timestamp,
    pub findings: bool,
    /// Compare every object, even those only unchanged files declare (which cannot differ):
    /// slower, and the same answer. For tests of that very claim.
    pub exhaustive: bool,
}

/// Compares two analysed trees.
pub fn compare(base: &Analysis, head: &Analysis, options: DiffOptions) -> TenantDiff {
    compare_for(base, head, options, None)
}

/// [`compare`], with effective access evaluated only for the people `principal` stands for
/// (itself, or a group's members, on either side): what a log filtered by principal needs,
/// at a fraction of the cost. The other sections are complete.
pub fn compare_for(
    base: &Analysis,
    head: &Analysis,
    options: DiffOptions,
    principal: Option<&str>,
) -> TenantDiff {
    let mut d = TenantDiff::default();
    let changes = if options.exhaustive {
        dirty::Changes::everything()
    } else {
        dirty::changes(base, head)
    };
    let dirty = changes.dirty;
    let o = objects::compare(base, head, &mut d, &changes);
    if !o.affected.is_empty() || !o.moved.is_empty() {
        let delta = access::compare(base, head, &o.affected, &o.moved, options.now, principal);
        d.access = delta.access;
        d.escalations = delta.escalations;
    }
    holders_and_reach(&mut d, head, options.now);
    if dirty.policy || dirty.scopes {
        d.policy.new_violations = violations(head, base, false);
        d.policy.fixed_violations = violations(base, head, true);
    }
    if options.findings {
        d.findings = findings(base, head);
    }
    d.summary = summarise(&d);
    d
}

/// Who holds each changed custom role after the change; for an edited one, what the edit
/// does to each of them (widened, narrowed). An added role's holders gained it outright: they
/// are listed as access gained instead.
fn holders_and_reach(d: &mut TenantDiff, head: &Analysis, now: jiff::Timestamp) {
    if d.role_definitions.is_empty() {
        return;
    }
    let access = crate::access::Access::new(&head.tenant, now);
    for r in &mut d.role_definitions {
        r.holders = access::holders(&access, &r.role);
        if r.change != Some(Change::Modified) {
            continue;
        }
        for h in &r.holders {
            let reach = |actions: usize| RoleReach {
                principal: h.principal.clone(),
                role: r.role.clone(),
                scope: h.scope.clone(),
                via: h.via.clone(),
                actions,
            };
            if !r.effective_actions_gained.is_empty() {
                d.access
                    .widened
                    .push(reach(r.effective_actions_gained.len()));
            }
            if !r.effective_actions_lost.is_empty() {
                d.access
                    .narrowed
                    .push(reach(r.effective_actions_lost.len()));
            }
        }
    }
    let order = |x: &RoleReach| (lower(&x.principal), lower(&x.scope), lower(&x.role));
    d.access.widened.sort_by_cached_key(order);
    d.access.narrowed.sort_by_cached_key(order);
}

/// The counts of a diff's sections (again after filtering them).
impl Summary {
    /// Whether the two sides differ at all (findings aside).
    pub fn differs(&self) -> bool {
        self.access_gained
            + self.access_lost
            + self.access_widened
            + self.access_narrowed
            + self.hierarchy_changes
            + self.principal_changes
            + self.role_definition_changes
            + self.role_assignment_changes
            + self.deny_assignment_changes
            + self.new_violations
            + self.fixed_violations
            + self.policy_changes
            > 0
    }
}

pub fn summarise(d: &TenantDiff) -> Summary {
    let count = |sev: &str| {
        d.findings
            .introduced
            .iter()
            .filter(|f| f.severity == sev)
            .count()
    };
    Summary {
        access_gained: d.access.gained.len(),
        access_lost: d.access.lost.len(),
        access_widened: d.access.widened.len(),
        access_narrowed: d.access.narrowed.len(),
        escalations: d.escalations.len(),
        hierarchy_changes: d.hierarchy.len(),
        principal_changes: d.principals.len(),
        role_definition_changes: d.role_definitions.len(),
        role_assignment_changes: d.role_assignments.len(),
        deny_assignment_changes: d.deny_assignments.len(),
        new_violations: d.policy.new_violations.len(),
        fixed_violations: d.policy.fixed_violations.len(),
        policy_changes: d.policy.definitions.len()
            + d.policy.assignments.len()
            + d.policy.exemptions.len(),
        errors_introduced: count(Severity::Error.as_str()),
        warnings_introduced: count(Severity::Warning.as_str()),
        findings_fixed: d.findings.fixed.len(),
        change_errors: d.errors.len(),
    }
}

impl TenantDiff {
    /// The counts and change errors alone, without the lists.
    pub fn summary_only(self) -> TenantDiff {
        TenantDiff {
            summary: self.summary,
            errors: self.errors,
            ..TenantDiff::default()
        }
    }

    /// Whether the change touches nothing canopy models.
    pub fn is_empty(&self) -> bool {
        let s = &self.summary;
        *s == Summary::default()
    }

    /// Whether effective access changed at all (a role someone holds granting more or less
    /// counts).
    pub fn access_changed(&self) -> bool {
        let a = &self.access;
        !(a.gained.is_empty() && a.lost.is_empty() && a.widened.is_empty() && a.narrowed.is_empty())
    }

    /// Errors the change introduces: change errors and error findings not on the base.
    pub fn introduces_errors(&self) -> bool {
        self.summary.change_errors > 0 || self.summary.errors_introduced > 0
    }
}

/// Non-compliant, not exempt evaluations of `a` with no counterpart in `b`, sorted.
fn violations(a: &Analysis, b: &Analysis, fixed: bool) -> Vec<Violation> {
    use crate::policy::assess::Evaluation;
    fn key<'t>(an: &'t Analysis, e: &Evaluation) -> keys::Key<'t> {
        let t = &an.tenant;
        let pa = &t.policy_assignments[e.assignment.index()];
        (
            [
                &t.scope_paths()[e.target.index()],
                &t.scope_paths()[pa.scope.index()],
                &pa.name.value,
            ],
            false,
        )
    }
    let open = |e: &&Evaluation| !e.compliant() && e.exemption.is_none();
    let others = keys::Keyed::new(
        b.compliance
            .results
            .iter()
            .map(|e| open(&e).then(|| key(b, e)))
            .collect(),
    );
    let t = &a.tenant;
    // For fixed violations: whether the resource is still there.
    let b_scopes = keys::Keyed::new(if fixed {
        (0..b.tenant.scopes.len() as u32)
            .map(|i| Some(([&b.tenant.scope_paths()[i as usize], "", ""], false)))
            .collect()
    } else {
        Vec::new()
    });
    let mut out: Vec<Violation> = a
        .compliance
        .results
        .iter()
        .filter(open)
        .filter(|e| others.find(&key(a, e)).is_none())
        .map(|e| {
            let pa = &t.policy_assignments[e.assignment.index()];
            let def = &t.policy_definitions[pa.policy.index()];
            let scope = t.scope_path(e.target);
            Violation {
                target_removed: fixed && b_scopes.find(&([&scope, "", ""], false)).is_none(),
                scope,
                assignment: pa.name.value.to_string(),
                assignment_scope: t.scope_path(pa.scope),
                policy: def
                    .display_name
                    .as_ref()
                    .unwrap_or(&def.name)
                    .value
                    .to_string(),
                effect: e.outcome.effect.name(),
                enforced: e.enforced,
                reason: e.outcome.reason.clone(),
                place: t
                    .scope_span(e.target)
                    .map_or_else(Place::default, |s| Place::of(a, s)),
            }
        })
        .collect();
    out.sort_by_cached_key(|v| {
        (
            v.scope.to_lowercase(),
            v.assignment_scope.to_lowercase(),
            v.assignment.to_lowercase(),
        )
    });
    out
}

/// Findings of `head` not on `base` (introduced) and of `base` not on `head` (fixed), matched
/// by code, file and message (positions move when lines are added above).
fn findings(base: &Analysis, head: &Analysis) -> FindingChanges {
    use rustc_hash::FxHashMap;
    let key = |a: &Analysis, f: &Finding| {
        let file = if f.primary.span.file == crate::builtin::policies::FILE {
            String::new()
        } else {
            a.files.get(f.primary.span.file).name.clone()
        };
        (f.code, file, f.message.clone())
    };
    let minus = |a: &Analysis, b: &Analysis| -> Vec<Diagnostic> {
        let mut counts: FxHashMap<_, usize> = FxHashMap::default();
        for f in &b.findings {
            *counts.entry(key(b, f)).or_default() += 1;
        }
        a.findings
            .iter()
            .filter(|f| match counts.get_mut(&key(a, f)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            })
            .map(|f| crate::report::json::diagnostic(&a.files, f))
            .collect()
    };
    FindingChanges {
        introduced: minus(head, base),
        fixed: minus(base, head),
    }
}
