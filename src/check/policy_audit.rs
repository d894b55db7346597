use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::policy::ast::Effect;

pub const RULE: Rule = Rule {
    code: Code::PolicyAudit,
    severity: Severity::Warning,
    configurable: true,
    summary: "a resource that an enforced audit policy assigned above it marks non-compliant",
    explanation: "Under an `audit` effect Azure lets the resource exist but records it as \
non-compliant. canopy warns, pointing at the offending field, with the assignment as a related \
place. Exempted resources and `DoNotEnforce` assignments are left to `canopy policy`.",
    fail: "# audit-locations [westus] assigned at the production group\nkind: Subscription\nname: corp-prod\nparent: production\nresourceGroups:\n  - name: web\n    location: eastus\n",
    pass: "# audit-locations [westus] assigned at the production group\nkind: Subscription\nname: corp-prod\nparent: production\nresourceGroups:\n  - name: web\n    location: westus\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    for e in &cx.compliance().results {
        if !e.compliant()
            && e.enforced
            && e.exemption.is_none()
            && e.outcome.effect == Effect::Audit
        {
            out.extend(super::policy_violation::finding(
                cx,
                e,
                Code::PolicyAudit,
                "audit",
            ));
        }
    }
}
