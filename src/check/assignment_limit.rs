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
    // A count per management group and subscription, and the assignment that first goes over
    // a scope's limit: a list of assignments per scope was 14 MB at Azure's limits (600,000
    // scopes, 20,000 of them groups and subscriptions), for a rule that reports one
    // assignment per scope over its limit.
    let mut counts: rustc_hash::FxHashMap<ScopeId, u32> = Default::default();
    let mut over_at: Vec<(ScopeId, usize, usize, &str)> = Vec::new();
    for (i, a) in t.role_assignments.iter().enumerate() {
        let counted_at = match t.scopes.kind(a.scope) {
            ScopeKind::ManagementGroup(_) | ScopeKind::Subscription(_) => Some(a.scope),
            ScopeKind::ResourceGroup(_) | ScopeKind::Resource(_) => t
                .scopes
                .ancestors(a.scope)
                .find(|s| matches!(t.scopes.kind(*s), ScopeKind::Subscription(_))),
            ScopeKind::Tenant => None,
        };
        let Some(s) = counted_at else { continue };
        let (limit, what) = match t.scopes.kind(s) {
            ScopeKind::Subscription(_) => (SUBSCRIPTION_LIMIT, "in subscription"),
            ScopeKind::ManagementGroup(_) => (MANAGEMENT_GROUP_LIMIT, "at management group"),
            _ => continue,
        };
        let count = counts.entry(s).or_default();
        *count += 1;
        if *count as usize == limit + 1 {
            over_at.push((s, i, limit, what));
        }
    }
    over_at.sort_unstable_by_key(|(s, ..)| *s);
    for (scope, over, limit, what) in over_at {
        let count = counts[&scope];
        let over = &t.role_assignments[over];
        let mut f = Finding::new(
            Code::AssignmentLimit,
            over.scope_ref.span,
            format!("assignment number {}", limit + 1),
            format!(
                "{} role assignments {what} `{}`; Azure allows at most {limit}",
                count,
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
