use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::InvalidSuppression,
    severity: Severity::Warning,
    configurable: true,
    summary: "a `# canopy:` comment that is not a valid suppression, so it silences nothing",
    explanation: "A suppression is written `# canopy: allow CODE[, CODE...] -- reason` on its own \
line, just before the document, field or list item it is about. canopy reports a comment with an \
unknown directive or code, one without a reason (the reason is what an auditor reads), one that \
names a check that cannot be silenced (yaml-syntax, schema, unreadable-file: canopy cannot read \
the tree without them), and one with no document or field after it. Such a comment silences \
nothing, so the finding it meant to allow is still reported.",
    fail: "# canopy: allow duplicate-assignmnt\nkind: RoleAssignment\nprincipal: jill@contoso.com\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    pass: "# canopy: allow duplicate-assignment -- the second copy is removed in JIRA-1234\nkind: RoleAssignment\nprincipal: jill@contoso.com\nrole: Reader\nscope: /subscriptions/corp-dev\n",
    run: None,
};
