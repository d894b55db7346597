use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use rustc_hash::FxHashMap;

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
    let mut first = FxHashMap::default();
    for (i, a) in t.role_assignments.iter().enumerate() {
        let key = (a.principal, a.role.key(), a.scope);
        match first.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(i);
            }
            std::collections::hash_map::Entry::Occupied(o) => {
                let f = &t.role_assignments[*o.get()];
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
}
