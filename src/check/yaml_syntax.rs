use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::YamlSyntax,
    severity: Severity::Error,
    configurable: false,
    summary: "not valid YAML: a syntax error, a duplicate key, bytes that are not UTF-8 text",
    explanation: "canopy reads YAML 1.2. A syntax error stops the document it is in (other \
documents of the file and other files are still read). Duplicate keys are errors, as the YAML \
specification says, because one of the two values would be silently lost. Files must be UTF-8 \
text. Limits on alias expansion and nesting stop \"billion laughs\" style inputs.",
    fail: "kind: ManagementGroup\nname: platform\nname: platform-team\n",
    pass: "kind: ManagementGroup\nname: platform\ndisplayName: platform-team\n",
    run: None,
};
