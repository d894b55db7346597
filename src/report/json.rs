//! `--format json`: the findings and a summary, for tools. Version 1; keys are a contract.
//! Typed structs (not ad-hoc maps) fix both the keys and their order.

use super::position;
use crate::Analysis;
use crate::diag::{Finding, Severity};
use crate::source::Files;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub version: u32,
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by inline `# canopy: allow` comments, each with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<SuppressedDiagnostic>,
    pub summary: Summary,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct SuppressedDiagnostic {
    #[serde(flatten)]
    pub diagnostic: Diagnostic,
    pub reason: String,
}

#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: &'static str,
    pub message: String,
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub label: String,
    pub help: Option<String>,
    pub related: Vec<Related>,
    /// The rule's one-line summary; `canopy rules CODE` has the full text.
    pub rule: &'static str,
}

#[derive(Serialize, Debug, Clone)]
pub struct Related {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Counts of findings and of what the tree holds. Absent when canopy stopped before loading.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    /// How many findings inline comments suppressed.
    pub suppressed: usize,
    /// With `--baseline`: findings hidden as known, and baseline entries no longer found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<crate::baseline::Applied>,
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    pub tree: Option<TreeCounts>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TreeCounts {
    pub files: usize,
    pub documents: usize,
    pub bytes: usize,
    pub management_groups: usize,
    pub subscriptions: usize,
    pub resource_groups: usize,
    pub resources: usize,
    pub principals: usize,
    pub custom_roles: usize,
    pub role_assignments: usize,
    pub deny_assignments: usize,
    pub policy_definitions: usize,
    pub policy_assignments: usize,
    pub policy_exemptions: usize,
    pub access_rules: usize,
}

/// One finding as JSON.
pub fn diagnostic(files: &Files, f: &Finding) -> Diagnostic {
    let p = position(files, f.primary.span);
    Diagnostic {
        code: f.code.as_str(),
        severity: f.severity.as_str(),
        message: f.message.clone(),
        file: p.file,
        line: p.line,
        column: p.column,
        end_line: p.end_line,
        end_column: p.end_column,
        label: f.primary.message.clone(),
        help: f.help.clone(),
        related: f
            .related
            .iter()
            .map(|r| {
                let rp = position(files, r.span);
                Related {
                    file: rp.file,
                    line: rp.line,
                    column: rp.column,
                    message: r.message.clone(),
                }
            })
            .collect(),
        rule: crate::check::rule(f.code).summary,
    }
}

/// The JSON document of a finished analysis.
pub fn build(a: &Analysis) -> Document {
    build_report(&super::Report::of(a))
}

/// The JSON document of a report: what is left after suppressions and the baseline.
pub fn build_report(r: &super::Report) -> Document {
    Document {
        version: 1,
        diagnostics: r.findings.iter().map(|f| diagnostic(r.files, f)).collect(),
        suppressed: r
            .suppressed
            .iter()
            .map(|s| SuppressedDiagnostic {
                diagnostic: diagnostic(r.files, &s.finding),
                reason: s.reason.clone(),
            })
            .collect(),
        summary: Summary {
            errors: r.count(Severity::Error),
            warnings: r.count(Severity::Warning),
            suppressed: r.suppressed.len(),
            baseline: r.baseline,
            tree: r.analysis.map(tree_counts),
        },
    }
}

fn tree_counts(a: &Analysis) -> TreeCounts {
    let t = &a.tenant;
    TreeCounts {
        files: a.files.len(),
        documents: t.documents,
        bytes: a.files.total_bytes(),
        management_groups: t.management_groups.len(),
        subscriptions: t.subscriptions.len(),
        resource_groups: t.resource_groups.len(),
        resources: t.resources.len(),
        principals: t.principals.len(),
        custom_roles: t.custom_roles.len(),
        role_assignments: t.role_assignments.len(),
        deny_assignments: t.deny_assignments.len(),
        policy_definitions: t.policy_definitions.len(),
        policy_assignments: t.policy_assignments.len(),
        policy_exemptions: t.policy_exemptions.len(),
        access_rules: t.access_rules.len(),
    }
}

/// The same document as a JSON value, for tests and tools embedding canopy.
pub fn document(a: &Analysis) -> serde_json::Value {
    serde_json::to_value(build(a)).expect("the JSON report serializes")
}

/// Findings that stopped a run (a bad canopy.toml), in the same shape.
pub fn findings_document(files: &Files, findings: &[Finding]) -> Document {
    build_report(&super::Report::stopped(files, findings))
}

pub fn write(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    write_report(&super::Report::of(a), w)
}

pub fn write_report(r: &super::Report, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &build_report(r))?;
    writeln!(w)
}
