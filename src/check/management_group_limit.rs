use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

/// <https://learn.microsoft.com/azure/governance/management-groups/overview>: "10,000 management
/// groups can be supported in a single directory."
pub const LIMIT: usize = 10_000;

pub const RULE: Rule = Rule {
    code: Code::ManagementGroupLimit,
    severity: Severity::Error,
    configurable: false,
    summary: "more than 10,000 management groups",
    explanation: "Azure supports at most 10,000 management groups in one directory. canopy points \
at the first group past the limit, in file order.",
    fail: "# 10,001 ManagementGroup documents",
    pass: "# 10,000 ManagementGroup documents or fewer",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    if let Some(mg) = t.management_groups.get(LIMIT) {
        out.push(
            Finding::new(
                Code::ManagementGroupLimit,
                mg.name.span,
                format!("group number {}", LIMIT + 1),
                format!(
                    "the tree declares {} management groups; Azure supports at most {LIMIT}",
                    t.management_groups.len()
                ),
            )
            .help("merge or remove groups: organise by subscriptions and tags rather than more groups"),
        );
    }
}
