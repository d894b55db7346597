use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::load::kinds::PrincipalKind;
use crate::model::{PrincipalId, Tenant};

pub const RULE: Rule = Rule {
    code: Code::MembershipCycle,
    severity: Severity::Error,
    configurable: false,
    summary: "groups that are members of each other, directly or through other groups",
    explanation: "Group membership is transitive: a member of a nested group gets what the outer \
group is assigned. Microsoft Entra ID does not allow a group to contain itself through nesting, \
so a loop in the tree cannot exist in the tenant; canopy reports every loop, naming each group in \
it (and computes access without hanging on it).",
    fail: "kind: Group\nname: ops\nmembers: [sre]\n---\nkind: Group\nname: sre\nmembers: [ops]\n",
    pass: "kind: Group\nname: ops\nmembers: [sre]\n---\nkind: Group\nname: sre\nmembers: [jill@contoso.com]\n",
    run: Some(run),
};

/// Groups whose nesting loops: the strongly connected components of the group graph with more
/// than one group, or one group that lists itself. Each loop in declaration order.
pub fn membership_loops(t: &Tenant) -> Vec<Vec<PrincipalId>> {
    let n = t.principals.len();
    let group_members = |g: usize| {
        t.principals[g]
            .members
            .iter()
            .map(|(_, m)| m.index())
            .filter(|m| t.principals[*m].kind == PrincipalKind::Group)
    };
    // Tarjan's algorithm, iterative so deep nesting cannot overflow the stack.
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0usize;
    let mut loops = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX || t.principals[root].kind != PrincipalKind::Group {
            continue;
        }
        let mut work: Vec<(usize, Vec<usize>, usize)> = Vec::new();
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        work.push((root, group_members(root).collect(), 0));
        while let Some((v, succ, i)) = work.last_mut() {
            let v = *v;
            if *i < succ.len() {
                let w = succ[*i];
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, group_members(w).collect(), 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some((parent, _, _)) = work.last() {
                low[*parent] = low[*parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let self_loop = component.len() == 1 && group_members(v).any(|m| m == v);
                if component.len() > 1 || self_loop {
                    component.sort_unstable();
                    loops.push(
                        component
                            .into_iter()
                            .map(|i| PrincipalId(i as u32))
                            .collect(),
                    );
                }
            }
        }
    }
    loops.sort();
    loops
}

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    for groups in membership_loops(t) {
        let in_loop = |p: PrincipalId| groups.contains(&p);
        let names: Vec<&str> = groups
            .iter()
            .map(|g| t.principal(*g).name.value.as_str())
            .collect();
        // Label each member reference that stays inside the loop.
        let mut edges = groups.iter().flat_map(|g| {
            t.principal(*g)
                .members
                .iter()
                .filter(|(_, m)| in_loop(*m))
                .map(move |(text, m)| (*g, text, *m))
        });
        let Some((g, text, m)) = edges.next() else {
            continue;
        };
        let mut f = Finding::new(
            Code::MembershipCycle,
            text.span,
            format!(
                "`{}` contains `{}`",
                t.principal(g).name.value,
                t.principal(m).name.value
            ),
            format!(
                "groups are members of each other in a loop: {}",
                names.join(", ")
            ),
        )
        .help("remove one of these memberships: Entra ID does not allow a group to contain itself");
        for (g, text, m) in edges {
            f = f.related(
                text.span,
                format!(
                    "`{}` contains `{}`",
                    t.principal(g).name.value,
                    t.principal(m).name.value
                ),
            );
        }
        out.push(f);
    }
}
