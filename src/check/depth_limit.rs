use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::model::MgId;

pub const RULE: Rule = Rule {
    code: Code::DepthLimit,
    severity: Severity::Error,
    configurable: false,
    summary: "a management group more than 6 levels below the root",
    explanation: "Azure supports up to six levels of management groups below the root group; the \
root level and the subscription level do not count \
(https://learn.microsoft.com/azure/governance/management-groups/overview). `max-depth` in \
canopy.toml can make the limit stricter. canopy reports the first group past the limit on each \
branch, with the chain from the root and how many groups below it are too deep as well.",
    fail: "# contoso (root) → l1 → l2 → l3 → l4 → l5 → l6 → l7\nkind: ManagementGroup\nname: l7\nparent: l6\n",
    pass: "# contoso (root) → l1 → l2 → l3 → l4 → l5 → l6\nkind: ManagementGroup\nname: l6\nparent: l5\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    let max = cx.config.max_depth;
    // Count, for every group at the first illegal level, the groups below it.
    let mut below = vec![0usize; t.management_groups.len()];
    for mg in &t.management_groups {
        if mg.level.is_some_and(|l| l > max + 1) {
            let mut cur = mg.parent;
            while let Some(p) = cur {
                let pm = t.mg(p);
                if pm.level == Some(max + 1) {
                    below[p.index()] += 1;
                    break;
                }
                cur = pm.parent;
            }
        }
    }
    for (i, mg) in t.management_groups.iter().enumerate() {
        if mg.level != Some(max + 1) {
            continue;
        }
        let mut chain = Vec::new();
        let mut cur = Some(MgId(i as u32));
        while let Some(c) = cur {
            chain.push(t.mg(c).name.value.as_str());
            cur = t.mg(c).parent;
        }
        chain.reverse();
        let limit = if max == crate::config::AZURE_MAX_DEPTH {
            format!("Azure's limit is {max}")
        } else {
            format!("canopy.toml sets max-depth = {max}")
        };
        let mut message = format!(
            "management group `{}` is {} levels below the root ({limit}): {}",
            mg.name.value,
            max + 1,
            chain.join(" → ")
        );
        if below[i] > 0 {
            message.push_str(&format!(
                "; {} group(s) below it are deeper still",
                below[i]
            ));
        }
        let span = mg.parent_ref.as_ref().map_or(mg.name.span, |p| p.span);
        out.push(
            Finding::new(
                Code::DepthLimit,
                span,
                format!("level {}", max + 1),
                message,
            )
            .help("attach this group to a higher parent, or merge levels above it"),
        );
    }
}
