//! Inline suppressions: `# canopy: allow CODE -- reason` on the line before a document or a
//! field silences findings of that code inside it, as `# noqa` does for ruff and
//! `# zizmor: ignore[...]` for zizmor, but with a reason, which an auditor will ask for.
//!
//! - The comment is a whole line; several codes may be listed, separated by commas.
//! - It covers the node that starts on the next line that is not blank or a comment: a whole
//!   document when that line starts the document (or is its `---`), else the field (key and
//!   value) or list item starting there.
//! - A finding is silenced when its main place lies inside what the comment covers and its
//!   code is listed. Silenced findings are kept (JSON, SARIF and Markdown list them with the
//!   reason), and a comment that silences nothing is reported as `unused-suppression`.
//! - The comment is found at load time, when the file's node tree is at hand; the check runs
//!   after every other rule, in [`apply`].

use crate::diag::{Code, Finding};
use crate::load::yaml::{Chunk, Node, Value};
use crate::source::{FileId, Span};

/// One valid suppression comment and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub codes: Vec<Code>,
    pub reason: String,
    /// The comment itself.
    pub comment: Span,
    /// The document or field it covers.
    pub covers: Span,
}

/// A finding an inline comment silenced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
    /// The comment that silenced it.
    pub comment: Span,
}

/// Codes a comment may not silence: without them canopy cannot read the tree, and the
/// suppression findings themselves (silence those by deleting the comment).
fn suppressible(code: Code) -> bool {
    !matches!(
        code,
        Code::UnreadableFile
            | Code::YamlSyntax
            | Code::Schema
            | Code::Config
            | Code::UnusedSuppression
            | Code::InvalidSuppression
    )
}

const MARK: &str = "canopy:";

/// A suppression comment as written, before its target is known.
struct Comment {
    /// Byte range of the comment line's text (from `#` to the line end).
    start: u32,
    end: u32,
    /// Start of the first following line that is not blank or a comment.
    target: Option<u32>,
    parsed: Result<(Vec<Code>, String), (String, String)>,
}

/// Finds every suppression comment in a file and resolves what each covers against the
/// file's parsed documents (`docs`: each chunk with its root node, if it parsed). Returns the
/// valid suppressions and an `invalid-suppression` finding for each malformed one.
pub fn find(
    file: FileId,
    text: &str,
    docs: &[(Chunk, Option<&Node>)],
) -> (Vec<Suppression>, Vec<Finding>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    if !text.contains(MARK) {
        return (found, problems);
    }
    for c in comments(text) {
        // A `#` inside a block scalar (a description) is text, not a comment.
        if inside_scalar(docs, c.start) {
            continue;
        }
        let span = Span::new(file, c.start, c.end);
        let (codes, reason) = match c.parsed {
            Ok(ok) => ok,
            Err((label, help)) => {
                problems.push(invalid(span, &label, help));
                continue;
            }
        };
        let covers = c.target.and_then(|t| covered(text, docs, t));
        match covers {
            Some((start, end)) => found.push(Suppression {
                codes,
                reason,
                comment: span,
                covers: Span::new(file, start, end),
            }),
            None => problems.push(invalid(
                span,
                "covers nothing",
                "put the comment on the line just before the document, field or list item it \
                 is about"
                    .into(),
            )),
        }
    }
    (found, problems)
}

fn invalid(span: Span, label: &str, help: String) -> Finding {
    Finding::new(
        Code::InvalidSuppression,
        span,
        label,
        format!("this `# canopy:` comment is not a valid suppression: {label}"),
    )
    .help(help)
}

/// Every whole-line `# canopy:` comment, parsed, with the line it applies to.
fn comments(text: &str) -> Vec<Comment> {
    let mut out: Vec<Comment> = Vec::new();
    // Comments waiting for the next content line (consecutive comments share it).
    let mut waiting = 0usize;
    let mut offset = 0usize;
    for line in text.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        // A byte order mark may start any document (files joined with `cat`).
        let trimmed = body.trim_start_matches('\u{FEFF}').trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(comment) = trimmed.strip_prefix('#') {
            let rest = comment.trim_start();
            if let Some(directive) = rest.strip_prefix(MARK).filter(|d| is_directive(d)) {
                let start = here + (body.len() - trimmed.len());
                out.push(Comment {
                    start: start as u32,
                    end: (here + body.len()) as u32,
                    target: None,
                    parsed: parse(directive),
                });
                waiting += 1;
            }
            continue;
        }
        let n = out.len();
        for c in &mut out[n - waiting..] {
            c.target = Some(here as u32);
        }
        waiting = 0;
    }
    out
}

