use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::model::{RoleRef, ScopeKind};

pub const RULE: Rule = Rule {
    code: Code::CustomRoleOnManagementGroup,
    severity: Severity::Error,
    configurable: false,
    summary: "a custom role with a management group (or `/`) in assignableScopes, or assigned there",
    explanation: "canopy keeps custom roles off management groups: Azure limits them there (at most \
one management group in a custom role's AssignableScopes, none for roles with DataActions, and \
assignments at a management group only within those scopes), and a custom role at a management \
group silently reaches every subscription below it. Define the role with subscription (or \
narrower) assignable scopes, or use a built-in role at the management group. The root scope `/` \
is reserved for built-in roles: Azure requires a custom role to list at least one management \
group, subscription or resource group \
(https://learn.microsoft.com/azure/role-based-access-control/role-definitions#assignablescopes).",
    fail: "kind: RoleDefinition\nname: VM Operator\nactions: [Microsoft.Compute/virtualMachines/start/action]\nassignableScopes:\n  - /providers/Microsoft.Management/managementGroups/production\n",
    pass: "kind: RoleDefinition\nname: VM Operator\nactions: [Microsoft.Compute/virtualMachines/start/action]\nassignableScopes:\n  - /subscriptions/corp-prod\n",
    run: Some(run),
};

/// Scopes where canopy keeps custom roles out: management groups and the root scope.
fn above_subscriptions(kind: ScopeKind) -> Option<&'static str> {
    match kind {
        ScopeKind::ManagementGroup(_) => Some("a management group"),
        ScopeKind::Tenant => Some("the root scope `/`"),
        _ => None,
    }
}

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for role in &t.custom_roles {
        for (text, scope) in &role.assignable_scopes {
            let Some(what) = scope.and_then(|s| above_subscriptions(t.scopes.kind(s))) else {
                continue;
            };
            out.push(
                Finding::new(
                    Code::CustomRoleOnManagementGroup,
                    text.span,
                    what,
                    format!(
                        "custom role `{}` lists {what} in assignableScopes",
                        role.name.value
                    ),
                )
                .help(
                    "list subscriptions or resource groups instead, or use a built-in role there",
                ),
            );
        }
    }
    for a in &t.role_assignments {
        let RoleRef::Custom(id) = a.role else {
            continue;
        };
        let Some(what) = above_subscriptions(t.scopes.kind(a.scope)) else {
            continue;
        };
        let role = t.custom_role(id);
        out.push(
            Finding::new(
                Code::CustomRoleOnManagementGroup,
                a.scope_ref.span,
                what,
                format!("custom role `{}` is assigned at {what}", role.name.value),
            )
            .related(role.name.span, "the custom role")
            .help("assign it at the subscriptions below, or use a built-in role"),
        );
    }
}
