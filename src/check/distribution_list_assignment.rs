use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::DistributionListAssignment,
    severity: Severity::Error,
    configurable: false,
    summary: "a role assigned to a distribution list (a group that is not security-enabled)",
    explanation: "Azure role assignments take users, service principals, managed identities and \
security groups. A distribution list (mailEnabled, not securityEnabled) cannot hold a role: Azure \
rejects the assignment, and its members would get nothing.",
    fail: "kind: Group\nname: all-staff\nsecurityEnabled: false\nmailEnabled: true\n---\nkind: RoleAssignment\nprincipal: all-staff\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    pass: "kind: Group\nname: readers\n---\nkind: RoleAssignment\nprincipal: readers\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for a in &t.role_assignments {
        let p = t.principal(a.principal);
        if !p.is_distribution_list() {
            continue;
        }
        let what = if p.mail_enabled.value {
            "a distribution list"
        } else {
            "a group that is not security-enabled"
        };
        out.push(
            Finding::new(
                Code::DistributionListAssignment,
                a.principal_ref.span,
                what,
                format!(
                    "role `{}` is assigned to `{}`, {what}",
                    t.role_name(a.role),
                    p.name.value
                ),
            )
            .related(p.security_enabled.span, "securityEnabled: false")
            .help("assign the role to a security group that holds the same people"),
        );
    }
}
