//! `canopy access check|who|what`: effective access questions answered from indices, with
//! the reason for every answer.

use super::{EXIT_CANNOT_RUN, EXIT_OK, Format};
use crate::access::report::ScopePaths;
use crate::access::{Access, Decision, Grant, Plane, Source};
use crate::model::{AssignmentId, PrincipalId, ScopeId, Tenant};
use crate::report::{how, human::Style, position};
use crate::source::Span;
use crate::{Analysis, Options};
use serde::Serialize;
use std::borrow::Cow;
use std::io::Write;
use std::path::PathBuf;

mod rows;

#[derive(clap::Subcommand, Debug)]
pub enum AccessCommand {
    /// Can a principal perform an action at a scope? Allowed or not, and why.
    Check(CheckArgs),
    /// Every principal with effective access at a scope (to an action, if given).
    Who(WhoArgs),
    /// Everything a principal can do: each effective role, where it applies from, and how.
    What(WhatArgs),
    /// The whole tenant's effective access, with a privileged-access section.
    Report(ReportArgs),
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The tree's directory.
    #[arg(default_value = ".")]
    pub tree: PathBuf,
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Judge expiry (endDateTime) as of this RFC 3339 time instead of now.
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Human,
    Json,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct TreeOptions {
    /// The tree's directory.
    #[arg(default_value = ".")]
    pub tree: PathBuf,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Judge expiry (endDateTime) as of this RFC 3339 time instead of now.
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// A user, group or service principal, by name or object ID.
    #[arg(long)]
    pub principal: String,
    /// An operation, such as `Microsoft.Compute/virtualMachines/write`.
    #[arg(long)]
    pub action: String,
    /// An Azure scope string, such as `/subscriptions/corp-prod/resourceGroups/Test`.
    #[arg(long)]
    pub scope: String,
    /// Treat the action as a data action (for an operation canopy's catalogue does not know).
    #[arg(long)]
    pub data_action: bool,
    #[command(flatten)]
    pub tree: TreeOptions,
}

#[derive(clap::Args, Debug)]
pub struct WhoArgs {
    /// An Azure scope string.
    #[arg(long)]
    pub scope: String,
    /// Only principals that can perform this operation there.
    #[arg(long)]
    pub action: Option<String>,
    /// Treat the action as a data action.
    #[arg(long)]
    pub data_action: bool,
    #[command(flatten)]
    pub tree: TreeOptions,
}

#[derive(clap::Args, Debug)]
pub struct WhatArgs {
    /// A user, group or service principal, by name or object ID.
    #[arg(long)]
    pub principal: String,
    /// Only roles that apply at this scope or below it.
    #[arg(long)]
    pub scope: Option<String>,
    /// List each role's effective action patterns too.
    #[arg(long)]
    pub actions: bool,
    #[command(flatten)]
    pub tree: TreeOptions,
}

impl AccessCommand {
    /// Whether the command writes text for a person (and so may go through a pager).
    pub fn is_human(&self) -> bool {
        match self {
            AccessCommand::Check(a) => a.tree.format == Format::Human,
            AccessCommand::Who(a) => a.tree.format == Format::Human,
            AccessCommand::What(a) => a.tree.format == Format::Human,
            AccessCommand::Report(a) => a.format == ReportFormat::Human,
        }
    }
}

pub fn run(cmd: &AccessCommand, style: Style, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let (path, format, at) = match cmd {
        AccessCommand::Check(a) => (&a.tree.tree, a.tree.format, a.tree.at),
        AccessCommand::Who(a) => (&a.tree.tree, a.tree.format, a.tree.at),
        AccessCommand::What(a) => (&a.tree.tree, a.tree.format, a.tree.at),
        AccessCommand::Report(a) => {
            let format = match a.format {
                ReportFormat::Human => Format::Human,
                _ => Format::Json,
            };
            (&a.tree, format, a.at)
        }
    };
    let options = Options { now: at };
    let mut analysis = match super::load_or_report(path, &options, format, style, out, err) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let errors = analysis.count(crate::diag::Severity::Error);
    if errors > 0 {
        let _ = writeln!(
            err,
            "canopy: the tree has {errors} error(s) (`canopy check` shows them); answers use what resolved"
        );
    }
    let now = at.unwrap_or_else(jiff::Timestamp::now);
    let access = |t| Access::new(t, now);
    let result = match cmd {
        AccessCommand::Check(a) => check(&analysis, &access(&analysis.tenant), a, out),
        AccessCommand::Who(a) => who(&analysis, &access(&analysis.tenant), a, out),
        AccessCommand::What(a) => what(&analysis, &access(&analysis.tenant), a, out),
        AccessCommand::Report(a) => {
            let scope_paths = release_unread(&mut analysis);
            report(
                &analysis,
                &access(&analysis.tenant),
                scope_paths,
                a.format,
                out,
            )
        }
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(Usage(message)) => {
            let _ = writeln!(err, "canopy: {message}");
            EXIT_CANNOT_RUN
        }
    }
}

/// A question canopy cannot answer: an unknown principal, scope or action (exit 2).
struct Usage(String);

impl From<std::io::Error> for Usage {
    fn from(e: std::io::Error) -> Self {
        Usage(format!("cannot write output: {e}"))
    }
}

fn principal(t: &Tenant, name: &str) -> Result<PrincipalId, Usage> {
    t.find_principal(name).ok_or_else(|| {
        let near =
            crate::load::schema::suggest(name, t.principals.iter().map(|p| p.name.value.as_str()));
        Usage(match near {
            Some(n) => format!("no principal `{name}` in the tree; did you mean `{n}`?"),
            None => format!("no principal `{name}` in the tree"),
        })
    })
}

fn scope(t: &Tenant, s: &str) -> Result<ScopeId, Usage> {
    t.resolve_scope(s).map_err(|e| {
        Usage(match e.help {
            Some(h) => format!("{}; {h}", e.message),
            None => e.message,
        })
    })
}

/// The plane of an action: from the catalogue, or data when `--data-action` says so.
fn plane(action: &str, data_flag: bool) -> Result<Plane, Usage> {
    if action.is_empty() || action.contains(char::is_whitespace) || !action.contains('/') {
        return Err(Usage(format!(
            "`{action}` is not an operation name; operations look like `Microsoft.Compute/virtualMachines/write`"
        )));
    }
    if data_flag {
        return Ok(Plane::Data);
    }
    Plane::of(action).ok_or_else(|| {
        let near = crate::builtin::nearest_operation(action, false)
            .or_else(|| crate::builtin::nearest_operation(action, true));
        Usage(match near {
            Some(n) => format!(
                "`{action}` is not an operation Azure publishes; did you mean `{n}`? (pass --data-action for a data action canopy does not know)"
            ),
            None => format!(
                "`{action}` is not an operation Azure publishes (pass --data-action for a data action canopy does not know)"
            ),
        })
    })
}

/// One grant, as JSON and as text.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GrantJson<'a> {
    role: &'a str,
    role_id: Option<&'a str>,
    /// Where the assignment was made.
    scope: Cow<'a, str>,
    /// `assignment` or `coAdministrator`.
    via: &'static str,
    assigned_to: &'a str,
    /// From the principal asked about to the assignee.
    path: Vec<&'a str>,
    conditions: &'a [String],
    file: Option<Cow<'a, str>>,
    line: Option<u32>,
}

