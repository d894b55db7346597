//! Output formats. Each is a leaf taking the analysis and a writer; the exit code is decided
//! once, in `cli`.

pub mod diff;
pub mod human;
pub mod json;

use crate::source::{Files, Span};

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
pub fn how(path: &[String]) -> String {
    if path.len() <= 1 {
        "assigned directly".to_string()
    } else {
        format!("through {}", path.join(" → "))
    }
}

/// A path as users see it, with `/` separators on every platform.
pub fn display_path(p: &std::path::Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}
