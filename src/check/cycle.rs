use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};

pub const RULE: Rule = Rule {
    code: Code::Cycle,
    severity: Severity::Error,
    configurable: false,
    summary: "management groups whose parents loop",
    explanation: "Following `parent` from any management group must reach the root. Groups whose \
parents form a loop reach nothing: Azure cannot create them, and nothing below them inherits \
anything. Every member of the loop is named.",
    fail: "kind: ManagementGroup\nname: a\nparent: b\n---\nkind: ManagementGroup\nname: b\nparent: a\n",
    pass: "kind: ManagementGroup\nname: a\nparent: contoso\n---\nkind: ManagementGroup\nname: b\nparent: a\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for cycle in &t.cycles {
        let names: Vec<&str> = cycle.iter().map(|m| t.mg(*m).name.value.as_str()).collect();
        let chain = format!("{} → {}", names.join(" → "), names[0]);
        let first = t.mg(cycle[0]);
        let span = first
            .parent_ref
            .as_ref()
            .map_or(first.name.span, |p| p.span);
        let mut f = Finding::new(
            Code::Cycle,
            span,
            "the loop starts here",
            format!("management groups form a parent loop: {chain}"),
        )
        .help("point one of these groups' `parent` at a group outside the loop (or at the root)");
        for m in &cycle[1..] {
            let mg = t.mg(*m);
            let span = mg.parent_ref.as_ref().map_or(mg.name.span, |p| p.span);
            f = f.related(span, format!("`{}` is in the loop", mg.name.value));
        }
        out.push(f);
    }
}