/// A grant's JSON, borrowing every name from the tenant.
fn grant_json<'a>(a: &'a Analysis, g: &'a Grant) -> GrantJson<'a> {
    grant_json_in(a, g, None)
}

/// Where each role assignment is written, looked up once. `canopy access report` names the
/// file and line of millions of grants; finding them row by row (reading the assignment, then
/// a binary search in its file's line table, both cache misses) was most of its time.
struct Places<'a> {
    /// Each file's path as shown, by file id.
    files: Vec<Cow<'a, str>>,
    /// Each role assignment's file id and line.
    assignments: Vec<(u32, u32)>,
    /// The path of every scope a grant can be made at, by scope id:
    /// [`AccessReport::scope_paths`].
    scopes: &'a ScopePaths,
}

impl<'a> Places<'a> {
    fn new(a: &'a Analysis, scopes: &'a ScopePaths) -> Self {
        use rayon::prelude::*;
        let mut files = Vec::new();
        for (id, f) in a.files.iter() {
            let i = id.0 as usize;
            if files.len() <= i {
                files.resize(i + 1, Cow::Borrowed(""));
            }
            files[i] = crate::report::display_path_ref(&f.path);
        }
        let assignments = a
            .tenant
            .role_assignments
            .par_iter()
            .map(|ra| {
                let s = ra.scope_ref.span;
                (s.file.0, a.files.get(s.file).line_of(s.start))
            })
            .collect();
        Places {
            files,
            assignments,
            scopes,
        }
    }

    fn of(&self, a: AssignmentId) -> Option<(&Cow<'a, str>, u32)> {
        let (file, line) = *self.assignments.get(a.index())?;
        Some((self.files.get(file as usize)?, line))
    }
}

