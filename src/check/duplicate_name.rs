use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::DuplicateName,
    severity: Severity::Error,
    configurable: false,
    summary: "two objects of one kind share a name (or an ID)",
    explanation: "Names are compared case-insensitively, as Azure compares them. Two \
management groups, subscriptions, principals, custom roles or policy definitions with one name \
(or one GUID or object ID) cannot both exist in Azure, and references to the name would be \
ambiguous. Users, groups and service principals share one namespace because assignments and \
group members name any of them. Resource groups are unique within their subscription, resources \
within their resource group, policy assignments at their scope.",
    fail: "kind: User\nname: jill@contoso.com\n---\nkind: User\nname: Jill@Contoso.com\n",
    pass: "kind: User\nname: jill@contoso.com\n",
    run: None,
};
