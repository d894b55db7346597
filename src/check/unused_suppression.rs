use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::UnusedSuppression,
    severity: Severity::Warning,
    configurable: true,
    summary: "a `# canopy: allow` comment that suppresses nothing",
    explanation: "An inline suppression (`# canopy: allow CODE -- reason` on the line before a \
document or field) silences findings of that code inside what follows it. When nothing there \
has that finding any more (the problem was fixed, or the comment was left behind when the \
document moved), the comment only misleads the next reader, and would silently hide a new \
problem of that kind. Delete it, or move it to the document or field the finding is on.",
    fail: "# canopy: allow duplicate-assignment -- kept while the team migrates\nkind: RoleAssignment\nprincipal: jill@contoso.com\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    pass: "kind: RoleAssignment\nprincipal: jill@contoso.com\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    run: None,
};
