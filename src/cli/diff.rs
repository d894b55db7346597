//! `canopy diff [BASE] [HEAD]`: what a change does to access, policy, hierarchy and findings;
//! `canopy log [RANGE]`: the same for every commit of the history, as an activity log.

use super::{EXIT_CANNOT_RUN, EXIT_FINDINGS, EXIT_OK};
use crate::diff::{DiffOptions, TenantDiff, compare};
use crate::git::{CommitInfo, GitError, ReadTree, Repo, TreeReader};
use crate::report::diff as render;
use crate::{Analysis, Options};
use clap::ValueEnum;
use serde::Serialize;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    Json,
    /// For a pull-request comment: summary first, long lists folded.
    Markdown,
}

/// What makes `canopy diff` exit 1.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    /// Errors the change introduces (findings already on BASE do not count), and moving or
    /// deleting the root management group.
    Errors,
    /// Any privilege escalation: a principal newly able to write role assignments or policy
    /// assignments, or newly Owner.
    Escalation,
    /// Any change in effective access.
    AnyAccessChange,
    /// Never (report only).
    Never,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// The base revision. Default: the merge base of HEAD with `origin/main` (or `main`).
    pub base: Option<String>,
    /// The head revision. Default: the working tree, staged and unstaged changes included.
    pub head: Option<String>,
    /// The tree's folder in the repository (relative to the current directory).
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// What makes the exit status 1; several may be given, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "errors")]
    pub fail_on: Vec<FailOn>,
    /// Judge expiry (assignments, exemptions) as of this RFC 3339 time instead of now.
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(clap::Args, Debug)]
pub struct LogArgs {
    /// The commits to walk, as git takes them (`main`, `v1..v2`, `HEAD~20..`). Default: the
    /// whole history of the current branch.
    pub range: Option<String>,
    /// The tree's folder in the repository (relative to the current directory).
    #[arg(long, default_value = ".")]
    pub tree: PathBuf,
    /// Only changes to this principal (the person, a group it came through, or the assignee).
    #[arg(long)]
    pub principal: Option<String>,
    /// Only changes at this scope or below it (an Azure scope string).
    #[arg(long)]
    pub scope: Option<String>,
    /// Only changes involving this role.
    #[arg(long)]
    pub role: Option<String>,
    /// Only commits after this date (anything `git log --since` takes: `2026-01-01`,
    /// `2 weeks ago`).
    #[arg(long)]
    pub since: Option<String>,
    /// Follow only first parents: each merge stands for the change it merged. Otherwise merge
    /// commits are skipped and each other commit is compared with its parent.
    #[arg(long)]
    pub first_parent: bool,
    #[arg(long, value_enum, default_value_t = LogFormat::Human)]
    pub format: LogFormat,
    /// Judge expiry (assignments, exemptions) as of this RFC 3339 time instead of now.
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Human,
    Json,
}

/// One side of a diff, as the report names it.
#[derive(Serialize, Debug, Clone)]
#[serde(rename_all = "camelCase")]
struct SideJson {
    /// The revision as given (`main`, `HEAD~1`), or `working tree`.
    revision: String,
    /// The commit id; `null` for the working tree.
    commit: Option<String>,
    /// Whether the tree exists there.
    tree_exists: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DiffJson<'a> {
    version: u32,
    tree: String,
    base: SideJson,
    head: SideJson,
    fail_on: &'a [FailOn],
    /// Whether the change fails `--fail-on`, and why.
    failed: bool,
    fail_reasons: Vec<String>,
    #[serde(flatten)]
    diff: &'a TenantDiff,
}

fn short(id: &str) -> &str {
    id.get(..10).unwrap_or(id)
}

