use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::ExpiredAssignment,
    severity: Severity::Warning,
    configurable: true,
    summary: "a role assignment past its endDateTime: it grants nothing",
    explanation: "A time-bound role assignment (active or eligible, as Privileged Identity \
Management creates them) grants nothing after its endDateTime. Leaving it in the tree suggests \
access that no longer exists. Remove it, or extend it on purpose.",
    fail: "kind: RoleAssignment\nprincipal: contractor@contoso.com\nrole: Contributor\nscope: /subscriptions/corp-dev\nendDateTime: 2024-06-30T00:00:00Z\n",
    pass: "kind: RoleAssignment\nprincipal: contractor@contoso.com\nrole: Contributor\nscope: /subscriptions/corp-dev\nendDateTime: 2099-06-30T00:00:00Z\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for a in &t.role_assignments {
        let Some(end) = a.end_date_time() else {
            continue;
        };
        if end.value > cx.now {
            continue;
        }
        let kind = if a.eligible { "eligible" } else { "active" };
        out.push(
            Finding::new(
                Code::ExpiredAssignment,
                end.span,
                "expired",
                format!(
                    "{kind} role assignment of `{}` to `{}` at `{}` ended on {}: it grants nothing",
                    t.role_name(a.role),
                    t.principal(a.principal).name.value,
                    t.scope_path(a.scope),
                    end.value
                ),
            )
            .help("remove the assignment, or extend its endDateTime on purpose"),
        );
    }
}
