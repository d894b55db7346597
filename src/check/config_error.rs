use super::Rule;
use crate::diag::{Code, Severity};

pub const RULE: Rule = Rule {
    code: Code::Config,
    severity: Severity::Error,
    configurable: false,
    summary: "canopy.toml is invalid: canopy stops (exit 2)",
    explanation: "`canopy.toml` at the tree's root may set `exclude` (globs of files not to read), \
`max-depth` (stricter than Azure's 6) and a `[severity]` table (\"error\", \"warning\" or \"off\" per \
code). Checks of Azure's own limits cannot be lowered or turned off. A bad configuration stops the \
run before any check, because its results would not mean what the team configured.",
    fail: "[severity]\ndepth-limit = \"off\"\n",
    pass: "max-depth = 4\n[severity]\nunknown-action = \"error\"\n",
    run: None,
};
