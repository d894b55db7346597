//! Output formats. Each is a leaf taking the analysis and a writer; the exit code is decided
//! once, in `cli`.

pub mod diff;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;

use crate::Analysis;
use crate::diag::{Finding, Severity};
use crate::source::{Files, Span};
use crate::suppress::Suppressed;
use std::io::{self, Write};

/// The formats findings are written in (`canopy check --format`). A new format is one module
/// with a `write(&Report, &mut dyn Write)` and one arm in [`FindingsFormat::write`].
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FindingsFormat {
    /// miette's drawing: the source line, a label on the value, the help; then a summary.
    Human,
    /// canopy's JSON document (version 1), for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: findings inline on the pull request.
    Github,
    /// JUnit XML, one test case per check per file, for Azure Pipelines' test results.
    Junit,
    /// A Markdown summary and table, for pull-request comments and job summaries.
    Markdown,
}

impl FindingsFormat {
    /// Whether `--quiet` means something for this format (it keeps only the summary).
    pub fn has_summary(self) -> bool {
        matches!(
            self,
            FindingsFormat::Human | FindingsFormat::Github | FindingsFormat::Markdown
        )
    }

    pub fn write(self, r: &Report, style: human::Style, w: &mut dyn Write) -> io::Result<()> {
        match self {
            FindingsFormat::Human => human::write_report(r, style, w),
            FindingsFormat::Json => json::write_report(r, w),
            FindingsFormat::Sarif => sarif::write(r, w),
            FindingsFormat::Github => github::write(r, w),
            FindingsFormat::Junit => junit::write(r, w),
            FindingsFormat::Markdown => markdown::write(r, w),
        }
    }
}

/// What a findings report shows: the findings left after suppressions and the baseline, what
/// was set aside, and the tree they came from.
pub struct Report<'a> {
    pub files: &'a Files,
    pub findings: &'a [Finding],
    /// Findings silenced by inline `# canopy: allow` comments, with the reasons.
    pub suppressed: &'a [Suppressed],
    /// The analysis, when canopy got as far as checking (not for a bad canopy.toml).
    pub analysis: Option<&'a Analysis>,
    /// Known findings hidden by `--baseline`, and baseline entries no longer found.
    pub baseline: Option<crate::baseline::Applied>,
    /// Warnings fail the run too (`--deny-warnings`).
    pub deny_warnings: bool,
    /// Only the summary (`--quiet`).
    pub quiet: bool,
    /// False when canopy stopped before checking (a bad canopy.toml).
    pub ran: bool,
}

impl<'a> Report<'a> {
    /// The report of a finished analysis, with nothing hidden by a baseline.
    pub fn of(a: &'a Analysis) -> Self {
        Report {
            files: &a.files,
            findings: &a.findings,
            suppressed: &a.suppressed,
            analysis: Some(a),
            baseline: None,
            deny_warnings: false,
            quiet: false,
            ran: true,
        }
    }

    /// The findings that stopped a run before any check (a bad canopy.toml).
    pub fn stopped(files: &'a Files, findings: &'a [Finding]) -> Self {
        Report {
            files,
            findings,
            suppressed: &[],
            analysis: None,
            baseline: None,
            deny_warnings: false,
            quiet: false,
            ran: false,
        }
    }

    /// Whether a finding of this severity fails the run.
    pub fn fails(&self, s: Severity) -> bool {
        s == Severity::Error || (self.deny_warnings && s == Severity::Warning)
    }

