use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::ExpiredExemption,
    severity: Severity::Warning,
    configurable: true,
    summary: "a policy exemption past its expiresOn",
    explanation: "An exemption whose expiresOn has passed exempts nothing: Azure evaluates the \
policy again. Leaving it in the tree suggests a waiver that no longer exists. Remove it, or renew \
it with a new date and a reason.",
    fail: "kind: PolicyExemption\nname: legacy-vm\npolicyAssignment: allowed-locations\nscope: /subscriptions/corp-prod/resourceGroups/legacy\ncategory: Waiver\nexpiresOn: 2024-01-31T00:00:00Z\n",
    pass: "kind: PolicyExemption\nname: legacy-vm\npolicyAssignment: allowed-locations\nscope: /subscriptions/corp-prod/resourceGroups/legacy\ncategory: Waiver\nexpiresOn: 2099-01-31T00:00:00Z\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    for e in &cx.tenant.policy_exemptions {
        let Some(exp) = &e.expires_on else { continue };
        if exp.value > cx.now {
            continue;
        }
        out.push(
            Finding::new(
                Code::ExpiredExemption,
                exp.span,
                "expired",
                format!(
                    "policy exemption `{}` expired on {}: it exempts nothing",
                    e.name.value, exp.value
                ),
            )
            .help("remove the exemption, or renew it with a new expiresOn"),
        );
    }
}
