//! `canopy diff` and `canopy log` as text for a terminal and as Markdown for a pull-request
//! comment. Both lead with what a reviewer must see first: errors, escalations, then the
//! change in effective access, then the rest. JSON is the serialisation of
//! [`crate::diff::TenantDiff`] itself (see `cli::diff`).

use super::markdown::{code, md, md_message};
use super::{how, plural};
use crate::diff::{
    AccessEntry, Change, Escalation, HierarchyChange, ObjectChange, Place, RoleDefinitionChange,
    TenantDiff, Violation,
};
use std::fmt::Write as _;

/// How many items a list shows in the terminal before "... and N more" (JSON has them all).
const TERMINAL_LIST: usize = 50;

/// The one-line summary: `2 access gained, 1 lost, 1 escalation, ...`, or `no changes`.
pub fn summary_line(d: &TenantDiff) -> String {
    let s = &d.summary;
    let mut parts = Vec::new();
    if s.change_errors > 0 {
        parts.push(plural(s.change_errors, "change error"));
    }
    if s.escalations > 0 {
        parts.push(plural(s.escalations, "escalation"));
    }
    if s.access_gained + s.access_lost > 0 {
        parts.push(format!(
            "{} access gained, {} lost",
            s.access_gained, s.access_lost
        ));
    }
    if s.access_widened + s.access_narrowed > 0 {
        parts.push(format!(
            "{} roles held widened, {} narrowed",
            s.access_widened, s.access_narrowed
        ));
    }
    if s.new_violations + s.fixed_violations > 0 {
        parts.push(format!(
            "{} new and {} fixed policy violations",
            s.new_violations, s.fixed_violations
        ));
    }
    if s.errors_introduced + s.warnings_introduced > 0 {
        parts.push(format!(
            "{} and {} introduced",
            plural(s.errors_introduced, "error"),
            plural(s.warnings_introduced, "warning")
        ));
    }
    if s.findings_fixed > 0 {
        parts.push(format!("{} fixed", plural(s.findings_fixed, "finding")));
    }
    let objects = s.hierarchy_changes
        + s.principal_changes
        + s.role_definition_changes
        + s.role_assignment_changes
        + s.deny_assignment_changes
        + s.policy_changes;
    if objects > 0 {
        parts.push(plural(objects, "object change"));
    }
    if parts.is_empty() {
        "no changes to access, policy, hierarchy or findings".to_string()
    } else {
        parts.join(", ")
    }
}

/// `brock (user): Contributor at /subscriptions/Prod (assigned directly)`, with notes.
pub fn access_line(e: &AccessEntry) -> String {
    let mut s = format!(
        "{} ({}): {}{} at {} ({})",
        e.principal,
        e.principal_kind,
        e.role,
        if e.eligible { " [eligible]" } else { "" },
        e.scope,
        how(&e.via)
    );
    if let Some(from) = &e.inherited_from {
        let _ = write!(s, ", inherited from {from}");
    }
    if e.conditional {
        s.push_str(", conditional");
    }
    if let Some(held) = &e.also_held_at {
        let _ = write!(s, "; reach unchanged: also held at {held}");
    }
    s
}

/// `lee (through lee → vm-operators): VM Operator at /subscriptions/x now grants 3 more operations`.
fn reach_line(r: &crate::diff::RoleReach, verb: &str) -> String {
    format!(
        "{}: {} at {} ({}) {} {}",
        r.principal,
        r.role,
        r.scope,
        how(&r.via),
        if verb == "grants" { "now grants" } else { verb },
        match (verb, r.actions) {
            ("grants", 1) => "1 more operation".to_string(),
            ("grants", n) => format!("{n} more operations"),
            _ => plural(r.actions, "operation"),
        }
    )
}

pub fn escalation_line(e: &Escalation) -> String {
    format!(
        "{} ({}) {} at {}: {} ({}){}",
        e.principal,
        e.principal_kind,
        crate::diff::describe_capabilities(&e.capabilities),
        e.scope,
        e.role,
        how(&e.via),
        if e.conditional { ", conditional" } else { "" }
    )
}

fn sign(c: Change) -> char {
    match c {
        Change::Added => '+',
        Change::Removed => '-',
        Change::Modified | Change::Moved => '~',
    }
}

