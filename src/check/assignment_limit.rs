use super::{Ctx, Rule};
use crate::diag::{Code, Finding, Severity};
use crate::model::{ScopeId, ScopeKind};

/// <https://learn.microsoft.com/azure/role-based-access-control/troubleshoot-limits>: 4,000 role
/// assignments per subscription (its resource groups and resources included), 500 per
/// management group.
pub const SUBSCRIPTION_LIMIT: usize = 4_000;
pub const MANAGEMENT_GROUP_LIMIT: usize = 500;

pub const RULE: Rule = Rule {
    code: Code::AssignmentLimit,
    severity: Severity::Error,
    configurable: false,
    summary: "more than 4,000 role assignments in one subscription, or 500 at one management group",
    explanation: "Azure supports up to 4,000 role assignments per subscription, counting those at \
its resource groups and resources, and up to 500 at each management group (not counting the \
groups and subscriptions below it). Past the limit Azure refuses new assignments. Assign roles to \
groups rather than to each person.",
    fail: "# 4,001 RoleAssignment documents at /subscriptions/corp-prod and below",
    pass: "# one RoleAssignment to a group, whose members get the role",
    run: Some(run),
};

fn run(cx: &Ctx, out: &mut Vec<Finding>) {
    let t = cx.tenant;
    let mut per_scope: Vec<Vec<usize>> = vec![Vec::new(); t.scopes.len()];
    for (i, a) in t.role_assignments.iter().enumerate() {
        let counted_at = match t.scopes.kind(a.scope) {
            ScopeKind::ManagementGroup(_) | ScopeKind::Subscription(_) => Some(a.scope),
            ScopeKind::ResourceGroup(_) | ScopeKind::Resource(_) => t
                .scopes
                .ancestors(a.scope)
                .find(|s| matches!(t.scopes.kind(*s), ScopeKind::Subscription(_))),
            ScopeKind::Tenant => None,
        };
        if let Some(s) = counted_at {
            per_scope[s.index()].push(i);
        }
    }
    for (s, list) in per_scope.iter().enumerate() {
        let scope = ScopeId(s as u32);
        let (limit, what) = match t.scopes.kind(scope) {
            ScopeKind::Subscription(_) => (SUBSCRIPTION_LIMIT, "in subscription"),
            ScopeKind::ManagementGroup(_) => (MANAGEMENT_GROUP_LIMIT, "at management group"),
            _ => continue,
        };
        if list.len() <= limit {
            continue;
        }
        let over = &t.role_assignments[list[limit]];
        let mut f = Finding::new(
            Code::AssignmentLimit,
            over.scope_ref.span,
            format!("assignment number {}", limit + 1),
            format!(
                "{} role assignments {what} `{}`; Azure allows at most {limit}",
                list.len(),
                t.scope_path(scope)
            ),
        )
        .help("assign roles to groups instead of individuals, or remove unused assignments");
        if let Some(decl) = t.scope_span(scope) {
            f = f.related(decl, "declared here");
        }
        out.push(f);
    }
}
