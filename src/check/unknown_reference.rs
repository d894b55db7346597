use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::UnknownReference,
    severity: Severity::Error,
    configurable: false,
    summary: "a parent, member, principal, role, policy, assignment or scope that names nothing",
    explanation: "Every reference must name something declared in the tree (or, for roles, one of \
Azure's built-in roles, by name or GUID). Scopes are Azure scope strings, compared \
case-insensitively: `/`, `/providers/Microsoft.Management/managementGroups/{group}`, \
`/subscriptions/{name or id}`, `.../resourceGroups/{rg}`, `.../providers/{namespace}/{type}/{name}`. \
A dangling reference would make Azure reject the deployment, or silently grant nothing.",
    fail: "kind: RoleAssignment\nprincipal: jill-team\nrole: Reder\nscope: /subscriptions/corp-dev\n",
    pass: "kind: RoleAssignment\nprincipal: jill-team\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    run: None,
};