/// [`grant_json`], with the assignments' places looked up in `places` when given.
fn grant_json_in<'a>(
    a: &'a Analysis,
    g: &'a Grant,
    places: Option<&'a Places<'a>>,
) -> GrantJson<'a> {
    let t = &a.tenant;
    let at = |s: Span| {
        let f = a.files.get(s.file);
        (crate::report::display_path_ref(&f.path), f.line_of(s.start))
    };
    let (via, place) = match g.source {
        Source::Assignment(id) => (
            "assignment",
            match places.and_then(|p| p.of(id)) {
                Some((file, line)) => Some((file.clone(), line)),
                None => Some(at(t.role_assignments[id.index()].scope_ref.span)),
            },
        ),
        Source::CoAdministrator(s) => (
            "coAdministrator",
            t.sub(s)
                .co_administrators
                .iter()
                .find(|(_, p)| Some(p) == g.path.last())
                .map(|(text, _)| at(text.span)),
        ),
    };
    let name = |p: &PrincipalId| t.principal(*p).name.value.as_str();
    let (file, line) = place.unzip();
    GrantJson {
        role: t.role_name(g.role),
        role_id: match g.role {
            crate::model::RoleRef::BuiltIn(r) => Some(r.id),
            crate::model::RoleRef::Custom(id) => t.custom_role(id).id.as_ref().map(|i| i.as_str()),
        },
        scope: match places {
            Some(p) => {
                let path = p.scopes.get(g.scope);
                debug_assert!(
                    !path.is_empty(),
                    "grants are made at assignments' scopes and subscriptions"
                );
                Cow::Borrowed(path)
            }
            None => Cow::Owned(t.scope_path(g.scope)),
        },
        via,
        assigned_to: g.path.last().map(name).unwrap_or_default(),
        path: g.path.iter().map(name).collect(),
        conditions: &g.conditions,
        file,
        line,
    }
}

/// A titled list of grants, one per line; nothing when the list is empty.
fn write_grants(
    a: &Analysis,
    title: &str,
    grants: &[Grant],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if !grants.is_empty() {
        writeln!(out, "\n{title}")?;
        for g in grants {
            writeln!(out, "  {}", describe_grant(a, g, None))?;
        }
    }
    Ok(())
}

/// A grant in a line, its scope's path read from `places` where given.
fn describe_grant(a: &Analysis, g: &Grant, places: Option<&Places>) -> String {
    let j = grant_json_in(a, g, places);
    let how = how(&j.path);
    let what = match g.source {
        Source::CoAdministrator(_) => format!("{} (classic co-administrator)", j.role),
        Source::Assignment(_) => j.role.to_string(),
    };
    let place = match (&j.file, j.line) {
        (Some(f), Some(l)) => format!("  [{f}:{l}]"),
        _ => String::new(),
    };
    let mut s = format!("{what} at {} ({how}){place}", j.scope);
    for c in j.conditions {
        s.push_str(&format!("\n      condition: {c}"));
    }
    s
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DecisionJson<'a> {
    version: u32,
    principal: String,
    action: String,
    data_action: bool,
    scope: String,
    allowed: bool,
    conditional: bool,
    disabled: bool,
    grants: Vec<GrantJson<'a>>,
    denies: Vec<DenyJson>,
    eligible: Vec<GrantJson<'a>>,
    other_roles: Vec<GrantJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DenyJson {
    name: Option<String>,
    scope: String,
    path: Vec<String>,
    file: String,
    line: u32,
}

fn check(
    a: &Analysis,
    access: &Access,
    args: &CheckArgs,
    out: &mut dyn Write,
) -> Result<(), Usage> {
    let t = &a.tenant;
    let p = principal(t, &args.principal)?;
    let s = scope(t, &args.scope)?;
    let plane = plane(&args.action, args.data_action)?;
    let d = access.check(p, &args.action, plane, s);
    let name = &t.principal(p).name.value;
    let scope_path = t.scope_path(s);
    match args.tree.format {
        Format::Json => {
            let j = decision_json(a, &d, name, &args.action, plane, &scope_path);
            serde_json::to_writer_pretty(&mut *out, &j).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        Format::Human => write_decision(a, &d, name, &args.action, plane, &scope_path, out)?,
    }
    Ok(())
}

fn decision_json<'a>(
    a: &'a Analysis,
    d: &'a Decision,
    name: &str,
    action: &str,
    plane: Plane,
    scope: &str,
) -> DecisionJson<'a> {
    let t = &a.tenant;
    DecisionJson {
        version: 1,
        principal: name.to_string(),
        action: action.to_string(),
        data_action: plane == Plane::Data,
        scope: scope.to_string(),
        allowed: d.allowed,
        conditional: d.conditional,
        disabled: d.disabled,
        grants: d.grants.iter().map(|g| grant_json(a, g)).collect(),
        denies: d
            .denies
            .iter()
            .map(|x| {
                let deny = &t.deny_assignments[x.deny.index()];
                let pos = position(&a.files, deny.scope_ref.span);
                DenyJson {
                    name: deny.name.as_ref().map(|n| n.value.to_string()),
                    scope: t.scope_path(deny.scope),
                    path: x
                        .path
                        .iter()
                        .map(|p| t.principal(*p).name.value.to_string())
                        .collect(),
                    file: pos.file,
                    line: pos.line,
                }
            })
            .collect(),
        eligible: d.eligible.iter().map(|g| grant_json(a, g)).collect(),
        other_roles: d.other_roles.iter().map(|g| grant_json(a, g)).collect(),
    }
}

