//! `canopy tree`: the hierarchy as a text tree, root first, subscriptions under their groups.

use super::{EXIT_OK, Format, TreeArgs};
use crate::diag::Severity;
use crate::model::{MgId, ScopeId, ScopeKind, Tenant};
use crate::report::{human::Style, plural};
use std::io::Write;

pub fn run(args: &TreeArgs, style: Style, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let analysis = match super::load_or_report(
        &args.tree,
        &crate::Options::default(),
        Format::Human,
        style,
        out,
        err,
    ) {
        Ok(a) => a,
        Err(code) => return code,
    };
    if out.write_all(draw(&analysis.tenant).as_bytes()).is_err() {
        return super::EXIT_CANNOT_RUN;
    }
    let errors = analysis.count(Severity::Error);
    if errors > 0 {
        let _ = writeln!(
            err,
            "canopy: the tree has {errors} error(s); `canopy check` shows them"
        );
    }
    EXIT_OK
}

/// Counts of what sits below a scope.
#[derive(Default, Clone, Copy)]
struct Counts {
    groups: usize,
    subscriptions: usize,
    resource_groups: usize,
    resources: usize,
}

fn counts(t: &Tenant, scope: ScopeId) -> Counts {
    let mut c = Counts::default();
    let mut stack: Vec<ScopeId> = t.scopes.children(scope).to_vec();
    while let Some(s) = stack.pop() {
        match t.scopes.kind(s) {
            ScopeKind::ManagementGroup(_) => c.groups += 1,
            ScopeKind::Subscription(_) => c.subscriptions += 1,
            ScopeKind::ResourceGroup(_) => c.resource_groups += 1,
            ScopeKind::Resource(_) => c.resources += 1,
            ScopeKind::Tenant => {}
        }
        stack.extend_from_slice(t.scopes.children(s));
    }
    c
}

fn describe(c: Counts, with_groups: bool) -> String {
    let mut parts = Vec::new();
    if with_groups && c.groups > 0 {
        parts.push(plural(c.groups, "group"));
    }
    if c.subscriptions > 0 {
        parts.push(plural(c.subscriptions, "subscription"));
    }
    if c.resource_groups > 0 {
        parts.push(plural(c.resource_groups, "resource group"));
    }
    if c.resources > 0 {
        parts.push(plural(c.resources, "resource"));
    }
    parts.join(", ")
}

fn mg_line(t: &Tenant, id: MgId) -> String {
    let mg = t.mg(id);
    let c = counts(t, mg.scope);
    let mut s = match &mg.display_name {
        Some(d) if d.value != mg.name.value => format!("{} ({})", d.value, mg.name.value),
        _ => mg.name.value.to_string(),
    };
    let d = describe(c, true);
    if !d.is_empty() {
        s.push_str(&format!("  [{d}]"));
    }
    s
}

fn sub_line(t: &Tenant, scope: ScopeId) -> String {
    let ScopeKind::Subscription(id) = t.scopes.kind(scope) else {
        return String::new();
    };
    let sub = t.sub(id);
    let mut s = format!("subscription {}", sub.name.value);
    let d = describe(counts(t, scope), false);
    if !d.is_empty() {
        s.push_str(&format!("  [{d}]"));
    }
    s
}

/// Draws the hierarchy: groups first (in declaration order), then subscriptions.
pub fn draw(t: &Tenant) -> String {
    let mut out = String::new();
    let total = counts(t, ScopeId::TENANT);
    out.push_str(&format!(
        "/  [{}]\n",
        describe(
            Counts {
                groups: t.management_groups.len(),
                ..total
            },
            true
        )
    ));
    draw_children(t, ScopeId::TENANT, "", &mut out);
    out
}

fn draw_children(t: &Tenant, scope: ScopeId, prefix: &str, out: &mut String) {
    let mut kids: Vec<ScopeId> = t
        .scopes
        .children(scope)
        .iter()
        .copied()
        .filter(|c| {
            matches!(
                t.scopes.kind(*c),
                ScopeKind::ManagementGroup(_) | ScopeKind::Subscription(_)
            )
        })
        .collect();
    // Groups before subscriptions, each in declaration order: stable and easy to read.
    kids.sort_by_key(|c| {
        (
            !matches!(t.scopes.kind(*c), ScopeKind::ManagementGroup(_)),
            c.0,
        )
    });
    for (i, kid) in kids.iter().enumerate() {
        let last = i + 1 == kids.len();
        let (branch, cont) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        let detached = scope == ScopeId::TENANT;
        let line = match t.scopes.kind(*kid) {
            ScopeKind::ManagementGroup(id) => {
                let mg = t.mg(id);
                let note = match (&mg.parent_ref, mg.parent) {
                    (Some(_), Some(_)) if detached => "  (in a parent loop)",
                    (Some(_), None) if detached => "  (parent not found)",
                    _ => "",
                };
                mg_line(t, id) + note
            }
            ScopeKind::Subscription(id) => {
                let sub = t.sub(id);
                let note = match &sub.parent_ref {
                    Some(_) if detached => "  (parent not found)",
                    None if detached => "  (no root group to sit in)",
                    _ => "",
                };
                sub_line(t, *kid) + note
            }
            _ => continue,
        };
        out.push_str(&format!("{prefix}{branch}{line}\n"));
        draw_children(t, *kid, &format!("{prefix}{cont}"), out);
    }
}
