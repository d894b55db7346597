//! Markdown building blocks shared by every Markdown report (`check --format markdown`, `diff
//! --format markdown`): escaping for table cells, code spans, and tables that fold into
//! `<details>` when long, as pull-request comments need.

use super::{Report, position};
use crate::diag::Severity;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Lists longer than this are folded into `<details>`.
pub const OPEN_ROWS: usize = 10;
/// At most this many rows are written in one table; the rest are counted.
pub const MAX_ROWS: usize = 200;
/// Tables stop adding rows once the document is this long, so that it fits in a GitHub
/// pull-request comment (65,536 characters) with room for what follows.
pub const MAX_CHARS: usize = 60_000;

/// Escapes text for a Markdown table cell or list item.
pub fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => o.push_str("\\|"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '\n' => o.push_str("<br>"),
            '*' | '_' | '`' | '[' | ']' | '\\' => {
                o.push('\\');
                o.push(c);
            }
            c => o.push(c),
        }
    }
    o
}

/// A message as Markdown: its `code spans` kept as code (canopy's messages quote names and
/// scopes that way), everything else escaped as [`md`].
pub fn md_message(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let parts: Vec<&str> = s.split('`').collect();
    // With an odd number of backticks the last one opens nothing: what follows it is text.
    let paired = if parts.len().is_multiple_of(2) {
        parts.len() - 1
    } else {
        parts.len()
    };
    for (i, part) in parts[..paired].iter().enumerate() {
        if i % 2 == 1 {
            out.push('`');
            out.push_str(&part.replace('|', "\\|").replace(['\n', '\r'], " "));
            out.push('`');
        } else {
            out.push_str(&md(part));
        }
    }
    if paired < parts.len() {
        out.push_str(&md("`"));
        out.push_str(&md(parts[paired]));
    }
    out
}

/// A code span. Backticks inside would end it; scope paths and names have none in practice.
pub fn code(s: &str) -> String {
    format!("`{}`", s.replace('`', "'").replace('|', "\\|"))
}

/// A titled table, folded into `<details>` when longer than [`OPEN_ROWS`], cut at
/// [`MAX_ROWS`] (or once the document passes [`MAX_CHARS`]) with `more` (such as "run `canopy check --format json` for the full list")
/// after the count of rows left out.
pub fn table(out: &mut String, title: &str, head: &[&str], rows: &[Vec<String>], more: &str) {
    table_of(out, title, head, rows.len(), rows, more);
}

/// [`table`] for a list of `total` rows of which only the first [`MAX_ROWS`] (or more) are
/// given, so that a long list is not formatted in full only to be cut.
pub fn table_of(
    out: &mut String,
    title: &str,
    head: &[&str],
    total: usize,
    rows: &[Vec<String>],
    more: &str,
) {
    if total == 0 {
        return;
    }
    let n = total;
    let folded = n > OPEN_ROWS;
    if folded {
        let _ = writeln!(
            out,
            "<details><summary><b>{}</b> ({n})</summary>\n",
            md(title)
        );
    } else {
        let _ = writeln!(out, "#### {title} ({n})\n");
    }
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    let mut written = 0;
    for r in rows.iter().take(MAX_ROWS) {
        if out.len() > MAX_CHARS {
            break;
        }
        let _ = writeln!(out, "| {} |", r.join(" | "));
        written += 1;
    }
    if n > written {
        let _ = writeln!(out, "\n… and {} more: {more}.", n - written);
    }
    out.push('\n');
    if folded {
        out.push_str("</details>\n\n");
    }
}

/// `canopy check --format markdown`: a verdict, the summary, then the findings as a table
/// (folded when long), for a pull-request comment or a job summary.
pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut out = String::from("### canopy check\n\n");
    let warnings = r.count(Severity::Warning);
    let verdict = if r.failed() {
        "❌ **fails**"
    } else if warnings > 0 {
        "⚠️ **passes with warnings**"
    } else {
        "✅ **passes**"
    };
    let _ = writeln!(out, "{verdict}: {}\n", md(&super::summary_line(r)));
    if !r.quiet {
        let rows: Vec<Vec<String>> = r
            .findings
            .iter()
            .take(MAX_ROWS)
            .map(|f| {
                let p = position(r.files, f.primary.span);
                let icon = match f.severity {
                    Severity::Error => "❌ error",
                    _ => "⚠️ warning",
                };
                let mut finding = md_message(&f.message);
                if let Some(h) = &f.help {
                    let _ = write!(finding, "<br>help: {}", md_message(h));
                }
                vec![
                    icon.to_string(),
                    code(f.code.as_str()),
                    code(&format!("{}:{}:{}", p.file, p.line, p.column)),
                    finding,
                ]
            })
            .collect();
        let more = "run `canopy check --format json` for the full list";
        table_of(
            &mut out,
            "Findings",
            &["", "Code", "Where", "Finding"],
            r.findings.len(),
            &rows,
            more,
        );
        let rows: Vec<Vec<String>> = r
            .suppressed
            .iter()
            .take(MAX_ROWS)
            .map(|s| {
                let p = position(r.files, s.finding.primary.span);
                vec![
                    code(s.finding.code.as_str()),
                    code(&format!("{}:{}:{}", p.file, p.line, p.column)),
                    md_message(&s.finding.message),
                    md_message(&s.reason),
                ]
            })
            .collect();
        table_of(
            &mut out,
            "Suppressed inline",
            &["Code", "Where", "Finding", "Reason"],
            r.suppressed.len(),
            &rows,
            more,
        );
    }
    w.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_report_fits_in_a_pull_request_comment() {
        let rows: Vec<Vec<String>> = (0..1_000)
            .map(|i| vec![format!("{i}"), "x".repeat(900)])
            .collect();
        let mut out = String::new();
        for title in ["first", "second", "third"] {
            table(&mut out, title, &["n", "text"], &rows, "see the JSON");
        }
        assert!(out.len() < 65_536, "{}", out.len());
        assert!(
            out.contains("… and 1000 more: see the JSON."),
            "the later tables say what they left out"
        );
    }

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(md("a|b<script>&"), "a\\|b&lt;script&gt;&amp;");
        assert_eq!(md("line\nnext"), "line<br>next");
        assert_eq!(code("x|y"), "`x\\|y`");
        assert_eq!(md_message("role `a|b` at <x>"), "role `a\\|b` at &lt;x&gt;");
        // One backtick too many cannot switch escaping off for what follows it.
        assert_eq!(
            md_message("approved in `<img src=x> *bold*"),
            "approved in \\`&lt;img src=x&gt; \\*bold\\*"
        );
        assert_eq!(md_message("`a\nb` ok"), "`a b` ok");
    }
}
