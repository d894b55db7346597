//! `--format github`: GitHub Actions workflow commands, one per finding, so each shows inline
//! on the pull request's changed files, then the summary line.
//!
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=T::MESSAGE`. Values are escaped
//! as the runner unescapes them: `%`, CR and LF everywhere, and `:` and `,` in properties.
//! <https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#setting-an-error-message>
//!
//! GitHub shows at most 10 error and 10 warning annotations per step (and 50 per job;
//! actions/toolkit documents the limits in docs/problem-matchers.md). Past that, a notice
//! says so and where the rest are: every command is still in the step's log, and the SARIF
//! upload holds them all.

use super::{Report, position};
use crate::diag::Severity;
use std::io::{self, Write};

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    // The runner resolves `file=` against the repository's root, not the current folder.
    let base = super::RepoBase::find();
    if !r.quiet {
        for f in r.findings {
            let p = position(r.files, f.primary.span);
            let file = super::repo_relative(&p.file, base.as_ref());
            let command = match f.severity {
                Severity::Error => "error",
                _ => "warning",
            };
            let mut message = format!("{} ({})", f.message, f.primary.message);
            for rel in &f.related {
                let rp = position(r.files, rel.span);
                message.push_str(&format!(
                    "\n{}: {}:{}:{}",
                    rel.message, rp.file, rp.line, rp.column
                ));
            }
            if let Some(h) = &f.help {
                message.push_str("\nhelp: ");
                message.push_str(h);
            }
            writeln!(
                w,
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                property(&file),
                p.line,
                p.column,
                p.end_line,
                p.end_column,
                property(&format!("canopy {}", f.code)),
                data(&message)
            )?;
        }
    }
    let (errors, warnings) = (r.count(Severity::Error), r.count(Severity::Warning));
    if !r.quiet && (errors > SHOWN_PER_STEP || warnings > SHOWN_PER_STEP) {
        writeln!(
            w,
            "::notice title=canopy::{}",
            data(&format!(
                "canopy reported {errors} errors and {warnings} warnings; GitHub shows {SHOWN_PER_STEP} annotations of each level per step. The step's log lists them all, and so does the SARIF upload (code scanning) or `canopy check --format markdown`."
            ))
        )?;
    }
    writeln!(w, "{}", super::summary_line(r))
}

/// Annotations of one level GitHub shows for one step.
const SHOWN_PER_STEP: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_unescapes() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
