//! `--format json`: the findings and a summary, for tools. Version 1; keys are a contract.

use super::position;
use crate::Analysis;
use crate::diag::{Finding, Severity};
use crate::source::Files;
use serde_json::{Value, json};
use std::io::{self, Write};

fn finding_json(files: &Files, f: &Finding) -> Value {
    let p = position(files, f.primary.span);
    let related: Vec<Value> = f
        .related
        .iter()
        .map(|r| {
            let rp = position(files, r.span);
            json!({"file": rp.file, "line": rp.line, "column": rp.column, "message": r.message})
        })
        .collect();
    let rule = crate::check::rule(f.code);
    json!({
        "code": f.code.as_str(),
        "severity": f.severity.as_str(),
        "message": f.message,
        "file": p.file,
        "line": p.line,
        "column": p.column,
        "endLine": p.end_line,
        "endColumn": p.end_column,
        "label": f.primary.message,
        "help": f.help,
        "related": related,
        "rule": rule.summary,
    })
}

/// The JSON document for a finished analysis.
pub fn document(a: &Analysis) -> Value {
    let t = &a.tenant;
    json!({
        "version": 1,
        "diagnostics": a.findings.iter().map(|f| finding_json(&a.files, f)).collect::<Vec<_>>(),
        "summary": {
            "errors": a.count(Severity::Error),
            "warnings": a.count(Severity::Warning),
            "files": a.files.len(),
            "documents": t.documents,
            "bytes": a.files.total_bytes(),
            "managementGroups": t.management_groups.len(),
            "subscriptions": t.subscriptions.len(),
            "resourceGroups": t.resource_groups.len(),
            "resources": t.resources.len(),
            "principals": t.principals.len(),
            "customRoles": t.custom_roles.len(),
            "roleAssignments": t.role_assignments.len(),
            "policyDefinitions": t.policy_definitions.len(),
            "policyAssignments": t.policy_assignments.len(),
            "policyExemptions": t.policy_exemptions.len(),
        }
    })
}

/// Findings that stopped a run (bad canopy.toml), in the same shape with an empty summary.
pub fn findings_document(files: &Files, findings: &[Finding]) -> Value {
    json!({
        "version": 1,
        "diagnostics": findings.iter().map(|f| finding_json(files, f)).collect::<Vec<_>>(),
        "summary": {"errors": findings.len(), "warnings": 0},
    })
}

pub fn write(a: &Analysis, w: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &document(a))?;
    writeln!(w)
}