fn kind_noun(kind: &str) -> &str {
    match kind {
        "managementGroup" => "management group",
        "subscription" => "subscription",
        "resourceGroup" => "resource group",
        "resource" => "resource",
        other => other,
    }
}

pub fn hierarchy_line(h: &HierarchyChange) -> String {
    let what = format!("{} {}", kind_noun(h.kind), h.name);
    let children = if h.with_children > 0 {
        format!(" (with {} below it)", plural(h.with_children, "scope"))
    } else {
        String::new()
    };
    match h.change {
        Change::Moved => format!(
            "{what} moved from {} to {}",
            h.from.as_deref().unwrap_or("the tenant root"),
            h.to.as_deref().unwrap_or("the tenant root")
        ),
        Change::Added => format!(
            "{what} added under {}{children}",
            h.to.as_deref().unwrap_or("the tenant root")
        ),
        Change::Removed => format!(
            "{what} removed from {}{children}",
            h.from.as_deref().unwrap_or("the tenant root")
        ),
        Change::Modified => format!("{what} changed"),
    }
}

fn list(v: &[String]) -> String {
    v.join(", ")
}

/// The lines describing a role definition change (first line, then details).
fn role_lines(r: &RoleDefinitionChange) -> Vec<String> {
    let mut lines = vec![format!(
        "custom role {} {}",
        r.role,
        r.change.map_or("changed", Change::as_str)
    )];
    for (what, v) in [
        ("actions added", &r.actions_added),
        ("actions removed", &r.actions_removed),
        ("notActions added", &r.not_actions_added),
        ("notActions removed", &r.not_actions_removed),
        ("dataActions added", &r.data_actions_added),
        ("dataActions removed", &r.data_actions_removed),
        ("notDataActions added", &r.not_data_actions_added),
        ("notDataActions removed", &r.not_data_actions_removed),
        ("assignableScopes added", &r.assignable_scopes_added),
        ("assignableScopes removed", &r.assignable_scopes_removed),
    ] {
        if !v.is_empty() {
            lines.push(format!("{what}: {}", list(v)));
        }
    }
    for (what, v) in [
        ("effective actions gained", &r.effective_actions_gained),
        ("effective actions lost", &r.effective_actions_lost),
    ] {
        if !v.is_empty() {
            let shown: Vec<&str> = v.iter().take(8).map(String::as_str).collect();
            let more = if v.len() > shown.len() {
                format!(", and {} more", v.len() - shown.len())
            } else {
                String::new()
            };
            lines.push(format!("{what} ({}): {}{more}", v.len(), shown.join(", ")));
        }
    }
    if r.change != Some(Change::Removed) && !r.holders.is_empty() {
        // Who they are is in the effective-access section (widened, narrowed, gained).
        let people: std::collections::BTreeSet<String> = r
            .holders
            .iter()
            .map(|h| h.principal.to_lowercase())
            .collect();
        let scopes: std::collections::BTreeSet<String> =
            r.holders.iter().map(|h| h.scope.to_lowercase()).collect();
        lines.push(format!(
            "held by {} at {}",
            plural(people.len(), "person"),
            plural(scopes.len(), "scope")
        ));
    }
    lines
}

fn object_line(kind: &str, o: &ObjectChange) -> String {
    let mut s = format!(
        "{kind} {}",
        if o.name.is_empty() {
            "(unnamed)"
        } else {
            &o.name
        }
    );
    if !o.scope.is_empty() {
        let _ = write!(s, " at {}", o.scope);
    }
    let _ = write!(s, " {}", o.change.as_str());
    if !o.details.is_empty() {
        let _ = write!(s, ": {}", o.details.join("; "));
    }
    s
}

fn violation_line(v: &Violation) -> String {
    let mut s = format!(
        "{} — {} ({}{}) at {}: {}",
        v.scope,
        v.policy,
        v.effect,
        if v.enforced { "" } else { ", DoNotEnforce" },
        v.assignment_scope,
        v.reason
    );
    if v.target_removed {
        s.push_str(" (the resource is gone)");
    }
    s
}

/// Lines of a text section: `(sign, text, place)`.
type Lines = Vec<(char, String, Option<String>)>;

