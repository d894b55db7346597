use super::{Ctx, Rule};
use crate::builtin;
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::BuiltinRoleRedefined,
    severity: Severity::Error,
    configurable: false,
    summary: "a custom role reusing a built-in role's name or GUID",
    explanation: "Role names are unique in a directory and Azure's 900-odd built-in roles are \
always there: a custom role named `Reader`, or with a built-in role's GUID, cannot be created, and \
assignments naming it would be ambiguous. canopy knows every built-in role.",
    fail: "kind: RoleDefinition\nname: Reader\nactions: ['*/read']\nassignableScopes: [/subscriptions/corp-dev]\n",
    pass: "kind: RoleDefinition\nname: Contoso Reader\nactions: ['*/read']\nassignableScopes: [/subscriptions/corp-dev]\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    for role in &cx.tenant.custom_roles {
        if let Some(b) = builtin::role_by_name(&role.name.value) {
            out.push(
                Finding::new(
                    Code::BuiltinRoleRedefined,
                    role.name.span,
                    "a built-in role's name",
                    format!(
                        "custom role `{}` has the name of Azure's built-in role `{}`",
                        role.name.value, b.name
                    ),
                )
                .help("give the custom role a name of its own: built-in role names are reserved in every tenant"),
            );
        }
        if let Some(id) = &role.id
            && let Some(b) = builtin::role_by_id(&id.value)
        {
            out.push(
                Finding::new(
                    Code::BuiltinRoleRedefined,
                    id.span,
                    "a built-in role's GUID",
                    format!(
                        "custom role `{}` has the GUID of Azure's built-in role `{}`",
                        role.name.value, b.name
                    ),
                )
                .help("give the custom role a GUID of its own (or omit `id`)"),
            );
        }
    }
}
