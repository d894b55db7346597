//! Compliance of the whole tenant: every policy assignment applied to every resource, resource
//! group and subscription below its scope (except its notScopes), with exemptions and
//! enforcement mode, in parallel over resources.
//!
//! Azure's rules: an assignment applies at its scope and below it, except its notScopes;
//! assignments at several levels all apply, so a resource must satisfy each one; an exemption
//! (Waiver or Mitigated) for an assignment exempts its scope and below until it expires;
//! `enforcementMode: DoNotEnforce` still evaluates and reports, but enforces nothing.
//! <https://learn.microsoft.com/azure/governance/policy/concepts/assignment-structure>

use super::eval::{Bound, Outcome, Resource, ResourceKind, bind};
use super::{ErrorKind, PolicyError, Site, ast::Effect, parse_model};
use crate::diag::{Code, Finding};
use crate::model::{ExemptionId, PolicyAssignmentId, ScopeId, ScopeKind, Tenant};
use crate::source::{FileId, Span};
use rayon::prelude::*;

/// One assignment evaluated against one resource, resource group or subscription.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub assignment: PolicyAssignmentId,
    pub target: ScopeId,
    pub outcome: Outcome,
    /// The exemption that exempts the target, if any (expired ones exempt nothing).
    pub exemption: Option<ExemptionId>,
    pub enforced: bool,
}

impl Evaluation {
    pub fn compliant(&self) -> bool {
        !self.outcome.applies
    }
}

/// Compliance counts of a set of evaluations, as `canopy policy` and the report give them.
#[derive(serde::Serialize, Debug, Default, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub evaluated: usize,
    pub compliant: usize,
    pub exempt: usize,
    pub percent_compliant: f64,
}

impl Tally {
    pub fn add(&mut self, e: &Evaluation) {
        self.evaluated += 1;
        if e.compliant() {
            self.compliant += 1;
        } else if e.exemption.is_some() {
            self.exempt += 1;
        }
    }
    pub fn done(mut self) -> Self {
        // Exempt resources count as compliant, as Azure's compliance percentage does.
        self.percent_compliant = if self.evaluated == 0 {
            100.0
        } else {
            ((self.compliant + self.exempt) as f64 * 1000.0 / self.evaluated as f64).round() / 10.0
        };
        self
    }
}

/// Every evaluation, and the problems met binding definitions to assignments.
#[derive(Debug, Default)]
pub struct Compliance {
    /// Sorted by target scope path, then assignment.
    pub results: Vec<Evaluation>,
    pub problems: Vec<Finding>,
}

fn finding_of(e: &PolicyError, file: FileId, code: Code, label: &str) -> Finding {
    let span = Span::new(file, e.start, e.end);
    let mut f = Finding::new(code, span, label, e.message.clone());
    f.help = e.help.clone();
    f
}