/// Every section of a diff as titled lines, in the order a reviewer reads them.
pub fn sections(d: &TenantDiff) -> Vec<(String, Lines)> {
    let mut out: Vec<(String, Lines)> = Vec::new();
    let mut push = |title: String, lines: Lines| {
        if !lines.is_empty() {
            out.push((title, lines));
        }
    };
    push(
        "Errors".into(),
        d.errors.iter().map(|e| ('✗', e.clone(), None)).collect(),
    );
    push(
        format!("Privilege escalations ({})", d.escalations.len()),
        d.escalations
            .iter()
            .map(|e| ('!', escalation_line(e), e.place.display()))
            .collect(),
    );
    let a = &d.access;
    let mut title = format!(
        "Effective access: {} gained, {} lost",
        a.gained.len(),
        a.lost.len()
    );
    if !a.widened.is_empty() || !a.narrowed.is_empty() {
        let _ = write!(
            title,
            ", {} widened and {} narrowed by role edits",
            a.widened.len(),
            a.narrowed.len()
        );
    }
    push(
        title,
        a.gained
            .iter()
            .map(|e| ('+', access_line(e), e.place.display()))
            .chain(
                a.lost
                    .iter()
                    .map(|e| ('-', access_line(e), e.place.display())),
            )
            .chain(
                a.widened
                    .iter()
                    .map(|r| ('~', reach_line(r, "grants"), None)),
            )
            .chain(
                a.narrowed
                    .iter()
                    .map(|r| ('~', reach_line(r, "no longer grants"), None)),
            )
            .collect(),
    );
    push(
        format!(
            "Policy compliance: {}, {} fixed",
            plural(d.policy.new_violations.len(), "new violation"),
            d.policy.fixed_violations.len()
        ),
        d.policy
            .new_violations
            .iter()
            .map(|v| ('+', violation_line(v), v.place.display()))
            .chain(
                d.policy
                    .fixed_violations
                    .iter()
                    .map(|v| ('-', violation_line(v), v.place.display())),
            )
            .collect(),
    );
    push(
        "Hierarchy".into(),
        d.hierarchy
            .iter()
            .map(|h| (sign(h.change), hierarchy_line(h), h.place.display()))
            .collect(),
    );
    push(
        "Principals".into(),
        d.principals
            .iter()
            .map(|p| {
                let mut s = format!("{} {} {}", p.principal_kind, p.principal, p.change.as_str());
                let mut details = p.details.clone();
                if !p.members_added.is_empty() {
                    details.push(format!("members added: {}", list(&p.members_added)));
                }
                if !p.members_removed.is_empty() {
                    details.push(format!("members removed: {}", list(&p.members_removed)));
                }
                if !details.is_empty() {
                    let _ = write!(s, ": {}", details.join("; "));
                }
                (sign(p.change), s, p.place.display())
            })
            .collect(),
    );
    push(
        "Role definitions".into(),
        d.role_definitions
            .iter()
            .map(|r| {
                let lines = role_lines(r);
                (
                    sign(r.change.unwrap_or(Change::Modified)),
                    lines.join("\n      "),
                    r.place.display(),
                )
            })
            .collect(),
    );
    push(
        "Role assignments".into(),
        d.role_assignments
            .iter()
            .map(|a| {
                let mut s = format!(
                    "{} ({}) {}{} at {} {}",
                    a.principal,
                    a.principal_kind,
                    a.role,
                    if a.eligible { " [eligible]" } else { "" },
                    a.scope,
                    a.change.as_str()
                );
                if !a.details.is_empty() {
                    let _ = write!(s, ": {}", a.details.join("; "));
                }
                (sign(a.change), s, a.place.display())
            })
            .collect(),
    );
    push(
        "Deny assignments".into(),
        d.deny_assignments
            .iter()
            .map(|o| {
                (
                    sign(o.change),
                    object_line("deny assignment", o),
                    o.place.display(),
                )
            })
            .collect(),
    );
    push(
        "Policy objects".into(),
        d.policy
            .definitions
            .iter()
            .map(|o| {
                (
                    sign(o.change),
                    object_line("definition", o),
                    o.place.display(),
                )
            })
            .chain(d.policy.assignments.iter().map(|o| {
                (
                    sign(o.change),
                    object_line("assignment", o),
                    o.place.display(),
                )
            }))
            .chain(d.policy.exemptions.iter().map(|o| {
                (
                    sign(o.change),
                    object_line("exemption", o),
                    o.place.display(),
                )
            }))
            .collect(),
    );
    push(
        format!(
            "Findings: {} introduced, {} fixed",
            d.findings.introduced.len(),
            d.findings.fixed.len()
        ),
        d.findings
            .introduced
            .iter()
            .map(|f| {
                (
                    '+',
                    format!("{}[{}]: {}", f.severity, f.code, f.message),
                    Some(format!("{}:{}:{}", f.file, f.line, f.column)),
                )
            })
            .chain(d.findings.fixed.iter().map(|f| {
                (
                    '-',
                    format!("{}[{}]: {}", f.severity, f.code, f.message),
                    Some(format!("{}:{}:{}", f.file, f.line, f.column)),
                )
            }))
            .collect(),
    );
    out
}

