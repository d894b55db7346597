//! `--format github`: GitHub Actions workflow commands, one per finding, so each shows inline
//! on the pull request's changed files, then the summary line.
//!
//! `::error file=F,line=L,col=C,endLine=EL,endColumn=EC,title=T::MESSAGE`. Values are escaped
//! as the runner unescapes them: `%`, CR and LF everywhere, and `:` and `,` in properties.
//! <https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#setting-an-error-message>

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
    if !r.quiet {
        for f in r.findings {
            let p = position(r.files, f.primary.span);
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
                property(&p.file),
                p.line,
                p.column,
                p.end_line,
                p.end_column,
                property(&format!("canopy {}", f.code)),
                data(&message)
            )?;
        }
    }
    writeln!(w, "{}", super::summary_line(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_unescapes() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