/// Whether a `# canopy: ...` comment is meant as a suppression: `allow`, or a word other
/// tools use for one (reported, so the author learns canopy's). Any other comment that starts
/// with `canopy:` ("canopy: generated by import") is only a comment.
fn is_directive(directive: &str) -> bool {
    let word = directive.split_whitespace().next().unwrap_or("");
    let word = word.split(['[', '(', ',']).next().unwrap_or("");
    matches!(
        word.to_ascii_lowercase().as_str(),
        "allow" | "ignore" | "disable" | "suppress" | "skip" | "noqa" | "nolint" | "allow-next"
    )
}

/// Parses what follows `canopy:`: `allow CODE[, CODE...] -- reason`.
fn parse(directive: &str) -> Result<(Vec<Code>, String), (String, String)> {
    let d = directive.trim();
    let word = d.split_whitespace().next().unwrap_or("");
    let Some(rest) = d
        .strip_prefix("allow")
        .filter(|r| r.is_empty() || r.starts_with(' '))
    else {
        return Err((
            format!("unknown directive `{word}`"),
            "write `# canopy: allow CODE -- reason`".into(),
        ));
    };
    let (codes, reason) = match rest.split_once("--") {
        Some((c, r)) => (c, r.trim()),
        None => (rest, ""),
    };
    let mut out = Vec::new();
    for name in codes.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let Some(code) = Code::from_name(name) else {
            let near = crate::load::schema::suggest(name, Code::ALL.iter().map(|c| c.as_str()));
            let help = match near {
                Some(n) => format!("did you mean `{n}`? `canopy rules` lists every code"),
                None => "`canopy rules` lists every code".into(),
            };
            return Err((format!("unknown code `{name}`"), help));
        };
        if !suppressible(code) {
            return Err((
                format!("`{name}` cannot be suppressed"),
                "without this check canopy cannot read the tree; fix the file instead".into(),
            ));
        }
        out.push(code);
    }
    if out.is_empty() {
        return Err((
            "no code".into(),
            "name the check it allows: `# canopy: allow duplicate-assignment -- reason`".into(),
        ));
    }
    if reason.is_empty() {
        return Err((
            "no reason".into(),
            "say why after ` -- `: `# canopy: allow CODE -- why this is accepted`; the reason \
             is what an auditor reads"
                .into(),
        ));
    }
    Ok((out, reason.to_string()))
}

fn chunk_of<'d>(
    docs: &'d [(Chunk, Option<&'d Node<'d>>)],
    at: u32,
) -> Option<&'d (Chunk, Option<&'d Node<'d>>)> {
    // Chunks are in file order and do not overlap.
    let at = at as usize;
    let i = docs.partition_point(|(c, _)| c.end <= at);
    docs.get(i).filter(|(c, _)| c.start <= at)
}

/// The byte range a node spans with everything in it. The parser gives containers only
/// their starting point, so their end is that of their last child.
fn extent(n: &Node) -> (u32, u32) {
    let (mut start, mut end) = (n.start, n.end);
    let mut widen = |(s, e): (u32, u32)| {
        start = start.min(s);
        end = end.max(e);
    };
    match &n.value {
        Value::Seq(items) => items.iter().for_each(|i| widen(extent(i))),
        Value::Map(entries) => entries.iter().for_each(|e| {
            widen((e.key_start, e.key_end));
            widen(extent(&e.value));
        }),
        _ => {}
    }
    (start, end)
}