/// The terminal report of one diff, after a heading line the caller writes.
pub fn write_human(d: &TenantDiff, out: &mut String, indent: &str, limit: bool) {
    for (title, lines) in sections(d) {
        let _ = writeln!(out, "\n{indent}{title}");
        let cut = if limit { TERMINAL_LIST } else { usize::MAX };
        for (sign, text, place) in lines.iter().take(cut) {
            let place = place
                .as_ref()
                .map(|p| format!("  [{p}]"))
                .unwrap_or_default();
            let _ = writeln!(out, "{indent}  {sign} {text}{place}");
        }
        if lines.len() > cut {
            let _ = writeln!(
                out,
                "{indent}  ... and {} more (--format json lists them all)",
                lines.len() - cut
            );
        }
    }
}

/// A Markdown section: a table, folded into `<details>` when long.
fn md_table(out: &mut String, title: &str, head: &[&str], rows: Vec<Vec<String>>) {
    let more = "run `canopy diff --format json` for the full list";
    super::markdown::table(out, title, head, &rows, more);
}

fn md_place(p: &Place) -> String {
    p.display().map(|s| code(&s)).unwrap_or_default()
}

fn md_via(via: &[String]) -> String {
    if via.len() <= 1 {
        "direct".to_string()
    } else {
        md(&via[1..].join(" → "))
    }
}

fn access_rows(v: &[AccessEntry]) -> Vec<Vec<String>> {
    v.iter()
        .map(|e| {
            let mut note = Vec::new();
            if e.eligible {
                note.push("eligible (PIM)".to_string());
            }
            if e.conditional {
                note.push("conditional".to_string());
            }
            if let Some(f) = &e.inherited_from {
                note.push(format!("inherited from {}", code(f)));
            }
            if let Some(h) = &e.also_held_at {
                note.push(format!("reach unchanged: also held at {}", code(h)));
            }
            vec![
                format!("**{}** ({})", md(&e.principal), e.principal_kind),
                md(&e.role),
                code(&e.scope),
                md_via(&e.via),
                note.join("; "),
                md_place(&e.place),
            ]
        })
        .collect()
}

/// The Markdown report, fit to post as a pull-request comment: verdict and summary first,
/// long lists folded.
pub fn write_markdown(d: &TenantDiff, heading: &str, verdict: &str, out: &mut String) {
    write_markdown_titled(d, "canopy: what this change does", heading, verdict, out)
}

