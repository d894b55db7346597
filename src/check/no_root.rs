use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::NoRoot,
    severity: Severity::Error,
    configurable: false,
    summary: "no management group without a parent: the tenant has no root group",
    explanation: "Every Azure tenant has exactly one root management group (its name is the tenant \
ID, its display name \"Tenant Root Group\" by default); every other group and every subscription \
sits below it. Declare it as the one ManagementGroup without a `parent`.",
    fail: "kind: ManagementGroup\nname: platform\nparent: contoso\n",
    pass: "kind: ManagementGroup\nname: contoso\ndisplayName: Tenant Root Group\n---\nkind: ManagementGroup\nname: platform\nparent: contoso\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    if !t.roots.is_empty() {
        return;
    }
    let help =
        "declare the root: a ManagementGroup without `parent` (in Azure its name is the tenant ID)";
    if let Some(first) = t.management_groups.first() {
        let span = first
            .parent_ref
            .as_ref()
            .map_or(first.name.span, |p| p.span);
        out.push(
            Finding::new(
                Code::NoRoot,
                span,
                "every group has a parent",
                match t.management_groups.len() {
                    1 => {
                        "the only management group names a parent, so there is no root".to_string()
                    }
                    n => format!(
                        "none of the {n} management groups is a root: each one names a parent"
                    ),
                },
            )
            .help(help),
        );
    } else if let Some(s) = t.subscriptions.first() {
        out.push(
            Finding::new(
                Code::NoRoot,
                s.name.span,
                "no management group above this",
                "the tree declares no management group, so it has no root group".to_string(),
            )
            .help(help),
        );
    }
}