fn write_decision(
    a: &Analysis,
    d: &Decision,
    name: &str,
    action: &str,
    plane: Plane,
    scope: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let plane_word = match plane {
        Plane::Control => "control-plane action",
        Plane::Data => "data action",
    };
    let verdict = match (d.allowed, d.conditional) {
        (true, false) => "allowed",
        (true, true) => "allowed, under conditions",
        (false, _) => "not allowed",
    };
    writeln!(
        out,
        "{verdict}: `{name}` → `{action}` ({plane_word}) at `{scope}`"
    )?;
    if d.disabled {
        writeln!(
            out,
            "\n`{name}` is a disabled account: Azure grants it nothing."
        )?;
        return Ok(());
    }
    write_grants(a, "granted by:", &d.grants, out)?;
    if !d.denies.is_empty() {
        writeln!(
            out,
            "\ndenied by (a deny assignment wins over every grant):"
        )?;
        for x in &d.denies {
            let deny = &a.tenant.deny_assignments[x.deny.index()];
            let label = deny
                .name
                .as_ref()
                .map_or("a deny assignment".to_string(), |n| {
                    format!("deny assignment `{}`", n.value)
                });
            let pos = position(&a.files, deny.scope_ref.span);
            writeln!(
                out,
                "  {label} at {}  [{}:{}]",
                a.tenant.scope_path(deny.scope),
                pos.file,
                pos.line
            )?;
        }
    }
    if d.grants.is_empty() {
        if d.other_roles.is_empty() {
            writeln!(
                out,
                "\nno role assignment applies to `{name}` at this scope."
            )?;
        } else {
            let title = "no role that applies here grants it. Roles that apply here:";
            write_grants(a, title, &d.other_roles, out)?;
        }
    }
    let title = "eligible (Privileged Identity Management; grants nothing until activated):";
    write_grants(a, title, &d.eligible, out)?;
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoJson<'a> {
    version: u32,
    scope: String,
    action: Option<String>,
    principals: Vec<WhoPrincipal<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoPrincipal<'a> {
    name: String,
    kind: &'static str,
    guest: bool,
    access: Vec<WhoAccess<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoAccess<'a> {
    #[serde(flatten)]
    grant: GrantJson<'a>,
    eligible: bool,
}

