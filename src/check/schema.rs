use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::Schema,
    severity: Severity::Error,
    configurable: false,
    summary: "a document that does not fit its kind: unknown kind or field, missing field, wrong type",
    explanation: "Every document is a mapping with a `kind` (ManagementGroup, Subscription, User, \
Group, ServicePrincipal, RoleDefinition, RoleAssignment, PolicyDefinition, PolicyAssignment, \
PolicyExemption) and the fields of that kind, named as Azure names them. A misspelt field is an \
error, not ignored, because a misspelt `parent` would silently move a group to the root. The JSON \
Schemas in `schemas/` describe every kind for editors.",
    fail: "kind: ManagementGroup\nname: platform\nparnet: contoso\n",
    pass: "kind: ManagementGroup\nname: platform\nparent: contoso\n",
    run: None,
};
