//! The command line: argument definitions and one function per command. `main.rs` only parses
//! arguments and calls [`run`].

pub mod access;
pub mod audit;
pub mod diff;
pub mod import;
pub mod policy;
mod rules;
mod tree;

use crate::report::{self, FindingsFormat, Report, human::Style};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Exit codes: the contract with CI systems.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_CANNOT_RUN: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "canopy",
    version,
    about = "Azure tenant governance as code: prove Azure's invariants on a YAML tree"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to use colours: auto (when writing to a terminal and NO_COLOR is unset), always, never.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Load the tree, resolve it, prove Azure's invariants and print every finding.
    Check(CheckArgs),
    /// Draw the management-group hierarchy, subscriptions under their groups, with counts.
    Tree(TreeArgs),
    /// List every check code, or explain one.
    Rules(RulesArgs),
    /// Effective access: who can do what where, and why, as Azure decides it.
    #[command(subcommand)]
    Access(access::AccessCommand),
    /// Policy compliance: every assignment evaluated on every resource below it.
    Policy(policy::PolicyArgs),
    /// What a change does, read from Git: access gained and lost, escalations, policy
    /// violations, hierarchy and object changes, findings introduced and fixed.
    Diff(diff::DiffArgs),
    /// The tenant's activity log: the access, policy and hierarchy changes of every commit.
    Log(diff::LogArgs),
    /// Write a canopy tree from the tenant's Azure CLI exports, offline.
    Import(import::ImportArgs),
    /// The audit report: one self-contained HTML page (hierarchy, effective access, policy
    /// compliance, findings), or its data as JSON.
    Report(audit::ReportArgs),
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The tree's directory.
    #[arg(default_value = ".")]
    pub tree: PathBuf,
    /// How to write the findings: human (miette's drawing), json, sarif (GitHub code
    /// scanning), github (workflow commands, inline on pull requests), junit (Azure
    /// Pipelines' test results), markdown (a pull-request comment).
    #[arg(long, value_enum, default_value_t = FindingsFormat::Human)]
    pub format: FindingsFormat,
    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print only the summary (human, github and markdown formats).
    #[arg(long, short)]
    pub quiet: bool,
    /// Report only findings that this baseline file does not record.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record today's findings in FILE (written atomically), so later runs with `--baseline
    /// FILE` report only new ones. Exits 0 once written.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Judge expiry (exemptions) as of this RFC 3339 time instead of now.
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(clap::Args, Debug)]
pub struct TreeArgs {
    /// The tree's directory.
    #[arg(default_value = ".")]
    pub tree: PathBuf,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// A check code, such as `depth-limit`.
    pub code: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn style(self, stream_is_terminal: bool) -> Style {
        let color = match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stream_is_terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        let width = if stream_is_terminal {
            terminal_width().unwrap_or(100)
        } else {
            100
        };
        Style { color, width }
    }
}

fn terminal_width() -> Option<usize> {
    std::env::var("COLUMNS").ok()?.parse().ok()
}

/// Runs a parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let stdout = std::io::stdout();
    let style = cli.color.style(stdout.is_terminal());
    let mut out = stdout.lock();
    let mut err = std::io::stderr().lock();
    let code = match cli.command {
        Command::Check(args) => {
            // Stdout is line-buffered: a large JSON or SARIF report would make one write per
            // line (50,000 findings: 1.3 s of the 2.1 s run).
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut out);
            let code = check(&args, style, &mut w, &mut err);
            let _ = w.flush();
            code
        }
        Command::Tree(args) => tree::run(&args, style, &mut out, &mut err),
        Command::Rules(args) => rules::run(&args, &mut out, &mut err),
        Command::Policy(args) => policy::run(&args, style, &mut out, &mut err),
        Command::Diff(args) => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut out);
            let code = diff::run_diff(&args, &mut w, &mut err);
            let _ = w.flush();
            code
        }
        Command::Import(args) => import::run(&args, &mut out, &mut err),
        Command::Report(args) => {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut out);
            let code = audit::run(&args, style, &mut w, &mut err);
            let _ = w.flush();
            code
        }
        Command::Log(args) => {
            let human = args.format == diff::LogFormat::Human;
            return paged(human, out, |w| diff::run_log(&args, w, &mut err));
        }
        Command::Access(cmd) => {
            let human = cmd.is_human();
            return paged(human, out, |w| access::run(&cmd, style, w, &mut err));
        }
    };
    let _ = out.flush();
    code
}

/// Runs a command whose human output can be long (access answers, the log) through the pager
/// when writing to a terminal, as git does; straight to stdout otherwise.
fn paged(
    human: bool,
    mut out: std::io::StdoutLock<'static>,
    run: impl FnOnce(&mut dyn Write) -> u8,
) -> u8 {
    if human
        && std::io::stdout().is_terminal()
        && let Some(mut child) = pager()
    {
        drop(out);
        let code = match child.stdin.take() {
            Some(stdin) => {
                let mut w = std::io::BufWriter::new(stdin);
                let code = run(&mut w);
                let _ = w.flush();
                code
            }
            None => run(&mut std::io::stdout().lock()),
        };
        let _ = child.wait();
        return code;
    }
    // Stdout is line-buffered; long reports are written in blocks instead.
    let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut out);
    let code = run(&mut w);
    let _ = w.flush();
    code
}