fn who(a: &Analysis, access: &Access, args: &WhoArgs, out: &mut dyn Write) -> Result<(), Usage> {
    let t = &a.tenant;
    let s = scope(t, &args.scope)?;
    let plane = match &args.action {
        Some(action) => Some(plane(action, args.data_action)?),
        None => None,
    };
    // Every assignee of an assignment that applies here, expanded to the people it stands for;
    // then each person's own decision, so group paths, denies and disabled accounts count.
    let mut people: Vec<PrincipalId> = Vec::new();
    let mut seen = vec![false; t.principals.len()];
    let assignees = t
        .role_assignments
        .iter()
        .filter(|ra| t.scopes.contains(ra.scope, s))
        .map(|ra| ra.principal)
        .chain(
            t.subscriptions
                .iter()
                .filter(|sub| t.scopes.contains(sub.scope, s))
                .flat_map(|sub| sub.co_administrators.iter().map(|(_, p)| *p)),
        );
    for assignee in assignees {
        for (person, _) in access.people(assignee) {
            if !seen[person.index()] {
                seen[person.index()] = true;
                people.push(person);
            }
        }
    }
    people.sort_by(|x, y| {
        t.principal(*x)
            .name
            .value
            .to_lowercase()
            .cmp(&t.principal(*y).name.value.to_lowercase())
    });
    // Each person's grants first: their JSON borrows from them.
    let mut held = Vec::new();
    for p in people {
        let principal = t.principal(p);
        if !principal.enabled.value {
            continue;
        }
        let (grants, eligible): (Vec<Grant>, Vec<Grant>) = match (&args.action, plane) {
            (Some(action), Some(plane)) => {
                let d = access.check(p, action, plane, s);
                (if d.allowed { d.grants } else { Vec::new() }, d.eligible)
            }
            _ => {
                let (active, eligible) = access.grants_of(p);
                let here = |g: &Grant| t.scopes.contains(g.scope, s);
                (
                    active.into_iter().filter(here).collect(),
                    eligible.into_iter().filter(here).collect(),
                )
            }
        };
        if !(grants.is_empty() && eligible.is_empty()) {
            held.push((p, grants, eligible));
        }
    }
    let rows = held
        .iter()
        .map(|(p, grants, eligible)| {
            let principal = t.principal(*p);
            let access = grants
                .iter()
                .map(|g| WhoAccess {
                    grant: grant_json(a, g),
                    eligible: false,
                })
                .chain(eligible.iter().map(|g| WhoAccess {
                    grant: grant_json(a, g),
                    eligible: true,
                }))
                .collect();
            WhoPrincipal {
                name: principal.name.value.to_string(),
                kind: principal.kind.noun(),
                guest: principal.guest,
                access,
            }
        })
        .collect();
    let doc = WhoJson {
        version: 1,
        scope: t.scope_path(s),
        action: args.action.clone(),
        principals: rows,
    };
    match args.tree.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        Format::Human => {
            match &doc.action {
                Some(action) => writeln!(out, "who can perform `{action}` at `{}`:", doc.scope)?,
                None => writeln!(out, "who has access at `{}`:", doc.scope)?,
            }
            for p in &doc.principals {
                let guest = if p.guest { ", guest" } else { "" };
                writeln!(out, "\n{} ({}{guest})", p.name, p.kind)?;
                for x in &p.access {
                    let g = &x.grant;
                    let how = how(&g.path);
                    let eligible = if x.eligible { "[eligible] " } else { "" };
                    writeln!(out, "  {eligible}{} from {} ({how})", g.role, g.scope)?;
                }
            }
            writeln!(out, "\n{} principal(s)", doc.principals.len())?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhatJson<'a> {
    version: u32,
    principal: String,
    disabled: bool,
    roles: Vec<WhatRole<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WhatRole<'a> {
    #[serde(flatten)]
    grant: GrantJson<'a>,
    eligible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    permissions: Option<Vec<PermissionJson>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PermissionJson {
    actions: Vec<String>,
    not_actions: Vec<String>,
    data_actions: Vec<String>,
    not_data_actions: Vec<String>,
    condition: Option<String>,
}

fn permissions(t: &Tenant, role: crate::model::RoleRef) -> Vec<PermissionJson> {
    let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    let texts = |v: &[crate::source::Text]| v.iter().map(|s| s.value.to_string()).collect();
    match role {
        crate::model::RoleRef::BuiltIn(r) => r
            .permissions
            .iter()
            .map(|b| PermissionJson {
                actions: strings(b.actions),
                not_actions: strings(b.not_actions),
                data_actions: strings(b.data_actions),
                not_data_actions: strings(b.not_data_actions),
                condition: b.condition.map(str::to_string),
            })
            .collect(),
        crate::model::RoleRef::Custom(id) => {
            let r = t.custom_role(id);
            vec![PermissionJson {
                actions: texts(&r.actions),
                not_actions: texts(&r.not_actions),
                data_actions: texts(&r.data_actions),
                not_data_actions: texts(&r.not_data_actions),
                condition: None,
            }]
        }
    }
}

fn what(a: &Analysis, access: &Access, args: &WhatArgs, out: &mut dyn Write) -> Result<(), Usage> {
    let t = &a.tenant;
    let p = principal(t, &args.principal)?;
    let filter = match &args.scope {
        Some(s) => Some(scope(t, s)?),
        None => None,
    };
    let principal = t.principal(p);
    let (active, eligible) = if principal.enabled.value {
        access.grants_of(p)
    } else {
        (Vec::new(), Vec::new())
    };
    // With --scope: roles that apply there (made at or above it) and roles made below it.
    let relevant = |g: &Grant| {
        filter.is_none_or(|s| t.scopes.contains(g.scope, s) || t.scopes.contains(s, g.scope))
    };
    let roles: Vec<WhatRole> = active
        .iter()
        .filter(|g| relevant(g))
        .map(|g| (g, false))
        .chain(eligible.iter().filter(|g| relevant(g)).map(|g| (g, true)))
        .map(|(g, eligible)| WhatRole {
            grant: grant_json(a, g),
            eligible,
            permissions: args.actions.then(|| permissions(t, g.role)),
        })
        .collect();
    let doc = WhatJson {
        version: 1,
        principal: principal.name.value.to_string(),
        disabled: !principal.enabled.value,
        roles,
    };
    match args.tree.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        Format::Human => {
            writeln!(out, "what `{}` can do:\n", doc.principal)?;
            if doc.disabled {
                writeln!(out, "nothing: `{}` is a disabled account.", doc.principal)?;
            }
            for r in &doc.roles {
                let g = &r.grant;
                let how = how(&g.path);
                let eligible = if r.eligible { "[eligible] " } else { "" };
                writeln!(out, "  {eligible}{} at {} ({how})", g.role, g.scope)?;
                for c in g.conditions {
                    writeln!(out, "    condition: {c}")?;
                }
                for block in r.permissions.iter().flatten() {
                    let list =
                        |label: &str, v: &[String], out: &mut dyn Write| -> std::io::Result<()> {
                            if !v.is_empty() {
                                writeln!(out, "    {label}: {}", v.join(", "))?;
                            }
                            Ok(())
                        };
                    list("actions", &block.actions, out)?;
                    list("notActions", &block.not_actions, out)?;
                    list("dataActions", &block.data_actions, out)?;
                    list("notDataActions", &block.not_data_actions, out)?;
                }
            }
            if doc.roles.is_empty() && !doc.disabled {
                writeln!(out, "no role assignment reaches `{}`.", doc.principal)?;
            }
        }
    }
    Ok(())
}

/// One row of `canopy access report`: the person, then the grant's fields inline.
struct RowJson<'a> {
    principal: &'a str,
    kind: &'static str,
    guest: bool,
    eligible: bool,
    grant: GrantJson<'a>,
}

