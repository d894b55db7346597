//! `canopy report --html FILE [TREE]` and `canopy report --format json [TREE]`: the audit
//! report of a tree, as one self-contained HTML page or as its data.

use super::{EXIT_CANNOT_RUN, EXIT_OK, Format};
use crate::audit::{AuditData, Origin};
use crate::git::{Repo, TreeReader};
use crate::report::human::Style;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The tree's directory.
    #[arg(default_value = ".")]
    pub tree: PathBuf,
    /// Write the report as one self-contained HTML file (CSS, script and data inline;
    /// nothing fetched from a network). Written atomically.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Print the report's data instead (or as well): json.
    #[arg(long, value_enum)]
    pub format: Option<DataFormat>,
    /// Report on the tree at this Git revision instead of the working tree.
    #[arg(long, value_name = "REV")]
    pub rev: Option<String>,
    /// Effective access and exemption expiry as of this RFC 3339 time instead of now; the
    /// header shows it beside when the report was made.
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataFormat {
    Json,
}

pub fn run(args: &ReportArgs, style: Style, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if args.html.is_none() && args.format.is_none() {
        let _ = writeln!(
            err,
            "canopy report: say what to make: --html FILE (the page) or --format json (its data)"
        );
        return EXIT_CANNOT_RUN;
    }
    let started = std::time::Instant::now();
    let options = crate::Options { now: args.at };
    let now = args.at.unwrap_or_else(jiff::Timestamp::now);
    let mut repo = Repo::discover(&args.tree).ok();
    let mut origin = Origin {
        tree: crate::report::display_path(&args.tree),
        generated: second(jiff::Timestamp::now()),
        as_of: args.at.map(second),
        ..Origin::default()
    };
    let analysis = match &args.rev {
        Some(rev) => {
            let loaded = repo
                .take()
                .ok_or_else(|| {
                    format!(
                        "`{}` is not in a Git repository, so --rev {rev} names nothing",
                        args.tree.display()
                    )
                })
                .and_then(|repo| {
                    let commit = repo.commit(rev).map_err(|e| e.to_string())?;
                    origin.commit = Some(commit.clone());
                    origin.commit_date = repo.commit_date(&commit).ok();
                    let mut reader = TreeReader::new(repo).map_err(|e| e.to_string())?;
                    reader.load(&commit, &options).map_err(|e| e.to_string())
                });
            match loaded {
                Ok(a) => super::Kept::new(a),
                Err(message) => {
                    // Tools reading JSON get an answer on stdout too, as `load_or_report` gives.
                    if args.format == Some(DataFormat::Json) {
                        let doc = serde_json::json!({"version": 1, "error": message});
                        let _ = writeln!(out, "{doc:#}");
                    }
                    let _ = writeln!(err, "canopy: {message}");
                    return EXIT_CANNOT_RUN;
                }
            }
        }
        None => {
            let format = if args.format == Some(DataFormat::Json) {
                Format::Json
            } else {
                Format::Human
            };
            match super::load_or_report(&args.tree, &options, format, style, out, err) {
                Ok(a) => a,
                Err(code) => return code,
            }
        }
    };
    if args.rev.is_none()
        && let Some(repo) = &repo
        && let Ok(head) = repo.commit("HEAD")
    {
        origin.commit_date = repo.commit_date(&head).ok();
        origin.commit = Some(head);
        origin.uncommitted_changes = repo.has_changes().unwrap_or(false);
    }
    let data = AuditData::build(&analysis, origin, now);
    if args.format == Some(DataFormat::Json) {
        let written = serde_json::to_writer_pretty(&mut *out, &data)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out));
        if let Err(e) = written {
            let _ = writeln!(err, "canopy: cannot write output: {e}");
            return EXIT_CANNOT_RUN;
        }
    }
    if let Some(path) = &args.html {
        let page = crate::report::html::render(&data);
        if let Err(e) = crate::baseline::write_atomically(path, page.as_bytes()) {
            let _ = writeln!(err, "canopy: cannot write `{}`: {e}", path.display());
            return EXIT_CANNOT_RUN;
        }
        // The summary goes where it does not mix with the JSON.
        let summary: &mut dyn Write = if args.format.is_some() { err } else { out };
        let _ = writeln!(
            summary,
            "canopy report: wrote `{}` ({}) in {:.2} s: {} scopes, {} role assignments, {} grants, {} policy evaluations not compliant, {}",
            path.display(),
            size(page.len()),
            started.elapsed().as_secs_f64(),
            data.scopes.name.len(),
            data.totals.role_assignments,
            data.grants.len(),
            data.non_compliant.len(),
            crate::report::plural(data.findings.len(), "finding"),
        );
    }
    EXIT_OK
}

/// A file size as people read it: `43 kB`, `12.5 MB`.
fn size(bytes: usize) -> String {
    if bytes < 1_000_000 {
        format!("{} kB", bytes.div_ceil(1000))
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// A timestamp to the second, as the report prints it.
fn second(t: jiff::Timestamp) -> String {
    t.round(jiff::Unit::Second).unwrap_or(t).to_string()
}