/// Assesses every assignment of the tenant as of `now` (for exemption expiry).
pub fn assess(t: &Tenant, now: jiff::Timestamp) -> Compliance {
    let mut problems = Vec::new();
    // Parse each definition once; its problems are reported once, at the definition.
    let definitions: Vec<_> = t
        .policy_definitions
        .iter()
        .map(|d| match parse_model(d) {
            Ok(def) => Some(def),
            Err(errors) => {
                let file = d.name.span.file;
                for e in &errors {
                    let (code, label) = match e.kind {
                        ErrorKind::Unsupported => {
                            (Code::UnsupportedPolicy, "not supported by canopy")
                        }
                        ErrorKind::Invalid => (Code::Schema, "not valid Azure Policy"),
                    };
                    problems.push(finding_of(e, file, code, label));
                }
                None
            }
        })
        .collect();
    // Bind each assignment's parameters once.
    let bound: Vec<Option<Bound>> = t
        .policy_assignments
        .iter()
        .map(|a| {
            let def = definitions[a.policy.index()].as_ref()?;
            match bind(def, &a.parameters) {
                Ok(b) => Some(b),
                Err(errors) => {
                    let d = &t.policy_definitions[a.policy.index()];
                    for e in &errors {
                        problems.push(bind_problem(e, a, d));
                    }
                    None
                }
            }
        })
        .collect();
    // Assignments by the scope they are made at, so each target sees only its ancestors'. A
    // map, not a list per scope: a tenant has hundreds of policy assignments but, at Azure's
    // limits, 600,000 scopes (a list per scope was 14 MB); a flag per scope says which of a
    // target's ancestors to look up.
    let mut by_scope: rustc_hash::FxHashMap<ScopeId, Vec<PolicyAssignmentId>> = Default::default();
    let mut assigned_at = vec![false; t.scopes.len()];
    for (i, a) in t.policy_assignments.iter().enumerate() {
        if bound[i].is_some() {
            by_scope
                .entry(a.scope)
                .or_default()
                .push(PolicyAssignmentId(i as u32));
            assigned_at[a.scope.index()] = true;
        }
    }
    let at_scope = |s: ScopeId| -> &[PolicyAssignmentId] {
        if assigned_at[s.index()] {
            &by_scope[&s]
        } else {
            &[]
        }
    };
    // Every subscription, resource group and resource, taken as they come rather than listed
    // first (a list of them was 2.4 MB at Azure's limits).
    let targets = (0..t.scopes.len() as u32)
        .into_par_iter()
        .map(ScopeId)
        .filter(|s| {
            matches!(
                t.scopes.kind(*s),
                ScopeKind::Subscription(_) | ScopeKind::ResourceGroup(_) | ScopeKind::Resource(_)
            )
        });
    let mut results: Vec<Evaluation> = targets
        .flat_map_iter(|target| {
            let view = View::of(t, target);
            let mut out = Vec::new();
            for scope in t.scopes.ancestors(target) {
                for &aid in at_scope(scope) {
                    let a = &t.policy_assignments[aid.index()];
                    let Some(b) = &bound[aid.index()] else {
                        continue;
                    };
                    if a.not_scopes
                        .iter()
                        .any(|(_, ns)| t.scopes.contains(*ns, target))
                    {
                        continue;
                    }
                    let resource = view.resource();
                    if !b.applies_to(&resource) || b.effect() == Effect::Disabled {
                        continue;
                    }
                    let outcome = b.evaluate(&resource);
                    let exemption = exemption_for(t, aid, target, now);
                    out.push(Evaluation {
                        assignment: aid,
                        target,
                        outcome,
                        exemption,
                        enforced: a.enforced,
                    });
                }
            }
            out
        })
        .collect();
    results.par_sort_by_cached_key(|e| (t.scope_path(e.target).to_lowercase(), e.assignment));
    Compliance { results, problems }
}

/// The exemption that exempts `target` from an assignment as of `now`: one for that assignment
/// at the target's scope or above it, not expired (an expired exemption exempts nothing).
pub fn exemption_for(
    t: &Tenant,
    assignment: PolicyAssignmentId,
    target: ScopeId,
    now: jiff::Timestamp,
) -> Option<ExemptionId> {
    t.policy_exemptions
        .iter()
        .position(|e| {
            e.policy_assignment == assignment
                && t.scopes.contains(e.scope, target)
                && e.expires_on.as_ref().is_none_or(|x| x.value > now)
        })
        .map(|i| ExemptionId(i as u32))
}

/// A problem binding an assignment's parameters, as the issue's codes say: an unknown
/// parameter is `unknown-reference`; a missing or disallowed value is `schema`.
fn bind_problem(
    e: &PolicyError,
    a: &crate::model::PolicyAssignment,
    d: &crate::model::PolicyDefinition,
) -> Finding {
    match e.site {
        Site::Assignment => {
            let code = if e.message.contains("is not declared") {
                Code::UnknownReference
            } else {
                Code::Schema
            };
            finding_of(e, a.name.span.file, code, "here")
        }
        Site::Definition => {
            let mut f = Finding::new(
                if e.kind == ErrorKind::Unsupported {
                    Code::UnsupportedPolicy
                } else {
                    Code::Schema
                },
                a.policy_ref.span,
                "this assignment",
                format!("policy assignment `{}`: {}", a.name.value, e.message),
            )
            .related(Span::new(d.name.span.file, e.start, e.end), "declared here");
            f.help = e.help.clone();
            f
        }
    }
}