    /// Whether the run fails: an error, or a warning with `--deny-warnings`.
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| self.fails(f.severity))
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// `canopy check: 2 errors, 1 warning in 14 files (52 documents); 3 suppressed`.
pub fn summary_line(r: &Report) -> String {
    let Some(a) = r.analysis else {
        return format!(
            "canopy check: canopy.toml has {}; nothing was checked",
            plural(r.findings.len(), "problem")
        );
    };
    let errors = r.count(Severity::Error);
    let warnings = r.count(Severity::Warning);
    let what = format!(
        "{} ({})",
        plural(a.files.len(), "file"),
        plural(a.tenant.documents, "document")
    );
    let mut line = if errors == 0 && warnings == 0 {
        format!("canopy check: no problems in {what}")
    } else {
        format!(
            "canopy check: {}, {} in {what}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
    };
    let mut set_aside = Vec::new();
    if !r.suppressed.is_empty() {
        set_aside.push(format!("{} suppressed inline", r.suppressed.len()));
    }
    if let Some(b) = &r.baseline {
        set_aside.push(format!("{} known in the baseline", b.hidden));
        if b.fixed > 0 {
            set_aside.push(format!(
                "{} of the baseline fixed (rewrite it with --write-baseline)",
                plural(b.fixed, "entry")
            ));
        }
    }
    if !set_aside.is_empty() {
        line.push_str("; ");
        line.push_str(&set_aside.join(", "));
    }
    line
}

/// Where paths are made relative to for CI services (GitHub resolves annotation and SARIF
/// paths against the repository's root): the current folder and the nearest folder above
/// it holding `.git`.
pub struct RepoBase {
    pub cwd: std::path::PathBuf,
    pub root: std::path::PathBuf,
}

impl RepoBase {
    /// `None` outside a repository: paths then stay relative to the current folder.
    pub fn find() -> Option<RepoBase> {
        let cwd = std::env::current_dir().ok()?;
        let root = cwd
            .ancestors()
            .find(|d| d.join(".git").exists())?
            .to_path_buf();
        Some(RepoBase { cwd, root })
    }
}

/// A file's path (as displayed, relative to the current folder or absolute) relative to
/// the repository's root when it is inside it, with `/` separators; else unchanged.
pub fn repo_relative(file: &str, base: Option<&RepoBase>) -> String {
    if let Some(b) = base {
        let absolute = b.cwd.join(file);
        // `..` segments would defeat strip_prefix; normalise them lexically.
        let mut clean = std::path::PathBuf::new();
        for c in absolute.components() {
            match c {
                std::path::Component::ParentDir => {
                    clean.pop();
                }
                std::path::Component::CurDir => {}
                other => clean.push(other),
            }
        }
        if let Ok(rel) = clean.strip_prefix(&b.root) {
            return display_path(rel);
        }
    }
    file.to_string()
}

/// A finding's identity where lines may move: a hash of its code, file and message, as
/// 16 hex digits. The file is its path within the tree, so the value does not depend on
/// where canopy runs from or how the tree was named. FNV-1a, written out here because the
/// value is stored by code-scanning services across runs and must never change with a
/// library's version.
pub fn fingerprint(files: &Files, f: &Finding) -> String {
    let file = files.get(f.primary.span.file).name.clone();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [f.code.as_str(), &file, &f.message] {
        for b in part.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// A file's path as a URI reference: relative paths stay relative (SARIF viewers resolve
/// them against the repository root), absolute ones become `file://` URIs; characters
/// outside RFC 3986's unreserved set and `/` are percent-encoded.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let b = path.as_bytes();
    let drive = b.len() > 2 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/';
    let mut rest = path;
    if path.starts_with('/') {
        out.push_str("file://");
    } else if drive {
        // `C:/x` (Windows): `file:///C:/x`, the drive's colon kept as RFC 8089 writes it.
        out.push_str("file:///");
        out.push_str(&path[..2]);
        rest = &path[2..];
    }
    for b in rest.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Where a span is, for formats that print positions: the file as the user named it, and
/// 1-based line and column of its start and end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

pub fn position(files: &Files, span: Span) -> Position {
    let f = files.get(span.file);
    let (line, column) = f.line_col(span.start);
    let (end_line, end_column) = f.line_col(span.end);
    Position {
        file: display_path(&f.path),
        line,
        column,
        end_line,
        end_column,
    }
}

/// `1 file`, `2 files`; `policy` → `policies`, `person` → `people`.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else if word == "person" {
        format!("{n} people")
    } else if let Some(stem) = word.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {word}s")
    }
}

/// How a role reaches a principal, from its membership path (the principal first, the
/// assignee last): "assigned directly" or "through p → group → group".
pub fn how<S: AsRef<str>>(path: &[S]) -> String {
    if path.len() <= 1 {
        "assigned directly".to_string()
    } else {
        let names: Vec<&str> = path.iter().map(AsRef::as_ref).collect();
        format!("through {}", names.join(" → "))
    }
}

/// A path as users see it, with `/` separators on every platform, borrowed when it is
/// already spelled that way.
pub fn display_path_ref(p: &std::path::Path) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    fn relative(s: &str) -> &str {
        match s.strip_prefix("./") {
            Some(rest) if !rest.is_empty() => rest,
            _ => s,
        }
    }
    match p.to_string_lossy() {
        Cow::Borrowed(s) if !s.contains('\\') => Cow::Borrowed(relative(s)),
        lossy => Cow::Owned(relative(&lossy.replace('\\', "/")).to_string()),
    }
}

/// [`display_path_ref`], owned.
pub fn display_path(p: &std::path::Path) -> String {
    display_path_ref(p).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded_and_relative_paths_stay_relative() {
        assert_eq!(uri("infra/my tree/a.yaml"), "infra/my%20tree/a.yaml");
        assert_eq!(uri("/abs/a.yaml"), "file:///abs/a.yaml");
        assert_eq!(uri("C:/trees/a.yaml"), "file:///C:/trees/a.yaml");
    }
}
