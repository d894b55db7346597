use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::model::RoleRef;

pub const RULE: Rule = Rule {
    code: Code::AssignableScope,
    severity: Severity::Error,
    configurable: false,
    summary: "a custom role assigned outside its assignableScopes",
    explanation: "A custom role can be assigned only at its AssignableScopes or below them \
(https://learn.microsoft.com/azure/role-based-access-control/role-definitions#assignablescopes). \
Azure rejects an assignment anywhere else.",
    fail: "kind: RoleDefinition\nname: VM Operator\nactions: [Microsoft.Compute/virtualMachines/start/action]\nassignableScopes: [/subscriptions/corp-dev]\n---\nkind: RoleAssignment\nprincipal: ops\nrole: VM Operator\nscope: /subscriptions/corp-prod\n",
    pass: "kind: RoleDefinition\nname: VM Operator\nactions: [Microsoft.Compute/virtualMachines/start/action]\nassignableScopes: [/subscriptions/corp-dev, /subscriptions/corp-prod]\n---\nkind: RoleAssignment\nprincipal: ops\nrole: VM Operator\nscope: /subscriptions/corp-prod\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for a in &t.role_assignments {
        let RoleRef::Custom(id) = a.role else {
            continue;
        };
        let role = t.custom_role(id);
        let resolved: Vec<_> = role
            .assignable_scopes
            .iter()
            .filter_map(|(_, s)| *s)
            .collect();
        // A role whose assignable scopes did not resolve was already reported as unknown-reference.
        if resolved.len() < role.assignable_scopes.len() && resolved.is_empty() {
            continue;
        }
        if resolved.iter().any(|s| t.scopes.contains(*s, a.scope)) {
            continue;
        }
        let listed: Vec<&str> = role
            .assignable_scopes
            .iter()
            .map(|(s, _)| s.value.as_str())
            .collect();
        let mut f = Finding::new(
            Code::AssignableScope,
            a.scope_ref.span,
            "outside the role's assignableScopes",
            format!(
                "custom role `{}` is assigned at `{}`, outside its assignableScopes ({})",
                role.name.value,
                a.scope_ref.value,
                listed.join(", ")
            ),
        )
        .help("assign the role at or below one of its assignableScopes, or add this scope to them");
        if let Some((first, _)) = role.assignable_scopes.first() {
            f = f.related(first.span, "the role's assignableScopes");
        }
        out.push(f);
    }
}
