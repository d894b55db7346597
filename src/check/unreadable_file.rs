use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::UnreadableFile,
    severity: Severity::Error,
    configurable: false,
    summary: "a file or folder in the tree could not be read",
    explanation: "canopy reads every `*.yaml` and `*.yml` file below the tree. A file it cannot \
read (permission denied, a symbolic link that loops or points nowhere, a file larger than canopy \
accepts) would silently drop declarations, and every check after it would be wrong, so the run fails.",
    fail: "$ chmod 000 principals/users.yaml",
    pass: "$ chmod 644 principals/users.yaml",
    run: None,
};
