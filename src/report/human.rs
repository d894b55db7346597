//! The terminal report: each finding drawn by miette (source snippet, label on the value,
//! related places in other files, help line), then a one-line summary.

use crate::Analysis;
use crate::diag::{Finding, Label, Severity};
use crate::source::Files;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use rayon::prelude::*;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

/// How to draw: colours for terminals, plain Unicode for files, pipes and snapshots.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            color: false,
            width: 100,
        }
    }
}

fn handler(style: Style) -> GraphicalReportHandler {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .with_break_words(false)
        // Scope paths and GUIDs contain hyphens; never split them across lines.
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_context_lines(1)
}

/// One place (or several in one file) drawn as a miette diagnostic.
struct Drawn {
    code: Option<String>,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    source: FileSource,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Drawn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Drawn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Drawn {}

impl Diagnostic for Drawn {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// A file as miette reads it: only the lines around a span are handed to miette, found with
/// our line index. miette's own `str` source rescans the file from its start for every
/// snippet, which made reports with thousands of findings in one file quadratic.
struct FileSource {
    name: String,
    text: arcstr::ArcStr,
    line_starts: Arc<[u32]>,
}

impl FileSource {
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }
}

impl SourceCode for FileSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let start = span.offset();
        let end = start + span.len();
        if end > self.text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let first_line = self.line_of(start).saturating_sub(context_lines_before);
        let last_line = self.line_of(end.saturating_sub(1).max(start)) + context_lines_after + 1;
        let window_start = self.line_starts[first_line] as usize;
        let window_end = self
            .line_starts
            .get(last_line)
            .map_or(self.text.len(), |s| *s as usize);
        let window = &self.text[window_start..window_end];
        let inner_span = SourceSpan::new((start - window_start).into(), span.len());
        let inner = window.read_span(&inner_span, context_lines_before, context_lines_after)?;
        let data: &'a [u8] = inner.data();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new(
                (inner.span().offset() + window_start).into(),
                inner.span().len(),
            ),
            inner.line() + first_line,
            inner.column(),
            inner.line_count() + first_line,
        )))
    }
}

fn source_of(files: &Files, label: &Label) -> FileSource {
    let f = files.get(label.span.file);
    FileSource {
        name: super::display_path(&f.path),
        text: f.text.clone(),
        line_starts: f.line_starts().clone(),
    }
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let span = SourceSpan::new(
        (label.span.start as usize).into(),
        label.span.len() as usize,
    );
    if primary {
        LabeledSpan::new_primary_with_span(Some(label.message.clone()), span)
    } else {
        LabeledSpan::new_with_span(Some(label.message.clone()), span)
    }
}

/// The finding itself with its places in the primary file, and one note per related place
/// in another file. Notes are drawn on their own below the finding (miette draws one source
/// per diagnostic, and its "related" section adds a misleading severity header).
fn drawn(files: &Files, f: &Finding) -> (Drawn, Vec<Drawn>) {
    let mut labels = vec![labeled(&f.primary, true)];
    let mut notes = Vec::new();
    for r in &f.related {
        if r.span.file == f.primary.span.file {
            labels.push(labeled(r, false));
        } else {
            let span = SourceSpan::new((r.span.start as usize).into(), r.span.len() as usize);
            notes.push(Drawn {
                code: None,
                severity: miette::Severity::Advice,
                message: r.message.clone(),
                help: None,
                source: source_of(files, r),
                labels: vec![LabeledSpan::new_primary_with_span(None, span)],
            });
        }
    }
    let main = Drawn {
        code: Some(f.code.to_string()),
        severity: match f.severity {
            Severity::Error => miette::Severity::Error,
            _ => miette::Severity::Warning,
        },
        message: f.message.clone(),
        help: f.help.clone(),
        source: source_of(files, &f.primary),
        labels,
    };
    (main, notes)
}

/// Renders one finding as miette draws it.
pub fn render_finding(files: &Files, f: &Finding, style: Style) -> String {
    let handler = handler(style);
    let (main, notes) = drawn(files, f);
    let mut out = String::new();
    if handler.render_report(&mut out, &main).is_err() {
        return format!("{}: {} [{}]\n", f.severity, f.message, f.code);
    }
    for note in &notes {
        let mut n = String::new();
        if handler.render_report(&mut n, note).is_ok() {
            out.push_str(&n);
        }
    }
    out
}

/// Draws every finding and the summary line.
pub fn write(analysis: &Analysis, style: Style, w: &mut dyn Write) -> io::Result<()> {
    write_report(&super::Report::of(analysis), style, w)
}

/// Draws a report: each finding (none with `--quiet`), then the summary line.
pub fn write_report(r: &super::Report, style: Style, w: &mut dyn Write) -> io::Result<()> {
    if !r.quiet {
        write_findings(r.files, r.findings, style, w)?;
    }
    if r.analysis.is_some() {
        writeln!(w, "{}", super::summary_line(r))?;
    }
    Ok(())
}

/// Draws findings that stopped a run before any check (a bad canopy.toml).
pub fn write_findings(
    files: &Files,
    findings: &[Finding],
    style: Style,
    w: &mut dyn Write,
) -> io::Result<()> {
    // Drawing is most of a large run's report (35,000 findings on the bench's medium tree
    // took 43% of `canopy check`'s instructions, on one core), and each finding is drawn on
    // its own: draw a window of them in parallel, write it in order, go on. The window
    // bounds the memory held at once.
    const WINDOW: usize = 2048;
    for window in findings.chunks(WINDOW) {
        let drawn: Vec<String> = window
            .par_iter()
            .map(|f| render_finding(files, f, style))
            .collect();
        for d in drawn {
            writeln!(w, "{d}")?;
        }
    }
    Ok(())
}
