//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning and Azure DevOps read it.
//!
//! One run; the tool's driver lists every rule (id, name, short and full description, help
//! with a failing and a passing example, default level), and each result carries its rule,
//! level, message, a region in 1-based lines and columns (columns count Unicode code points,
//! declared by `columnKind`), related locations and a `partialFingerprints` entry that does
//! not depend on line numbers, so code scanning keeps tracking an alert when lines move.
//! Findings silenced by an inline `# canopy: allow` comment are kept, with an `inSource`
//! suppression and its justification, as SARIF asks, so the record shows what was waived.
//! <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>,
//! <https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning>

use super::{Report, position};
use crate::check::{RULES, Rule};
use crate::diag::{Finding, Severity};
use crate::source::{Files, Span};
use serde::Serialize;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult>,
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
    /// GitHub code scanning sorts and filters alerts by this (0.0 to 10.0, as a string).
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct Fingerprints {
    /// code, file and message: stable when lines move, new when the finding changes.
    #[serde(rename = "canopyFinding/v1")]
    finding: String,
}

#[derive(Serialize)]
struct Suppression {
    kind: &'static str,
    justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Off => "none",
    }
}

/// `duplicate-assignment` → `DuplicateAssignment`: SARIF's `name` is an identifier.
fn pascal(code: &str) -> String {
    code.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn descriptor(r: &Rule) -> RuleDescriptor {
    let text = format!(
        "{}\n\nFails:\n{}\nPasses:\n{}",
        r.explanation, r.fail, r.pass
    );
    let fenced = |s: &str| {
        let lang = if s.starts_with('$') {
            "console"
        } else {
            "yaml"
        };
        format!("```{lang}\n{}\n```", s.trim_end())
    };
    let markdown = format!(
        "{}\n\n**Fails:**\n\n{}\n\n**Passes:**\n\n{}\n\n`canopy rules {}` explains it in the terminal.",
        r.explanation,
        fenced(r.fail),
        fenced(r.pass),
        r.code.as_str()
    );
    let mut tags = vec!["azure", "governance"];
    let access = r.code == crate::diag::Code::AccessRule;
    if access {
        tags.push("security");
    }
    RuleDescriptor {
        id: r.code.as_str(),
        name: pascal(r.code.as_str()),
        short_description: Text {
            text: r.summary.to_string(),
        },
        full_description: Text {
            text: r.explanation.to_string(),
        },
        help: Help { text, markdown },
        default_configuration: Configuration {
            level: level(r.severity),
        },
        properties: RuleProperties {
            tags,
            security_severity: access.then_some(match r.severity {
                Severity::Error => "8.0",
                _ => "5.0",
            }),
        },
    }
}

/// A file's URI: relative to the repository's root when the file is inside it.
fn file_uri(file: &str, base: Option<&super::RepoBase>) -> String {
    super::uri(&super::repo_relative(file, base))
}

fn location(
    files: &Files,
    base: Option<&super::RepoBase>,
    span: Span,
    id: Option<usize>,
    message: Option<&str>,
) -> Location {
    let p = position(files, span);
    Location {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: file_uri(&p.file, base),
            },
            region: Region {
                start_line: p.line,
                start_column: p.column,
                end_line: p.end_line,
                end_column: p
                    .end_column
                    .max(if p.end_line == p.line { p.column } else { 1 }),
            },
        },
        message: message.map(|m| Text {
            text: m.to_string(),
        }),
    }
}

fn result(
    files: &Files,
    base: Option<&super::RepoBase>,
    f: &Finding,
    suppressed_because: Option<&str>,
) -> SarifResult {
    let rule_index = RULES
        .iter()
        .position(|r| r.code == f.code)
        .expect("every code has a rule");
    let mut text = f.message.clone();
    if let Some(h) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    SarifResult {
        rule_id: f.code.as_str(),
        rule_index,
        level: level(f.severity),
        message: Text { text },
        locations: vec![location(
            files,
            base,
            f.primary.span,
            None,
            Some(&f.primary.message),
        )],
        related_locations: f
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| location(files, base, r.span, Some(i + 1), Some(&r.message)))
            .collect(),
        partial_fingerprints: Fingerprints {
            finding: super::fingerprint(files, f),
        },
        suppressions: suppressed_because
            .map(|why| Suppression {
                kind: "inSource",
                justification: why.to_string(),
            })
            .into_iter()
            .collect(),
    }
}

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let base = super::RepoBase::find();
    let base = base.as_ref();
    let mut results: Vec<SarifResult> = r
        .findings
        .iter()
        .map(|f| result(r.files, base, f, None))
        .collect();
    results.extend(
        r.suppressed
            .iter()
            .map(|s| result(r.files, base, &s.finding, Some(&s.reason))),
    );
    // Two findings with the same code, file and message (the same grant written twice) are
    // two alerts: the second and later ones get their occurrence number in the fingerprint.
    let mut seen: rustc_hash::FxHashMap<String, usize> = Default::default();
    for res in &mut results {
        let n = seen
            .entry(res.partial_fingerprints.finding.clone())
            .or_default();
        if *n > 0 {
            res.partial_fingerprints.finding = format!("{}:{n}", res.partial_fingerprints.finding);
        }
        *n += 1;
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "canopy",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: RULES.iter().map(|r| descriptor(r)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
            invocations: vec![Invocation {
                execution_successful: r.ran,
            }],
        }],
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    writeln!(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_to_the_repository_root() {
        let base = super::super::RepoBase {
            cwd: std::path::PathBuf::from("/repo/infra/azure"),
            root: std::path::PathBuf::from("/repo"),
        };
        assert_eq!(
            file_uri("roles/a b.yaml", Some(&base)),
            "infra/azure/roles/a%20b.yaml"
        );
        assert_eq!(file_uri("../x.yaml", Some(&base)), "infra/x.yaml");
        assert_eq!(
            file_uri("/elsewhere/x.yaml", Some(&base)),
            "file:///elsewhere/x.yaml"
        );
        assert_eq!(file_uri("x.yaml", None), "x.yaml");
    }

    #[test]
    fn rule_names_are_pascal_case_identifiers() {
        assert_eq!(pascal("duplicate-assignment"), "DuplicateAssignment");
        assert_eq!(pascal("no-root"), "NoRoot");
    }
}