/// The strings a policy sees of one target, borrowed from the tenant.
struct View<'t> {
    t: &'t Tenant,
    target: ScopeId,
    name: &'t str,
    type_: &'t str,
    location: Option<&'t str>,
    /// Spelled only if a policy reads it.
    id: std::cell::OnceCell<String>,
    rg_location: Option<&'t str>,
    kind: ResourceKind,
    tag_pairs: Vec<(String, String)>,
}

impl<'t> View<'t> {
    fn of(t: &'t Tenant, target: ScopeId) -> View<'t> {
        let id = std::cell::OnceCell::new();
        let tags = |v: &[(crate::source::Text, crate::source::Text)]| {
            v.iter()
                .map(|(k, v)| (k.value.to_string(), v.value.to_string()))
                .collect()
        };
        match t.scopes.kind(target) {
            ScopeKind::Resource(r) => {
                let res = &t.resources[r.index()];
                let rg = &t.resource_groups[res.resource_group.index()];
                View {
                    t,
                    target,
                    name: &res.name.value,
                    type_: t.word(res.resource_type.value),
                    location: res.location.as_ref().map(|l| t.word(l.value)),
                    id,
                    rg_location: rg.location.as_ref().map(|l| l.value.as_str()),
                    kind: ResourceKind::Resource,
                    tag_pairs: tags(&res.tags),
                }
            }
            ScopeKind::ResourceGroup(g) => {
                let rg = &t.resource_groups[g.index()];
                View {
                    t,
                    target,
                    name: &rg.name.value,
                    type_: "Microsoft.Resources/subscriptions/resourceGroups",
                    location: rg.location.as_ref().map(|l| l.value.as_str()),
                    id,
                    rg_location: rg.location.as_ref().map(|l| l.value.as_str()),
                    kind: ResourceKind::ResourceGroup,
                    tag_pairs: tags(&rg.tags),
                }
            }
            _ => {
                let name = match t.scopes.kind(target) {
                    ScopeKind::Subscription(s) => t.sub(s).name.value.as_str(),
                    _ => "",
                };
                View {
                    t,
                    target,
                    name,
                    type_: "Microsoft.Resources/subscriptions",
                    location: None,
                    id,
                    rg_location: None,
                    kind: ResourceKind::Subscription,
                    tag_pairs: Vec::new(),
                }
            }
        }
    }

    fn resource(&self) -> Resource<'_> {
        Resource {
            name: self.name,
            type_: self.type_,
            location: self.location,
            id: crate::policy::ResourceId::OfScope(&self.id, self.t, self.target),
            tags: &self.tag_pairs,
            resource_group_location: self.rg_location,
            kind: self.kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::load::parse_text;
    use crate::source::FileId;

    /// A target's ID is spelled only when a policy reads it, and then it is its scope path:
    /// `id`, `fullName` and `resourceGroup().name` read it.
    #[test]
    fn policies_read_a_targets_id_as_its_scope_path() {
        let yaml = r#"kind: ManagementGroup
name: root
---
kind: Subscription
name: s1
resourceGroups:
  - name: Data
    resources:
      - {name: srv/db1, type: Microsoft.Sql/servers/databases}
---
kind: PolicyDefinition
name: by-id
policyRule:
  if:
    allOf:
      - {field: type, equals: Microsoft.Sql/servers/databases}
      - {field: id, like: "/subscriptions/s1/*"}
      - {field: fullName, equals: srv/db1}
      - {value: "[resourceGroup().name]", equals: Data}
  then: {effect: audit}
---
kind: PolicyAssignment
name: by-id
scope: /
policy: by-id
"#;
        let (docs, findings) = parse_text(FileId(0), yaml);
        assert!(findings.is_empty(), "{findings:?}");
        let mut findings = Vec::new();
        let t = crate::model::resolve(docs, &mut findings);
        assert!(findings.is_empty(), "{findings:?}");
        let c = super::assess(&t, jiff::Timestamp::UNIX_EPOCH);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        let flagged: Vec<String> = c
            .results
            .iter()
            .filter(|e| e.outcome.applies)
            .map(|e| t.scope_path(e.target))
            .collect();
        assert_eq!(
            flagged,
            [
                "/subscriptions/s1/resourceGroups/Data/providers/Microsoft.Sql/servers/srv/databases/db1"
            ]
        );
    }
}
