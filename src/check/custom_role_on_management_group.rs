use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::model::{RoleRef, ScopeKind};

pub const RULE: Rule = Rule {
    code: Code::CustomRoleOnManagementGroup,
    severity: Severity::Error,
    configurable: false,
    summary: "a custom role with a management group in assignableScopes, or assigned at a management group",
    explanation: "canopy keeps custom roles off management groups: Azure limits them there (at most \
one management group in a custom role's AssignableScopes, none for roles with DataActions, and \
assignments at a management group only within those scopes), and a custom role at a management \
group silently reaches every subscription below it. Define the role with subscription (or \
narrower) assignable scopes, or use a built-in role at the management group.",
    fail: "kind: RoleDefinition\nname: VM Operator\nactions: [Microsoft.Compute/virtualMachines/start/action]\nassignableScopes:\n  - /providers/Microsoft.Management/managementGroups/production\n",
    pass: "kind: RoleDefinition\nname: VM Operator\nactions: [Microsoft.Compute/virtualMachines/start/action]\nassignableScopes:\n  - /subscriptions/corp-prod\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for role in &t.custom_roles {
        for (text, scope) in &role.assignable_scopes {
            if let Some(s) = scope
                && matches!(t.scopes.kind(*s), ScopeKind::ManagementGroup(_))
            {
                out.push(
                    Finding::new(
                        Code::CustomRoleOnManagementGroup,
                        text.span,
                        "a management group",
                        format!("custom role `{}` lists a management group in assignableScopes", role.name.value),
                    )
                    .help("list subscriptions or resource groups instead, or use a built-in role at the management group"),
                );
            }
        }
    }
    for a in &t.role_assignments {
        if let RoleRef::Custom(id) = a.role
            && matches!(t.scopes.kind(a.scope), ScopeKind::ManagementGroup(_))
        {
            out.push(
                Finding::new(
                    Code::CustomRoleOnManagementGroup,
                    a.scope_ref.span,
                    "a management group",
                    format!(
                        "custom role `{}` is assigned at a management group",
                        t.custom_role(id).name.value
                    ),
                )
                .related(t.custom_role(id).name.span, "the custom role")
                .help("assign it at the subscriptions below, or use a built-in role"),
            );
        }
    }
}
