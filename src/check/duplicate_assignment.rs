use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use rayon::slice::ParallelSliceMut;

pub const RULE: Rule = Rule {
    code: Code::DuplicateAssignment,
    severity: Severity::Error,
    configurable: false,
    summary: "the same principal, role and scope assigned twice",
    explanation: "Azure refuses a second role assignment for the same principal, role and scope \
(RoleAssignmentExists). canopy compares the resolved objects, so a principal named once by name \
and once by object ID, or a role named once by name and once by GUID, is the same.",
    fail: "kind: RoleAssignment\nprincipal: brock@contoso.com\nrole: Contributor\nscope: /subscriptions/corp-prod/resourceGroups/prod\n---\nkind: RoleAssignment\nprincipal: brock@contoso.com\nrole: b24988ac-6180-42a0-ab88-20f7382dd24c\nscope: /subscriptions/corp-prod/resourceGroups/Prod\n",
    pass: "kind: RoleAssignment\nprincipal: brock@contoso.com\nrole: Contributor\nscope: /subscriptions/corp-prod/resourceGroups/prod\n",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    // Every assignment's (principal, scope, role) with its place, sorted: equal keys are then
    // adjacent, the first written first. 24 bytes an assignment, where a hash map of them
    // was 15 MB of `canopy check`'s memory at Azure's limits (200,000 assignments).
    let mut keys: Vec<(u32, u32, u64, u32)> = t
        .role_assignments
        .iter()
        .enumerate()
        .map(|(i, a)| (a.principal.0, a.scope.0, a.role.key(), i as u32))
        .collect();
    keys.par_sort_unstable();
    for run in keys.chunk_by(|x, y| (x.0, x.1, x.2) == (y.0, y.1, y.2)) {
        let f = &t.role_assignments[run[0].3 as usize];
        for &(.., i) in &run[1..] {
            let a = &t.role_assignments[i as usize];
            out.push(
                Finding::new(
                    Code::DuplicateAssignment,
                    a.scope_ref.span,
                    "assigned again here",
                    format!(
                        "`{}` already holds `{}` at `{}`",
                        t.principal(a.principal).name.value,
                        t.role_name(a.role),
                        t.scope_path(a.scope)
                    ),
                )
                .related(f.scope_ref.span, "first assigned here")
                .help("remove one of the two assignments"),
            );
        }
    }
}