fn inside_scalar(docs: &[(Chunk, Option<&Node>)], at: u32) -> bool {
    fn walk(n: &Node, at: u32) -> bool {
        match &n.value {
            Value::Seq(items) => items.iter().any(|i| walk(i, at)),
            Value::Map(entries) => entries.iter().any(|e| walk(&e.value, at)),
            _ => n.start <= at && at < n.end,
        }
    }
    chunk_of(docs, at)
        .and_then(|(_, root)| *root)
        .is_some_and(|root| walk(root, at))
}

/// What a comment whose next content line starts at `target` covers: the document, or the
/// outermost field or list item starting on that line.
fn covered(text: &str, docs: &[(Chunk, Option<&Node>)], target: u32) -> Option<(u32, u32)> {
    let (chunk, root) = chunk_of(docs, target)?;
    let root = (*root)?;
    let line_end = text[target as usize..]
        .find('\n')
        .map_or(text.len(), |i| target as usize + i) as u32;
    let on_line = |at: u32| target <= at && at < line_end;
    let line = &text[target as usize..line_end as usize];
    let (root_start, _) = extent(root);
    if on_line(root_start) || line.starts_with("---") {
        return Some((chunk.start as u32, chunk.end as u32));
    }
    fn find(n: &Node, on_line: &dyn Fn(u32) -> bool, target: u32) -> Option<(u32, u32)> {
        match &n.value {
            Value::Map(entries) => entries.iter().find_map(|e| {
                let (_, end) = extent(&e.value);
                if on_line(e.key_start) {
                    Some((e.key_start, end.max(e.key_end)))
                } else if e.key_start <= target && target < end {
                    find(&e.value, on_line, target)
                } else {
                    None
                }
            }),
            Value::Seq(items) => items.iter().find_map(|i| {
                let (start, end) = extent(i);
                if on_line(start) {
                    Some((start, end))
                } else if start <= target && target < end {
                    find(i, on_line, target)
                } else {
                    None
                }
            }),
            _ => None,
        }
    }
    find(root, &on_line, target)
}

/// The suppressions of a tree, for finding those that cover a place quickly. What they cover
/// are documents and nodes of one file, so any two either nest or are apart: sorted by start
/// (outer first), each has a parent (the nearest one that encloses it), and the suppressions
/// covering a place are the last one starting at or before it and its ancestors that reach it.
struct Index {
    /// Suppression indices per file, sorted by (start, longest first).
    by_file: rustc_hash::FxHashMap<FileId, Vec<usize>>,
    /// For each suppression, the nearest enclosing one.
    parent: Vec<Option<usize>>,
    suppressions: Vec<Span>,
}

impl Index {
    fn new(suppressions: &[Suppression]) -> Index {
        let mut by_file: rustc_hash::FxHashMap<FileId, Vec<usize>> = Default::default();
        for (i, s) in suppressions.iter().enumerate() {
            by_file.entry(s.comment.file).or_default().push(i);
        }
        let covers: Vec<Span> = suppressions.iter().map(|s| s.covers).collect();
        let mut parent = vec![None; suppressions.len()];
        for list in by_file.values_mut() {
            list.sort_by_key(|&i| (covers[i].start, std::cmp::Reverse(covers[i].end)));
            let mut open: Vec<usize> = Vec::new();
            for &i in list.iter() {
                while open
                    .last()
                    .is_some_and(|&o| covers[o].end < covers[i].start)
                {
                    open.pop();
                }
                parent[i] = open.last().copied();
                open.push(i);
            }
        }
        Index {
            by_file,
            parent,
            suppressions: covers,
        }
    }

    /// The suppressions whose cover holds the start of `at`, innermost first.
    fn covering(&self, at: Span) -> impl Iterator<Item = usize> + '_ {
        let list = self.by_file.get(&at.file).map_or(&[][..], |l| l.as_slice());
        let last = list
            .partition_point(|&i| self.suppressions[i].start <= at.start)
            .checked_sub(1)
            .map(|j| list[j]);
        std::iter::successors(last, move |&i| self.parent[i])
            .filter(move |&i| at.start <= self.suppressions[i].end)
    }
}