/// [`write_markdown`] under another title (`canopy import --check`: drift).
pub fn write_markdown_titled(
    d: &TenantDiff,
    title: &str,
    heading: &str,
    verdict: &str,
    out: &mut String,
) {
    let _ = writeln!(out, "### {title}\n");
    let _ = writeln!(out, "{heading}\n");
    let _ = writeln!(out, "{verdict}\n");
    let s = &d.summary;
    let _ = writeln!(out, "| Summary | |\n|---|---|");
    let rows = [
        ("Change errors", s.change_errors.to_string()),
        ("Privilege escalations", s.escalations.to_string()),
        (
            "Effective access",
            format!(
                "{} gained, {} lost; {} widened, {} narrowed by role edits",
                s.access_gained, s.access_lost, s.access_widened, s.access_narrowed
            ),
        ),
        (
            "Policy violations",
            format!("{} new, {} fixed", s.new_violations, s.fixed_violations),
        ),
        (
            "Findings",
            format!(
                "{} and {} introduced, {} fixed",
                plural(s.errors_introduced, "error"),
                plural(s.warnings_introduced, "warning"),
                s.findings_fixed
            ),
        ),
        (
            "Objects changed",
            [
                (s.hierarchy_changes, "scope"),
                (s.principal_changes, "principal"),
                (s.role_definition_changes, "role definition"),
                (s.role_assignment_changes, "role assignment"),
                (s.deny_assignment_changes, "deny assignment"),
                (s.policy_changes, "policy object"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, w)| plural(*n, w))
            .collect::<Vec<_>>()
            .join(", "),
        ),
    ];
    for (k, v) in rows {
        let _ = writeln!(out, "| {k} | {v} |");
    }
    out.push('\n');
    if !d.errors.is_empty() {
        let _ = writeln!(out, "#### ❌ Errors\n");
        for e in &d.errors {
            let _ = writeln!(out, "- {}", md(e));
        }
        out.push('\n');
    }
    md_table(
        out,
        "⚠️ Privilege escalations",
        &["Principal", "What", "Scope", "Role", "Via", "Where"],
        d.escalations
            .iter()
            .map(|e| {
                vec![
                    format!("**{}** ({})", md(&e.principal), e.principal_kind),
                    format!(
                        "{}{}",
                        crate::diff::describe_capabilities(&e.capabilities),
                        if e.conditional { " (conditional)" } else { "" }
                    ),
                    code(&e.scope),
                    md(&e.role),
                    md_via(&e.via),
                    md_place(&e.place),
                ]
            })
            .collect(),
    );
    let access_head = ["Principal", "Role", "Scope", "Via", "Note", "Where"];
    md_table(
        out,
        "Access gained",
        &access_head,
        access_rows(&d.access.gained),
    );
    md_table(
        out,
        "Access lost",
        &access_head,
        access_rows(&d.access.lost),
    );
    let violation_rows = |v: &[Violation]| -> Vec<Vec<String>> {
        v.iter()
            .map(|v| {
                vec![
                    code(&v.scope),
                    md(&v.policy),
                    format!(
                        "{}{}",
                        v.effect,
                        if v.enforced { "" } else { " (DoNotEnforce)" }
                    ),
                    code(&v.assignment_scope),
                    md(&v.reason)
                        + if v.target_removed {
                            " (resource removed)"
                        } else {
                            ""
                        },
                    md_place(&v.place),
                ]
            })
            .collect()
    };
    let vhead = [
        "Resource",
        "Policy",
        "Effect",
        "Assigned at",
        "Reason",
        "Where",
    ];
    md_table(
        out,
        "New policy violations",
        &vhead,
        violation_rows(&d.policy.new_violations),
    );
    md_table(
        out,
        "Fixed policy violations",
        &vhead,
        violation_rows(&d.policy.fixed_violations),
    );
    let finding_rows = |v: &[crate::report::json::Diagnostic]| -> Vec<Vec<String>> {
        v.iter()
            .map(|f| {
                vec![
                    f.severity.to_string(),
                    code(f.code),
                    md_message(&f.message),
                    code(&format!("{}:{}:{}", f.file, f.line, f.column)),
                ]
            })
            .collect()
    };
    let fhead = ["Severity", "Code", "Message", "Where"];
    md_table(
        out,
        "Findings introduced",
        &fhead,
        finding_rows(&d.findings.introduced),
    );
    md_table(
        out,
        "Findings fixed",
        &fhead,
        finding_rows(&d.findings.fixed),
    );
    // The object changes, as one list of lines per section.
    for (title, lines) in sections(d) {
        let skip = [
            "Errors",
            "Privilege",
            "Effective",
            "Policy compliance",
            "Findings",
        ];
        if skip.iter().any(|s| title.starts_with(s)) {
            continue;
        }
        md_table(
            out,
            &title,
            &["", "Change", "Where"],
            lines
                .iter()
                .map(|(sign, text, place)| {
                    vec![
                        sign.to_string(),
                        md(text),
                        place.as_ref().map(|p| code(p)).unwrap_or_default(),
                    ]
                })
                .collect(),
        );
    }
    let _ = writeln!(
        out,
        "<sub>{} · generated by canopy {}</sub>",
        md(&summary_line(d)),
        env!("CARGO_PKG_VERSION")
    );
}