impl Serialize for RowJson<'_> {
    /// What `#[serde(flatten)]` on `grant` would write, field for field, without serde's
    /// flattening through a map, which cost about a third of writing each of millions of rows.
    /// `rows_are_the_person_then_the_flattened_grant` holds the two to the same JSON.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let g = &self.grant;
        let mut m = s.serialize_struct("RowJson", 13)?;
        m.serialize_field("principal", self.principal)?;
        m.serialize_field("kind", self.kind)?;
        m.serialize_field("guest", &self.guest)?;
        m.serialize_field("eligible", &self.eligible)?;
        m.serialize_field("role", g.role)?;
        m.serialize_field("roleId", &g.role_id)?;
        m.serialize_field("scope", &g.scope)?;
        m.serialize_field("via", g.via)?;
        m.serialize_field("assignedTo", g.assigned_to)?;
        m.serialize_field("path", &g.path)?;
        m.serialize_field("conditions", g.conditions)?;
        m.serialize_field("file", &g.file)?;
        m.serialize_field("line", &g.line)?;
        m.end()
    }
}

fn row_json<'a>(
    a: &'a Analysis,
    r: &'a crate::access::report::Row,
    places: &'a Places<'a>,
) -> RowJson<'a> {
    let p = a.tenant.principal(r.principal);
    RowJson {
        principal: &p.name.value,
        kind: p.kind.noun(),
        guest: p.guest,
        eligible: r.eligible,
        grant: grant_json_in(a, &r.grant, Some(places)),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FlaggedJson {
    principal: String,
    role: String,
    scope: String,
    reason: String,
    file: String,
    line: u32,
}

fn assignment_json(
    a: &Analysis,
    places: &Places,
    id: crate::model::AssignmentId,
    reason: &str,
) -> FlaggedJson {
    let t = &a.tenant;
    let ra = &t.role_assignments[id.index()];
    let pos = position(&a.files, ra.scope_ref.span);
    FlaggedJson {
        principal: t.principal(ra.principal).name.value.to_string(),
        role: t.role_name(ra.role).to_string(),
        scope: places.scopes.get(ra.scope).to_string(),
        reason: reason.to_string(),
        file: pos.file,
        line: pos.line,
    }
}

/// Spells the paths of the scopes grants are made at, then releases what the access report
/// never reads. The report reads resources only to spell those paths: at Azure's limits the
/// 557,000 resource records are one mapped list of 54 MB, handed back to the system here,
/// before the report makes its own lists; with them kept, the command's peak was 3.4 times
/// the tree's size. From here on no resource may be read: every scope path the report writes
/// comes from the returned [`ScopePaths`]. The findings (counted already) and the policy
/// compliance go too.
fn release_unread(a: &mut Analysis) -> ScopePaths {
    let scope_paths = ScopePaths::granted(&a.tenant);
    drop(std::mem::take(&mut a.tenant.resources));
    drop(std::mem::take(&mut a.findings));
    drop(std::mem::take(&mut a.compliance));
    drop(std::mem::take(&mut a.suppressed));
    crate::mem::release_freed();
    scope_paths
}

fn report(
    a: &Analysis,
    access: &Access,
    scope_paths: ScopePaths,
    format: ReportFormat,
    out: &mut dyn Write,
) -> Result<(), Usage> {
    use crate::access::report::{AccessReport, POLICY_ASSIGNMENTS_WRITE, ROLE_ASSIGNMENTS_WRITE};
    use rayon::prelude::*;
    // Not freed, as the analysis is not (`Kept`): millions of records at Azure's limits. The
    // privileged rows are taken out, to be dropped once written (JSON).
    let mut r = std::mem::ManuallyDrop::new(AccessReport::build_with(access, scope_paths));
    let privileged = std::mem::take(&mut r.privileged);
    let places = Places::new(a, r.scope_paths());
    let t = &a.tenant;
    match format {
        ReportFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            let io = |e: csv::Error| Usage(format!("cannot write CSV: {e}"));
            w.write_record([
                "principal",
                "kind",
                "guest",
                "role",
                "roleId",
                "scope",
                "via",
                "path",
                "eligible",
                "conditional",
                "file",
                "line",
            ])
            .map_err(io)?;
            for row in r.rows() {
                let j = row_json(a, &row, &places);
                w.write_record([
                    j.principal,
                    j.kind,
                    if j.guest { "true" } else { "false" },
                    j.grant.role,
                    j.grant.role_id.unwrap_or(""),
                    &j.grant.scope,
                    j.grant.via,
                    &j.grant.path.join(" > "),
                    if j.eligible { "true" } else { "false" },
                    if j.grant.conditions.is_empty() {
                        "false"
                    } else {
                        "true"
                    },
                    j.grant.file.as_deref().unwrap_or(""),
                    &j.grant.line.map(|l| l.to_string()).unwrap_or_default(),
                ])
                .map_err(io)?;
            }
            w.flush()?;
        }
        ReportFormat::Json => {
            // Streamed element by element: a large tenant has millions of rows, and building
            // one JSON value first would hold them all twice.
            writeln!(out, "{{\n  \"version\": 1,")?;
            let summary = serde_json::json!({
                "principals": r.principals,
                "effectiveRoles": r.effective_roles,
                "eligible": r.eligible,
            });
            writeln!(out, "  \"summary\": {summary},")?;
            writeln!(out, "  \"privileged\": {{")?;
            let writer = rows::RowWriter::new(a, &places);
            // One array of the privileged section, its items written in parallel.
            fn array<'i, T: Sync + 'i>(
                out: &mut dyn Write,
                name: &str,
                last: bool,
                items: impl IntoIterator<Item = &'i [T]>,
                per_task: usize,
                fill: impl Fn(&T, &mut Vec<u8>) -> serde_json::Result<()> + Sync,
            ) -> Result<(), Usage> {
                write!(out, "    \"{name}\": [")?;
                rows::write_in_order(items, per_task, out, |item, buf| {
                    buf.extend_from_slice(b",\n      ");
                    fill(item, buf)
                })?;
                writeln!(out, "\n    ]{}", if last { "" } else { "," })?;
                Ok(())
            }
            let row = |row: &crate::access::report::PrivilegedRow, buf: &mut Vec<u8>| {
                writer.write_privileged(&r, row, buf)
            };
            array(
                out,
                "canAssignRoles",
                false,
                privileged.can_assign_roles.runs().iter().map(Vec::as_slice),
                1 << 7,
                row,
            )?;
            array(
                out,
                "canAssignPolicy",
                false,
                privileged
                    .can_assign_policy
                    .runs()
                    .iter()
                    .map(Vec::as_slice),
                1 << 7,
                row,
            )?;
            // `{"owners":[…],"subscription":…}`, as serde_json orders an object's keys.
            let owners = |(s, owners): &(crate::model::SubId, Vec<_>), buf: &mut Vec<u8>| {
                buf.extend_from_slice(b"{\"owners\":");
                writer.names(owners, buf);
                buf.extend_from_slice(b",\"subscription\":");
                serde_json::to_writer(&mut *buf, t.sub(*s).name.value.as_str())?;
                buf.push(b'}');
                Ok(())
            };
            array(
                out,
                "subscriptionOwners",
                false,
                [r.subscription_owners.as_slice()],
                1 << 4,
                owners,
            )?;
            let external = privileged.external_writers.runs().iter().map(Vec::as_slice);
            let name = "guestsAndServicePrincipalsWithWriteAccess";
            array(out, name, false, external, 1 << 7, row)?;
            const DIRECT: &str = "assigned to a user directly, not through a group";
            let direct = serde_json::to_string(DIRECT).map_err(json_error)?;
            let direct = |id: &AssignmentId, buf: &mut Vec<u8>| writer.flagged(*id, &direct, buf);
            let name = "usersAssignedDirectly";
            let assignments = [r.direct_user_assignments.as_slice()];
            array(out, name, false, assignments, 1 << 7, direct)?;
            let ineffective = |f: &crate::access::report::Flagged, buf: &mut Vec<u8>| {
                let reason = serde_json::to_string(&f.reason)?;
                writer.flagged(f.assignment, &reason, buf)
            };
            let name = "assignmentsThatGrantNothingOrRepeat";
            array(
                out,
                name,
                true,
                [r.ineffective.as_slice()],
                1 << 7,
                ineffective,
            )?;
            writeln!(out, "  }},")?;
            // Dropped once written, before the millions of rows are made, and their memory
            // handed back: at Azure's limits 12 MB of the peak (486-490 to 476-478 MB).
            drop(privileged);
            crate::mem::release_freed();
            write!(out, "  \"access\": [")?;
            // Millions of rows at Azure's limits: made and serialized in parallel, a run of
            // people per task, and written in order.
            let fill = |p: &crate::model::PrincipalId, buf: &mut Vec<u8>| {
                writer.write_person(&r, *p, b",\n    ", buf)
            };
            rows::write_in_order([r.people()], 1 << 2, out, fill)?;
            writeln!(out, "\n  ]\n}}")?;
        }
        ReportFormat::Human => {
            writeln!(
                out,
                "canopy access report: {} principals hold {} effective roles ({} eligible)",
                r.principals, r.effective_roles, r.eligible
            )?;
            writeln!(out, "\nPrivileged access")?;
            let section = |title: &str,
                           rows: &crate::access::report::RowRuns,
                           out: &mut dyn Write|
             -> std::io::Result<()> {
                writeln!(out, "\n  {title}:")?;
                if rows.is_empty() {
                    writeln!(out, "    none")?;
                }
                for row in rows.iter().map(|row| r.row(row)) {
                    writeln!(
                        out,
                        "    {}: {}",
                        t.principal(row.principal).name.value,
                        describe_grant(a, &row.grant, Some(&places))
                    )?;
                }
                Ok(())
            };
            section(
                &format!("can write role assignments ({ROLE_ASSIGNMENTS_WRITE})"),
                &privileged.can_assign_roles,
                out,
            )?;
            section(
                &format!("can write policy assignments ({POLICY_ASSIGNMENTS_WRITE})"),
                &privileged.can_assign_policy,
                out,
            )?;
            writeln!(out, "\n  subscription owners:")?;
            for (s, owners) in &r.subscription_owners {
                let mut names: Vec<&str> = owners
                    .iter()
                    .map(|p| t.principal(*p).name.value.as_str())
                    .collect();
                names.dedup();
                writeln!(out, "    {}: {}", t.sub(*s).name.value, names.join(", "))?;
            }
            // Marked once, not searched for each subscription: that was 10,000 x 10,000
            // comparisons at Azure's limits.
            let mut owned = vec![false; t.subscriptions.len()];
            for (s, _) in &r.subscription_owners {
                owned[s.index()] = true;
            }
            let unowned: Vec<&str> = (t.subscriptions.iter().zip(&owned))
                .filter(|(_, owned)| !**owned)
                .map(|(s, _)| s.name.value.as_str())
                .collect();
            if !unowned.is_empty() {
                writeln!(out, "    without an owner: {}", unowned.join(", "))?;
            }
            section(
                "guests and service principals that can change resources",
                &privileged.external_writers,
                out,
            )?;
            let flagged =
                |title: &str, list: &[FlaggedJson], out: &mut dyn Write| -> std::io::Result<()> {
                    writeln!(out, "\n  {title}:")?;
                    if list.is_empty() {
                        writeln!(out, "    none")?;
                    }
                    for f in list {
                        writeln!(
                            out,
                            "    {}: {} at {} ({})  [{}:{}]",
                            f.principal, f.role, f.scope, f.reason, f.file, f.line
                        )?;
                    }
                    Ok(())
                };
            // Hundreds of thousands of each at Azure's limits: made in parallel.
            let direct_brief: Vec<FlaggedJson> = r
                .direct_user_assignments
                .par_iter()
                .map(|id| assignment_json(a, &places, *id, "direct"))
                .collect();
            let ineffective: Vec<FlaggedJson> = r
                .ineffective
                .par_iter()
                .map(|f| assignment_json(a, &places, f.assignment, &f.reason))
                .collect();
            flagged(
                "users assigned roles directly rather than through a group",
                &direct_brief,
                out,
            )?;
            flagged(
                "assignments that grant nothing or repeat an inherited one",
                &ineffective,
                out,
            )?;
            writeln!(
                out,
                "\nEffective access ({} rows; --format json or csv for tools)",
                r.effective_roles
            )?;
            let mut last = None;
            for row in r.rows() {
                if last != Some(row.principal) {
                    let p = t.principal(row.principal);
                    let guest = if p.guest { ", guest" } else { "" };
                    writeln!(out, "\n  {} ({}{guest})", p.name.value, p.kind.noun())?;
                    last = Some(row.principal);
                }
                let eligible = if row.eligible { "[eligible] " } else { "" };
                writeln!(
                    out,
                    "    {eligible}{}",
                    describe_grant(a, &row.grant, Some(&places))
                )?;
            }
        }
    }
    Ok(())
}