/// Applies a tree's suppressions to its findings: returns the findings left, those silenced,
/// and an `unused-suppression` finding for each code of a comment that silenced nothing.
pub fn apply(
    findings: Vec<Finding>,
    suppressions: &[Suppression],
) -> (Vec<Finding>, Vec<Suppressed>) {
    if suppressions.is_empty() {
        return (findings, Vec::new());
    }
    let index = Index::new(suppressions);
    // used[i][k]: whether code k of suppression i silenced something.
    let mut used: Vec<Vec<bool>> = suppressions
        .iter()
        .map(|s| vec![false; s.codes.len()])
        .collect();
    let mut kept = Vec::with_capacity(findings.len());
    let mut silenced = Vec::new();
    for f in findings {
        let hit = index.covering(f.primary.span).find_map(|i| {
            let k = suppressions[i].codes.iter().position(|c| *c == f.code)?;
            Some((i, k))
        });
        match hit {
            Some((i, k)) => {
                used[i][k] = true;
                let s = &suppressions[i];
                silenced.push(Suppressed {
                    finding: f,
                    reason: s.reason.clone(),
                    comment: s.comment,
                });
            }
            None => kept.push(f),
        }
    }
    for (s, used) in suppressions.iter().zip(&used) {
        for (code, _) in s.codes.iter().zip(used).filter(|(_, u)| !**u) {
            kept.push(
                Finding::new(
                    Code::UnusedSuppression,
                    s.comment,
                    "suppresses nothing",
                    format!("`# canopy: allow {code}` suppresses nothing: no `{code}` finding is in what it covers"),
                )
                .related(s.covers, "what it covers")
                .help("the problem is fixed or has moved: delete the comment, or move it to the line before the document or field the finding is on"),
            );
        }
    }
    (kept, silenced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_codes_and_reason() {
        let (codes, reason) =
            parse(" allow duplicate-assignment, unknown-action -- legacy").unwrap();
        assert_eq!(codes, vec![Code::DuplicateAssignment, Code::UnknownAction]);
        assert_eq!(reason, "legacy");
    }

    #[test]
    fn rejects_what_it_cannot_honour() {
        assert!(
            parse(" allow duplicate-assignment")
                .unwrap_err()
                .0
                .contains("no reason")
        );
        assert!(
            parse(" allow duplicate-assignmnt -- x")
                .unwrap_err()
                .1
                .contains("duplicate-assignment")
        );
        assert!(
            parse(" allow schema -- x")
                .unwrap_err()
                .0
                .contains("cannot be suppressed")
        );
        assert!(
            parse(" ignore x -- y")
                .unwrap_err()
                .0
                .contains("unknown directive")
        );
        assert!(is_directive(" ignore[x]") && !is_directive(" generated by import"));
        assert!(parse(" allow -- y").unwrap_err().0.contains("no code"));
    }

    #[test]
    fn a_byte_order_mark_does_not_hide_a_first_line_comment() {
        let text = "\u{FEFF}# canopy: allow access-rule -- r\nkind: X\n";
        assert_eq!(comments(text).len(), 1);
    }

    #[test]
    fn nested_covers_are_found_innermost_first() {
        let f = FileId(0);
        let s = |start, end| Suppression {
            codes: vec![Code::AccessRule],
            reason: "r".into(),
            comment: Span::new(f, start, start),
            covers: Span::new(f, start, end),
        };
        let list = [s(0, 100), s(10, 20), s(30, 40), s(200, 300)];
        let index = Index::new(&list);
        let at = |x| index.covering(Span::new(f, x, x)).collect::<Vec<_>>();
        assert_eq!(at(35), [2, 0]);
        assert_eq!(at(25), [0]);
        assert_eq!(at(15), [1, 0]);
        assert_eq!(at(150), Vec::<usize>::new());
        assert_eq!(at(250), [3]);
    }

    #[test]
    fn consecutive_comments_share_the_next_content_line() {
        let text = "kind: X\n# canopy: allow a -- r\n\n# other\n# canopy: allow b -- r\nkey: v\n";
        let c = comments(text);
        assert_eq!(c.len(), 2);
        let key = text.find("key:").unwrap() as u32;
        assert!(c.iter().all(|c| c.target == Some(key)));
    }
}
