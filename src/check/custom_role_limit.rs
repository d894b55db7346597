use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

/// <https://learn.microsoft.com/azure/role-based-access-control/custom-roles>: "Each directory
/// can have up to 5000 custom roles."
pub const LIMIT: usize = 5_000;

pub const RULE: Rule = Rule {
    code: Code::CustomRoleLimit,
    severity: Severity::Error,
    configurable: false,
    summary: "more than 5,000 custom roles",
    explanation: "Each Microsoft Entra directory can have up to 5,000 custom roles. canopy points \
at the first role past the limit, in file order.",
    fail: "# 5,001 RoleDefinition documents",
    pass: "# 5,000 RoleDefinition documents or fewer",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    if let Some(r) = t.custom_roles.get(LIMIT) {
        out.push(
            Finding::new(
                Code::CustomRoleLimit,
                r.name.span,
                format!("role number {}", LIMIT + 1),
                format!(
                    "the tree declares {} custom roles; Azure allows at most {LIMIT} per directory",
                    t.custom_roles.len()
                ),
            )
            .help("merge roles that differ little, or use built-in roles"),
        );
    }
}
