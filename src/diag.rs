//! Findings: plain data (code, severity, message, spans, help). Renderers live in `report`.

use crate::source::Span;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How bad a finding is. `Off` only appears in configuration: such findings are dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Off,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($variant:ident => $name:literal,)*) => {
        /// Every stable diagnostic code. The kebab-case names are a public contract:
        /// users configure them in `canopy.toml` and tools read them from JSON and SARIF.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $($variant,)* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }
            pub fn from_name(name: &str) -> Option<Code> {
                match name { $($name => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    UnreadableFile => "unreadable-file",
    YamlSyntax => "yaml-syntax",
    Schema => "schema",
    DuplicateName => "duplicate-name",
    MultipleParents => "multiple-parents",
    UnknownReference => "unknown-reference",
    NoRoot => "no-root",
    MultipleRoots => "multiple-roots",
    Cycle => "cycle",
    DepthLimit => "depth-limit",
    ManagementGroupLimit => "management-group-limit",
    CustomRoleOnManagementGroup => "custom-role-on-management-group",
    AssignableScope => "assignable-scope",
    DistributionListAssignment => "distribution-list-assignment",
    DuplicateAssignment => "duplicate-assignment",
    AssignmentLimit => "assignment-limit",
    CustomRoleLimit => "custom-role-limit",
    BuiltinRoleRedefined => "builtin-role-redefined",
    DisabledPrincipalAssignment => "disabled-principal-assignment",
    ExpiredExemption => "expired-exemption",
    UnknownAction => "unknown-action",
    MembershipCycle => "membership-cycle",
    ExpiredAssignment => "expired-assignment",
    PolicyViolation => "policy-violation",
    PolicyAudit => "policy-audit",
    UnsupportedPolicy => "unsupported-policy",
    Config => "config",
    UnusedSuppression => "unused-suppression",
    InvalidSuppression => "invalid-suppression",
    AccessRule => "access-rule",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file with a short note on what is there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One diagnostic. Built with [`Finding::new`]; it always has a primary place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// The offending value.
    pub primary: Label,
    /// Other places involved: the other declaration, the other root, the rest of a cycle.
    pub related: Vec<Label>,
    /// How to mend it.
    pub help: Option<String>,
}

impl Finding {
    /// A finding at its code's default severity; configuration may change the severity later.
    pub fn new(
        code: Code,
        span: Span,
        label: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            code,
            severity: crate::check::rule(code).severity,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            related: Vec::new(),
            help: None,
        }
    }
    pub fn related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Label {
            span,
            message: message.into(),
        });
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    /// Deterministic order: by file, then position, then code, then message.
    pub fn sort_key(&self) -> (u32, u32, u32, Code, &str) {
        let s = self.primary.span;
        (s.file.0, s.start, s.end, self.code, &self.message)
    }
}

/// Sorts findings into the order every report uses and drops exact repeats.
pub fn sort_findings(findings: &mut Vec<Finding>) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
}
