use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::model::MgId;

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
    if t.roots.len() < 2 {
        return;
    }
    // The real root is the one holding the hierarchy: most scopes below it, then the first
    // declared. The others are reported as strays, with advice to attach them under it.
    let below = |m: MgId| {
        let mut n = 0usize;
        let mut stack = vec![t.mg(m).scope];
        while let Some(s) = stack.pop() {
            n += 1;
            stack.extend_from_slice(t.scopes.children(s));
        }
        n
    };
    let real = *t
        .roots
        .iter()
        .max_by_key(|m| (below(**m), std::cmp::Reverse(m.0)))
        .unwrap_or(&t.roots[0]);
    let first = t.mg(real);
    for r in t.roots.iter().filter(|r| **r != real) {
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
            .related(first.name.span, "the root, holding the hierarchy")
            .help(format!(
                "add `parent: {}` (or the group it belongs under)",
                first.name.value
            )),
        );
    }
}
