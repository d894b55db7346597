use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::MultipleRoots,
    severity: Severity::Error,
    configurable: false,
    summary: "more than one management group without a parent",
    explanation: "A tenant has exactly one root management group. A second group without a \
`parent` is usually a forgotten `parent:` line: in Azure that group would be created under the \
root, not beside it.",
    fail: "kind: ManagementGroup\nname: contoso\n---\nkind: ManagementGroup\nname: platform\n",
    pass: "kind: ManagementGroup\nname: contoso\n---\nkind: ManagementGroup\nname: platform\nparent: contoso\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    let Some((first, rest)) = t.roots.split_first() else {
        return;
    };
    let first = t.mg(*first);
    for r in rest {
        let mg = t.mg(*r);
        out.push(
            Finding::new(
                Code::MultipleRoots,
                mg.name.span,
                "a second root",
                format!(
                    "management group `{}` has no parent, but `{}` is already the root",
                    mg.name.value, first.name.value
                ),
            )
            .related(first.name.span, "the first root")
            .help(format!(
                "add `parent: {}` (or the group it belongs under)",
                first.name.value
            )),
        );
    }
}