/// The pager for long terminal output: `$CANOPY_PAGER`, else `$PAGER`, else `less -FRX`
/// (which exits at once when the text fits the screen). An empty value turns paging off.
fn pager() -> Option<std::process::Child> {
    let command = std::env::var("CANOPY_PAGER")
        .or_else(|_| std::env::var("PAGER"))
        .unwrap_or_else(|_| "less -FRX".to_string());
    let mut words = command.split_whitespace();
    let program = words.next()?;
    std::process::Command::new(program)
        .args(words)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .ok()
}

/// An analysis a command does not free: the process exits right after the command, and
/// freeing a large tenant's millions of small allocations one by one is serial work the
/// operating system does at once (perf, `canopy check` at Azure's limits: `drop_in_place`
/// of the analysis was 8.7% of all samples, about half a second on one core).
pub(crate) type Kept = std::mem::ManuallyDrop<crate::Analysis>;

/// Loads a tree for a command, printing why when canopy cannot run.
pub(crate) fn load_or_report(
    tree: &std::path::Path,
    options: &crate::Options,
    format: Format,
    style: Style,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Kept, u8> {
    match crate::load_with(tree, options) {
        Ok(a) => Ok(Kept::new(a)),
        Err(crate::Error::Config { files, findings }) => {
            let _ = match format {
                Format::Json => serde_json::to_writer_pretty(
                    &mut *out,
                    &report::json::findings_document(&files, &findings),
                )
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out)),
                Format::Human => report::human::write_findings(&files, &findings, style, err),
            };
            let _ = writeln!(err, "canopy: canopy.toml is invalid; nothing was checked");
            Err(EXIT_CANNOT_RUN)
        }
        Err(e) => {
            // Tools reading JSON get an answer on stdout too, not an empty stream.
            if format == Format::Json {
                let doc = serde_json::json!({"version": 1, "error": e.to_string()});
                let _ = writeln!(out, "{doc:#}");
            }
            let _ = writeln!(err, "canopy: {e}");
            Err(EXIT_CANNOT_RUN)
        }
    }
}

fn check(args: &CheckArgs, style: Style, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if args.quiet && !args.format.has_summary() {
        let _ = writeln!(
            err,
            "canopy: --quiet keeps only the summary, which the {:?} format does not have; \
             use it with --format human, github or markdown",
            args.format
        );
        return EXIT_CANNOT_RUN;
    }
    let options = crate::Options { now: args.at };
    let analysis = match crate::load_with(&args.tree, &options) {
        Ok(a) => Kept::new(a),
        Err(crate::Error::Config { files, findings }) => {
            let r = Report::stopped(&files, &findings);
            let w: &mut dyn Write = match args.format {
                FindingsFormat::Human => &mut *err,
                _ => &mut *out,
            };
            let _ = args.format.write(&r, style, w);
            let _ = writeln!(err, "canopy: canopy.toml is invalid; nothing was checked");
            return EXIT_CANNOT_RUN;
        }
        Err(e) => {
            // Tools reading JSON get an answer on stdout too, not an empty stream.
            if args.format == FindingsFormat::Json {
                let doc = serde_json::json!({"version": 1, "error": e.to_string()});
                let _ = writeln!(out, "{doc:#}");
            }
            let _ = writeln!(err, "canopy: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    if let Some(path) = &args.write_baseline {
        let b = crate::baseline::Baseline::of(&analysis.files, &analysis.findings);
        return match b.write(path) {
            Ok(()) => {
                let _ = writeln!(
                    err,
                    "canopy: recorded {} in `{}`; `canopy check --baseline {}` now reports only new ones",
                    report::plural(b.findings.len(), "finding"),
                    path.display(),
                    path.display()
                );
                EXIT_OK
            }
            Err(e) => {
                let _ = writeln!(err, "canopy: cannot write `{}`: {e}", path.display());
                EXIT_CANNOT_RUN
            }
        };
    }
    let (findings, baseline) = match &args.baseline {
        None => (None, None),
        Some(path) => match crate::baseline::Baseline::read(path) {
            Ok(b) => {
                let (kept, applied) = b.apply(&analysis.files, analysis.findings.clone());
                (Some(kept), Some(applied))
            }
            Err(e) => {
                let _ = writeln!(err, "canopy: {e}");
                return EXIT_CANNOT_RUN;
            }
        },
    };
    let mut r = Report::of(&analysis);
    if let Some(f) = &findings {
        r.findings = f;
    }
    r.baseline = baseline;
    r.deny_warnings = args.deny_warnings;
    r.quiet = args.quiet;
    if let Err(e) = args.format.write(&r, style, out) {
        let _ = writeln!(err, "canopy: cannot write output: {e}");
        return EXIT_CANNOT_RUN;
    }
    if r.failed() { EXIT_FINDINGS } else { EXIT_OK }
}