fn describe(side: &SideJson) -> String {
    match &side.commit {
        Some(c) if side.revision != *c => format!("{} ({})", side.revision, short(c)),
        Some(c) => short(c).to_string(),
        None => side.revision.clone(),
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Why the change fails `--fail-on`; empty when it passes.
fn fail_reasons(d: &TenantDiff, fail_on: &[FailOn]) -> Vec<String> {
    let mut reasons = Vec::new();
    for f in fail_on {
        match f {
            FailOn::Errors if d.introduces_errors() => {
                let s = &d.summary;
                if s.change_errors > 0 {
                    reasons.push(count(s.change_errors, "change error", "change errors"));
                }
                if s.errors_introduced > 0 {
                    reasons.push(count(
                        s.errors_introduced,
                        "error introduced",
                        "errors introduced",
                    ));
                }
            }
            FailOn::Escalation if !d.escalations.is_empty() => {
                reasons.push(count(
                    d.escalations.len(),
                    "privilege escalation",
                    "privilege escalations",
                ));
            }
            FailOn::AnyAccessChange if d.access_changed() => reasons.push(format!(
                "effective access changes ({} gained, {} lost, {} widened, {} narrowed)",
                d.access.gained.len(),
                d.access.lost.len(),
                d.access.widened.len(),
                d.access.narrowed.len()
            )),
            _ => {}
        }
    }
    reasons
}

struct Failure(u8, String);

impl From<GitError> for Failure {
    fn from(e: GitError) -> Self {
        Failure(EXIT_CANNOT_RUN, e.to_string())
    }
}

pub fn run_diff(args: &DiffArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match diff(args, out) {
        Ok(code) => code,
        Err(Failure(code, message)) => {
            if args.format == DiffFormat::Json {
                let doc = serde_json::json!({"version": 1, "error": message});
                let _ = writeln!(out, "{doc:#}");
            }
            let _ = writeln!(err, "canopy: {message}");
            code
        }
    }
}

fn diff(args: &DiffArgs, out: &mut dyn Write) -> Result<u8, Failure> {
    let options = Options { now: args.at };
    let now = args.at.unwrap_or_else(jiff::Timestamp::now);
    let repo = Repo::discover(&args.tree)?;
    let head_commit = match &args.head {
        Some(h) => Some(repo.commit(h)?),
        None => None,
    };
    let (base_name, base_commit) = match &args.base {
        Some(b) => (b.clone(), repo.commit(b)?),
        None => {
            let branch = repo.default_branch()?;
            let head = head_commit.clone().unwrap_or_else(|| "HEAD".to_string());
            repo.commit(&head)?;
            let mb = repo.merge_base(branch, &head)?;
            (format!("merge base with {branch}"), mb)
        }
    };
    let prefix = repo.prefix().to_string();
    let label = repo.label().to_path_buf();
    let mut reader = TreeReader::new(repo)?;
    let base_read = reader.read(&base_commit)?;
    let head_read = match &head_commit {
        Some(c) => reader.read(c)?,
        // The working tree, after the base: its unchanged files are the base's blobs.
        None => reader.read_directory(&args.tree).map_err(|e| match e {
            e @ crate::Error::Config { .. } => Failure(
                EXIT_CANNOT_RUN,
                format!("{e} in the working tree; run `canopy check` to see why"),
            ),
            e => Failure(EXIT_CANNOT_RUN, e.to_string()),
        })?,
    };
    let (base_exists, head_exists) = (base_read.is_some(), head_read.is_some());
    // Resolving and checking a revision is mostly sequential: do both sides at once.
    // Both sides label their files with the tree as the user named it.
    let analyse = |r| ReadTree::analyse_or_empty(r, &label, &options);
    let (base, head) = crate::in_pool(|| rayon::join(|| analyse(base_read), || analyse(head_read)));
    if !base_exists && !head_exists {
        return Err(Failure(
            EXIT_CANNOT_RUN,
            format!(
                "there is no canopy tree at `{}` in either revision (check --tree: it names a folder of the repository, relative to the current directory)",
                if prefix.is_empty() { "." } else { &prefix }
            ),
        ));
    }
    let d = compare(
        &base,
        &head,
        DiffOptions {
            now,
            findings: true,
            exhaustive: false,
        },
    );
    let base_side = SideJson {
        revision: base_name,
        commit: Some(base_commit),
        tree_exists: base_exists,
    };
    let head_side = SideJson {
        revision: args.head.clone().unwrap_or_else(|| "working tree".into()),
        commit: head_commit,
        tree_exists: head_exists,
    };
    let reasons = fail_reasons(&d, &args.fail_on);
    let tree = if prefix.is_empty() {
        ".".to_string()
    } else {
        prefix
    };
    let written = match args.format {
        DiffFormat::Json => {
            let doc = DiffJson {
                version: 1,
                tree,
                base: base_side,
                head: head_side,
                fail_on: &args.fail_on,
                failed: !reasons.is_empty(),
                fail_reasons: reasons.clone(),
                diff: &d,
            };
            serde_json::to_writer_pretty(&mut *out, &doc)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
        }
        DiffFormat::Markdown => {
            let heading = format!(
                "**{}** → **{}** · tree `{tree}`",
                describe(&base_side),
                describe(&head_side)
            );
            let verdict = if reasons.is_empty() {
                format!("✅ Passes `--fail-on {}`.", fail_on_names(&args.fail_on))
            } else {
                format!(
                    "❌ Fails `--fail-on {}`: {}.",
                    fail_on_names(&args.fail_on),
                    reasons.join("; ")
                )
            };
            let mut s = String::new();
            render::write_markdown(&d, &heading, &verdict, &mut s);
            out.write_all(s.as_bytes())
        }
        DiffFormat::Human => {
            let mut s = format!(
                "canopy diff: {} → {}, tree {tree}\n",
                describe(&base_side),
                describe(&head_side)
            );
            render::write_human(&d, &mut s, "", true);
            s.push('\n');
            s.push_str(&format!("canopy diff: {}\n", render::summary_line(&d)));
            if !reasons.is_empty() {
                s.push_str(&format!(
                    "canopy diff: fails --fail-on {}: {}\n",
                    fail_on_names(&args.fail_on),
                    reasons.join("; ")
                ));
            }
            out.write_all(s.as_bytes())
        }
    };
    if let Err(e) = written {
        return Err(Failure(
            EXIT_CANNOT_RUN,
            format!("cannot write output: {e}"),
        ));
    }
    Ok(if reasons.is_empty() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

fn fail_on_names(f: &[FailOn]) -> String {
    f.iter()
        .filter_map(|x| x.to_possible_value().map(|v| v.get_name().to_string()))
        .collect::<Vec<_>>()
        .join(",")
}

/// One commit of the activity log.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogEntry {
    commit: String,
    parent: Option<String>,
    author: String,
    email: String,
    date: String,
    subject: String,
    /// The commit's parent is cut off in this shallow clone: its changes are unknown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    shallow_boundary: bool,
    /// `added` or `removed` when the commit adds or removes the whole tree. Without a filter,
    /// such a commit carries only its summary counts (listing a whole tenant as "gained" would
    /// bury every other commit); `--principal`, `--scope` or `--role` list its changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    tree_change: Option<&'static str>,
    #[serde(flatten)]
    diff: TenantDiff,
}

pub fn run_log(args: &LogArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match log(args, out, err) {
        Ok(code) => code,
        Err(Failure(code, message)) => {
            if args.format == LogFormat::Json {
                let doc = serde_json::json!({"version": 1, "error": message});
                let _ = writeln!(out, "{doc:#}");
            }
            let _ = writeln!(err, "canopy: {message}");
            code
        }
    }
}

fn log(args: &LogArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Failure> {
    let options = Options { now: args.at };
    let now = args.at.unwrap_or_else(jiff::Timestamp::now);
    let repo = Repo::discover(&args.tree)?;
    let commits = repo.commits(
        args.range.as_deref(),
        args.since.as_deref(),
        args.first_parent,
    )?;
    let shallow: rustc_hash::FxHashSet<String> = repo.shallow_commits().into_iter().collect();
    let mut reader = TreeReader::new(repo)?;
    let filter = Filter::new(args);
    let started = std::time::Instant::now();
    // Each commit is compared with its first parent; trees are cached by id, so a linear
    // history loads each revision once.
    let mut ids: Vec<String> = Vec::with_capacity(commits.len() * 2);
    for c in &commits {
        ids.push(c.id.clone());
        ids.push(c.parents.first().cloned().unwrap_or_default());
    }
    let tree_ids = reader.trees(&ids)?;
    let mut cache: Vec<(String, Arc<Analysis>)> = Vec::new();
    let mut load = |reader: &mut TreeReader, tree: &Option<String>| {
        let Some(t) = tree else {
            return Ok::<_, Failure>(Arc::new(Analysis::empty(reader.repo().label())));
        };
        if let Some((_, a)) = cache.iter().find(|(id, _)| id == t) {
            return Ok(a.clone());
        }
        let a = Arc::new(reader.load_tree(t, &options)?);
        cache.push((t.clone(), a.clone()));
        if cache.len() > 2 {
            // Tearing down a tenant of 65,000 documents takes a while: let another thread do
            // it while this one loads the next revision.
            let (_, old) = cache.remove(0);
            std::thread::spawn(move || drop(old));
        }
        Ok(a)
    };
    // The commits that change the tree, with the trees they compare.
    let work: Vec<(usize, bool)> = commits
        .iter()
        .enumerate()
        .filter(|(i, c)| tree_ids[2 * i] != tree_ids[2 * i + 1] || c.parents.is_empty())
        .map(|(i, c)| (i, c.parents.is_empty() && shallow.contains(&c.id)))
        .collect();
    let sides = |i: usize| (&tree_ids[2 * i + 1], &tree_ids[2 * i]);
    let mut entries: Vec<LogEntry> = Vec::new();
    let mut compare_time = std::time::Duration::ZERO;
    // Both trees a work item compares; nothing for a shallow boundary or past the end.
    let mut load_pair = |reader: &mut TreeReader, item: Option<&(usize, bool)>| match item {
        Some(&(j, false)) => {
            let (base, head) = sides(j);
            Ok::<_, Failure>(Some((load(reader, base)?, load(reader, head)?)))
        }
        _ => Ok(None),
    };
    let mut next = load_pair(&mut reader, work.first())?;
    for (k, &(i, boundary)) in work.iter().enumerate() {
        let current = next.take();
        // Compare this commit on another thread while this one loads the next commit's trees:
        // resolving a revision is sequential, so the two overlap on two cores.
        let (d, loaded) = std::thread::scope(|s| {
            let compared = s.spawn(|| {
                let t = std::time::Instant::now();
                let mut d = match &current {
                    Some((base, head)) => crate::diff::compare_for(
                        base,
                        head,
                        DiffOptions {
                            now,
                            findings: false,
                            exhaustive: false,
                        },
                        args.principal.as_deref(),
                    ),
                    None => TenantDiff::default(),
                };
                if let (Some(f), Some((base, head))) = (&filter, &current) {
                    f.apply(&mut d, base, head);
                }
                (d, t.elapsed())
            });
            let loaded = load_pair(&mut reader, work.get(k + 1));
            (
                compared.join().expect("the comparison does not panic"),
                loaded,
            )
        });
        next = loaded?;
        let (d, took) = d;
        compare_time += took;
        if d.is_empty() && !(boundary && filter.is_none()) {
            continue;
        }
        let tree_change = match sides(i) {
            _ if boundary => None,
            (None, Some(_)) => Some("added"),
            (Some(_), None) => Some("removed"),
            _ => None,
        };
        let d = match (tree_change, &filter) {
            (Some(_), None) => d.summary_only(),
            _ => d,
        };
        entries.push(entry(&commits[i], d, boundary, tree_change));
    }
    if std::env::var_os("CANOPY_LOG_STATS").is_some() {
        let _ = writeln!(
            err,
            "canopy log: {} commits in {:.2?} (comparing {:.2?}); {} blobs parsed, {} reused",
            commits.len(),
            started.elapsed(),
            compare_time,
            reader.blobs_parsed,
            reader.blobs_reused
        );
    }
    entries.reverse(); // newest first, as git log and Azure's activity log list them
    let written = match args.format {
        LogFormat::Json => {
            #[derive(Serialize)]
            struct LogJson<'a> {
                version: u32,
                tree: String,
                commits: &'a [LogEntry],
            }
            let prefix = reader.repo().prefix();
            serde_json::to_writer_pretty(
                &mut *out,
                &LogJson {
                    version: 1,
                    tree: if prefix.is_empty() {
                        ".".into()
                    } else {
                        prefix.into()
                    },
                    commits: &entries,
                },
            )
            .map_err(std::io::Error::other)
            .and_then(|_| writeln!(out))
        }
        LogFormat::Human => (|| {
            for e in &entries {
                let mut s = format!(
                    "commit {}  {}  {} <{}>\n    {}\n",
                    short(&e.commit),
                    e.date,
                    e.author,
                    e.email,
                    e.subject
                );
                if e.shallow_boundary {
                    s.push_str(
                        "    (history before this commit is not in this shallow clone: its changes are unknown)\n",
                    );
                }
                match (e.tree_change, &filter) {
                    (Some(change), None) => s.push_str(&format!(
                        "\n    the tree is {change} here: {} (filter with --principal, --scope or --role to list them)\n",
                        render::summary_line(&e.diff)
                    )),
                    _ => render::write_human(&e.diff, &mut s, "    ", false),
                }
                s.push('\n');
                out.write_all(s.as_bytes())?;
            }
            if entries.is_empty() {
                let mut s =
                    "canopy log: no commit in the range changes what canopy models".to_string();
                if filter.is_some() {
                    s.push_str(" (with these filters)");
                }
                writeln!(out, "{s}")?;
            }
            Ok(())
        })(),
    };
    written.map_err(|e| Failure(EXIT_CANNOT_RUN, format!("cannot write output: {e}")))?;
    // The parsed blobs of the whole history are freed when the process exits, at once; freeing
    // them one by one first would only delay the exit.
    std::mem::forget(reader);
    Ok(EXIT_OK)
}

fn entry(
    c: &CommitInfo,
    diff: TenantDiff,
    shallow_boundary: bool,
    tree_change: Option<&'static str>,
) -> LogEntry {
    LogEntry {
        commit: c.id.clone(),
        parent: c.parents.first().cloned(),
        author: c.author.clone(),
        email: c.email.clone(),
        date: c.date.clone(),
        subject: c.subject.clone(),
        shallow_boundary,
        tree_change,
        diff,
    }
}

/// `canopy log`'s filters, applied to each commit's diff.
struct Filter {
    principal: Option<String>,
    scope: Option<String>,
    role: Option<String>,
}

impl Filter {
    fn new(args: &LogArgs) -> Option<Filter> {
        (args.principal.is_some() || args.scope.is_some() || args.role.is_some()).then(|| Filter {
            principal: args.principal.as_deref().map(str::to_lowercase),
            scope: args.scope.as_deref().map(str::to_lowercase),
            role: args.role.as_deref().map(str::to_lowercase),
        })
    }

    /// Scope paths (lowercase) at or below the filter's scope, on either side.
    fn scopes(&self, sides: [&Analysis; 2]) -> Option<rustc_hash::FxHashSet<String>> {
        let want = self.scope.as_ref()?;
        let mut set = rustc_hash::FxHashSet::default();
        set.insert(want.trim_end_matches('/').to_string());
        for a in sides {
            let t = &a.tenant;
            if let Ok(s) = t.resolve_scope(want) {
                for i in 0..t.scopes.len() as u32 {
                    let id = crate::model::ScopeId(i);
                    if t.scopes.contains(s, id) {
                        set.insert(t.scope_path(id).to_lowercase());
                    }
                }
            }
        }
        Some(set)
    }

    fn apply(&self, d: &mut TenantDiff, base: &Analysis, head: &Analysis) {
        let scopes = self.scopes([base, head]);
        let in_scope = |s: &str| {
            scopes
                .as_ref()
                .is_none_or(|set| set.contains(&s.to_lowercase()))
        };
        let is = |want: &Option<String>, v: &str| {
            want.as_ref().is_none_or(|w| v.eq_ignore_ascii_case(w))
        };
        let person = |p: &str, via: &[String]| {
            self.principal.as_ref().is_none_or(|w| {
                p.eq_ignore_ascii_case(w) || via.iter().any(|v| v.eq_ignore_ascii_case(w))
            })
        };
        let role = |r: &str| is(&self.role, r);
        let access = |e: &crate::diff::AccessEntry| {
            person(&e.principal, &e.via) && role(&e.role) && in_scope(&e.scope)
        };
        d.access.gained.retain(access);
        d.access.lost.retain(access);
        let reach = |r: &crate::diff::RoleReach| {
            person(&r.principal, &r.via) && role(&r.role) && in_scope(&r.scope)
        };
        d.access.widened.retain(reach);
        d.access.narrowed.retain(reach);
        d.escalations
            .retain(|e| person(&e.principal, &e.via) && role(&e.role) && in_scope(&e.scope));
        d.role_assignments
            .retain(|a| person(&a.principal, &[]) && role(&a.role) && in_scope(&a.scope));
        let only_scope = self.principal.is_none() && self.role.is_none();
        d.principals.retain(|p| {
            self.role.is_none()
                && self.scope.is_none()
                && person(
                    &p.principal,
                    &[p.members_added.clone(), p.members_removed.clone()].concat(),
                )
        });
        d.role_definitions
            .retain(|r| self.principal.is_none() && self.scope.is_none() && role(&r.role));
        // Objects without a principal or role are kept only when the filter is by scope.
        let scoped = |s: &str| only_scope && in_scope(s);
        d.hierarchy.retain(|h| scoped(&h.scope));
        d.deny_assignments.retain(|o| scoped(&o.scope));
        d.policy.new_violations.retain(|v| scoped(&v.scope));
        d.policy.fixed_violations.retain(|v| scoped(&v.scope));
        d.policy.assignments.retain(|o| scoped(&o.scope));
        d.policy.exemptions.retain(|o| scoped(&o.scope));
        d.policy
            .definitions
            .retain(|_| self.principal.is_none() && self.role.is_none() && self.scope.is_none());
        d.errors
            .retain(|_| self.principal.is_none() && self.role.is_none());
        d.summary = crate::diff::summarise(d);
    }
}
