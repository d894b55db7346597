//! Azure Policy evaluation (issue #5): canopy's own evaluator. Being built; not yet wired to a
//! command.
//!
//! Three steps, each with its own module:
//!
//! 1. [`parse`]: a definition's `mode`, `parameters` and `policyRule` (spanned YAML nodes) into
//!    the [`ast`], reporting every problem with the byte range of the offending node.
//! 2. [`eval::bind`]: the definition with one assignment's parameter values: defaults merged,
//!    types and allowedValues checked, `parameters()`/`concat()` folded to constants, constants
//!    lowercased (and location-normalised) once.
//! 3. [`eval::Bound::evaluate`]: the bound rule against one [`eval::Resource`], with a reason
//!    in words.
//!
//! The semantics follow Azure's documentation of the policy rule
//! (<https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule>):
//! "String comparisons are made using InvariantCultureIgnoreCase", and "Location fields are
//! normalized to support various formats. For example, East US 2 is considered equal to
//! eastus2."
//!
//! ```
//! use canopy::load::yaml::{parse_chunk, split_documents};
//! use canopy::policy::{Effect, Resource, ResourceKind, bind, parse_definition};
//!
//! let text = "if: {field: location, notIn: [westus]}\nthen: {effect: deny}\n";
//! let rule = parse_chunk(text, split_documents(text)[0]).unwrap().unwrap().root;
//! let def = parse_definition(None, None, &rule).unwrap();
//! let bound = bind(&def, &[]).unwrap();
//! let vm = Resource {
//!     name: "vm1",
//!     type_: "Microsoft.Compute/virtualMachines",
//!     location: Some("East US"),
//!     id: "/subscriptions/0/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1".into(),
//!     tags: &[],
//!     resource_group_location: Some("westus"),
//!     kind: ResourceKind::Resource,
//! };
//! let outcome = bound.evaluate(&vm);
//! assert!(outcome.applies);
//! assert_eq!(outcome.effect, Effect::Deny);
//! assert_eq!(outcome.reason, "location East US is not in [westus]");
//! ```

pub mod assess;
pub mod ast;
pub mod eval;
pub mod parse;

pub use ast::{Definition, Effect, Mode};
pub use eval::{Bound, Outcome, Resource, ResourceId, ResourceKind, applies_to, bind};
pub use parse::{parse_definition, parse_model};

use std::fmt;

/// A problem with a definition or an assignment's parameter values, at the offending node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// Byte range in the file given by `site`.
    pub start: u32,
    pub end: u32,
    pub message: String,
    pub help: Option<String>,
    pub kind: ErrorKind,
    pub site: Site,
}

/// Whether the rule is wrong, or valid Azure that canopy cannot evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Azure would reject it too.
    Invalid,
    /// Valid Azure Policy outside canopy's subset (aliases, other operators, functions and
    /// effects): to be reported as an `unsupported-policy` warning.
    Unsupported,
}

/// Which document the span points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    Definition,
    Assignment,
}

impl PolicyError {
    pub(crate) fn new(span: ast::Span, kind: ErrorKind, message: impl Into<String>) -> Self {
        PolicyError {
            start: span.start,
            end: span.end,
            message: message.into(),
            help: None,
            kind,
            site: Site::Definition,
        }
    }

    pub(crate) fn invalid(span: ast::Span, message: impl Into<String>) -> Self {
        PolicyError::new(span, ErrorKind::Invalid, message)
    }

    pub(crate) fn unsupported(span: ast::Span, message: impl Into<String>) -> Self {
        PolicyError::new(span, ErrorKind::Unsupported, message)
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn in_assignment(mut self) -> Self {
        self.site = Site::Assignment;
        self
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for PolicyError {}

/// The candidate closest to `word` (case-insensitive), if close enough to suggest.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let w = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&w, &c.to_lowercase()), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