/// JSON that cannot be written, as the command's error.
fn json_error(e: impl std::fmt::Display) -> Usage {
    Usage(format!("cannot write JSON: {e}"))
}

#[cfg(test)]
mod row_tests {
    use super::*;

    #[test]
    fn rows_are_the_person_then_the_flattened_grant() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Flattened<'a> {
            principal: &'a str,
            kind: &'static str,
            guest: bool,
            eligible: bool,
            #[serde(flatten)]
            grant: GrantJson<'a>,
        }
        let conditions = vec!["@Resource[x] StringEquals 'y'".to_string()];
        let grant = || GrantJson {
            role: "Reader",
            role_id: Some("acdd72a7-3385-48ef-bd42-f606fba81ae7"),
            scope: "/subscriptions/s1".into(),
            via: "assignment",
            assigned_to: "team \"a\"",
            path: vec!["u", "team \"a\""],
            conditions: &conditions,
            file: Some(Cow::Borrowed("assignments/a.yaml")),
            line: Some(7),
        };
        let row = RowJson {
            principal: "u",
            kind: "user",
            guest: true,
            eligible: false,
            grant: grant(),
        };
        let flat = Flattened {
            principal: "u",
            kind: "user",
            guest: true,
            eligible: false,
            grant: grant(),
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            serde_json::to_string(&flat).unwrap()
        );
        let (none, flat_none) = (
            RowJson {
                grant: GrantJson {
                    role_id: None,
                    file: None,
                    line: None,
                    ..grant()
                },
                ..row
            },
            Flattened {
                grant: GrantJson {
                    role_id: None,
                    file: None,
                    line: None,
                    ..grant()
                },
                ..flat
            },
        );
        assert_eq!(
            serde_json::to_string(&none).unwrap(),
            serde_json::to_string(&flat_none).unwrap()
        );
    }
}
