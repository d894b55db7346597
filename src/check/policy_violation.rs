use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::model::{ScopeId, ScopeKind, Tenant};
use crate::policy::assess::Evaluation;
use crate::policy::ast::Effect;
use crate::source::Span;

pub const RULE: Rule = Rule {
    code: Code::PolicyViolation,
    severity: Severity::Error,
    configurable: false,
    summary: "a resource that an enforced deny policy assigned above it would reject",
    explanation: "Policy assignments apply at their scope and below (except notScopes), and a \
resource must satisfy every one. Under an enforced `deny` effect Azure refuses to create or \
update a non-compliant resource, so a tree holding one cannot be deployed: this is what makes a \
pull request adding a VM in East US under a West-US-only Production group fail. Exempted \
resources, and assignments with `enforcementMode: DoNotEnforce`, are reported by `canopy policy` \
instead.",
    fail: "# allowed-locations [westus] assigned at the production group\nkind: Subscription\nname: corp-prod\nparent: production\nresourceGroups:\n  - name: web\n    location: westus\n    resources:\n      - {name: vm1, type: Microsoft.Compute/virtualMachines, location: eastus}\n",
    pass: "# allowed-locations [westus] assigned at the production group\nkind: Subscription\nname: corp-prod\nparent: production\nresourceGroups:\n  - name: web\n    location: westus\n    resources:\n      - {name: vm1, type: Microsoft.Compute/virtualMachines, location: westus}\n",
    run: Some(run),
};

/// Where a finding about a target should point: the field the reason is about, in its file;
/// and whether that is the target's location.
pub(crate) fn target_span(t: &Tenant, target: ScopeId, reason: &str) -> Option<(Span, bool)> {
    let lower = reason.to_ascii_lowercase();
    let (name, location, resource_type) = match t.scopes.kind(target) {
        ScopeKind::Resource(r) => {
            let r = &t.resources[r.index()];
            (
                r.name.span,
                r.location.as_ref().map(|l| l.span),
                Some(r.resource_type.span),
            )
        }
        ScopeKind::ResourceGroup(g) => {
            let g = &t.resource_groups[g.index()];
            (g.name.span, g.location.as_ref().map(|l| l.span), None)
        }
        ScopeKind::Subscription(s) => (t.sub(s).name.span, None, None),
        _ => return None,
    };
    Some(match location {
        Some(l) if lower.starts_with("location") || lower.contains(" location ") => (l, true),
        _ if lower.starts_with("type") => (resource_type.unwrap_or(name), false),
        _ => (name, false),
    })
}

/// A finding about one non-compliant evaluation, shared by the deny and audit rules.
pub(crate) fn finding(cx: &Ctx, e: &Evaluation, code: Code, effect: &str) -> Option<Finding> {
    let t = cx.tenant;
    let a = &t.policy_assignments[e.assignment.index()];
    let d = &t.policy_definitions[a.policy.index()];
    let (span, on_location) = target_span(t, e.target, &e.outcome.reason)?;
    // The label names the one clause about the marked field; the message has the whole reason.
    let clause = e
        .outcome
        .reason
        .split(" and ")
        .find(|c| !on_location || c.starts_with("location"))
        .unwrap_or(&e.outcome.reason);
    let inherited = if a.scope == e.target {
        String::new()
    } else {
        format!(" (inherited from {})", t.scope_path(a.scope))
    };
    let policy = d.display_name.as_ref().unwrap_or(&d.name);
    Some(
        Finding::new(
            code,
            span,
            format!("{effect}: {clause}"),
            format!(
                "`{}` breaks policy `{}` ({effect}): {}{inherited}",
                t.scope_path(e.target),
                policy.value,
                e.outcome.reason
            ),
        )
        .related(a.scope_ref.span, format!("assignment `{}`", a.name.value))
        .help("change the resource to comply, or add a PolicyExemption with a reason and an expiresOn"),
    )
}

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    for e in &cx.compliance().results {
        if !e.compliant() && e.enforced && e.exemption.is_none() && e.outcome.effect == Effect::Deny
        {
            out.extend(finding(cx, e, Code::PolicyViolation, "deny"));
        }
    }
}
