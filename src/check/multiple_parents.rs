use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::MultipleParents,
    severity: Severity::Error,
    configurable: false,
    summary: "a management group or subscription declared twice with different parents",
    explanation: "In Azure each management group and each subscription has exactly one parent. \
Declaring one twice under different parents leaves its place in the hierarchy, and so every \
inherited role and policy, undecided.",
    fail: "kind: Subscription\nname: corp-prod\nparent: production\n---\nkind: Subscription\nname: corp-prod\nparent: sandbox\n",
    pass: "kind: Subscription\nname: corp-prod\nparent: production\n",
    run: None,
};
