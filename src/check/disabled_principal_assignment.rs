use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::DisabledPrincipalAssignment,
    severity: Severity::Warning,
    configurable: true,
    summary: "a role assigned to a disabled account: it grants nothing",
    explanation: "A disabled user or service principal cannot sign in, so its role assignments \
grant nothing. They still clutter reviews, count towards Azure's limits, and spring back to life \
if the account is enabled again. Remove them, or re-enable the account on purpose.",
    fail: "kind: User\nname: leaver@contoso.com\nenabled: false\n---\nkind: RoleAssignment\nprincipal: leaver@contoso.com\nrole: Contributor\nscope: /subscriptions/corp-dev\n",
    pass: "kind: User\nname: leaver@contoso.com\nenabled: false\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for a in &t.role_assignments {
        let p = t.principal(a.principal);
        if p.enabled.value {
            continue;
        }
        out.push(
            Finding::new(
                Code::DisabledPrincipalAssignment,
                a.principal_ref.span,
                "disabled",
                format!(
                    "role `{}` at `{}` is assigned to disabled {} `{}`: it grants nothing",
                    t.role_name(a.role),
                    t.scope_path(a.scope),
                    p.kind.noun(),
                    p.name.value
                ),
            )
            .related(p.enabled.span, "enabled: false")
            .help("remove the assignment, or enable the account if it should have access"),
        );
    }
}
