//! The whole tenant's effective access, computed in parallel, with the privileged-access
//! findings auditors ask for first.

use super::{Access, Grant, Plane, Reach, SharedPaths, Source, role_grants};
use crate::builtin;
use crate::load::kinds::PrincipalKind;
use crate::model::{AssignmentId, PrincipalId, RoleRef, Rows, ScopeId, ScopeKind, SubId, Tenant};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// The operation that lets a principal grant access to others (and so escalate).
pub const ROLE_ASSIGNMENTS_WRITE: &str = "Microsoft.Authorization/roleAssignments/write";
/// The operation that lets a principal assign (or unassign) policy.
pub const POLICY_ASSIGNMENTS_WRITE: &str = "Microsoft.Authorization/policyAssignments/write";

/// One effective role of one person (user or service principal).
#[derive(Debug, Clone)]
pub struct Row {
    pub principal: PrincipalId,
    pub grant: Grant,
    pub eligible: bool,
}

/// An assignment worth a look, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flagged {
    pub assignment: crate::model::AssignmentId,
    pub reason: String,
}

/// The whole tenant's effective access: the figures and privileged findings, computed once,
/// and every person's rows, made again on demand ([`AccessReport::rows_of`]).
///
/// The rows are not kept: at Azure's limits they are 3.7 million (300 MB as `Row`s), and a
/// report that writes them person by person, as it makes them, holds a batch at a time.
pub struct AccessReport<'a> {
    access: &'a Access<'a>,
    /// Every enabled person, in report order: by name, case-insensitively.
    people: Vec<PrincipalId>,
    /// The path of every scope a grant is made at, by scope id; empty for the rest.
    scope_paths: ScopePaths,
    /// The place in a person's rows of co-administration's Owner, by subscription; role
    /// assignments' are in [`Assigned::rank`], ranked together.
    co_administrator_rank: Vec<u32>,
    /// What the rows read of each role assignment, by holder: laid out as the tenant's index
    /// of assignments by principal, so that a holder's are read in one sweep rather than a
    /// cache miss each (a person's rows read every holder they are a member of).
    held: Rows<Assigned>,
    /// Where each role assignment's record is in `held`'s items, by assignment id.
    position: Vec<u32>,
    /// The properties of co-administration's role, Owner.
    co_administrator: RoleProperties,
    /// What each principal's own grants add to the figures of those who hold it, by id.
    holders: Vec<Holder>,
    /// How many people hold any access.
    pub principals: usize,
    /// How many rows there are.
    pub effective_roles: usize,
    /// How many of them are eligible (PIM) rather than active.
    pub eligible: usize,
    /// The privileged rows, by finding.
    pub privileged: PrivilegedRows,
    /// Per subscription, the people Owner there, once per row that makes them Owner.
    pub subscription_owners: Vec<(SubId, Vec<PrincipalId>)>,
    /// Assignments made to a user directly rather than to a group.
    pub direct_user_assignments: Vec<crate::model::AssignmentId>,
    /// Assignments that grant nothing (disabled principal) or repeat an inherited one.
    pub ineffective: Vec<Flagged>,
}

/// The privileged rows, by finding. Taken out of the report by a caller that writes them
/// before its rows, to drop them once written.
#[derive(Default)]
pub struct PrivilegedRows {
    /// Rows whose role lets the holder write role assignments there.
    pub can_assign_roles: RowRuns,
    /// Rows whose role lets the holder write policy assignments there.
    pub can_assign_policy: RowRuns,
    /// Rows of guests and service principals whose role can change anything.
    pub external_writers: RowRuns,
}

/// Strings spelled one after another into one buffer, in parallel runs, and where each ends:
/// a `Box<str>` apiece is an allocation, a header and a pointer each, and millions of them at
/// Azure's limits.
pub(crate) struct Spelled {
    text: String,
    /// Where each string ends in `text`, by index; each begins where the one before ends.
    ends: Vec<usize>,
}

impl Spelled {
    /// The strings `0..n`, each appended to the buffer by `spell`, in parallel, `per_run`
    /// strings a task, then joined.
    pub fn in_runs(n: usize, per_run: usize, spell: impl Fn(usize, &mut String) + Sync) -> Self {
        let per_run = per_run.max(1);
        let runs: Vec<(String, Vec<usize>)> = (0..n.div_ceil(per_run))
            .into_par_iter()
            .map(|run| {
                let ids = run * per_run..((run + 1) * per_run).min(n);
                let mut text = String::new();
                let mut ends = Vec::with_capacity(ids.len());
                for i in ids {
                    spell(i, &mut text);
                    ends.push(text.len());
                }
                (text, ends)
            })
            .collect();
        let mut text = String::with_capacity(runs.iter().map(|(text, _)| text.len()).sum());
        let mut ends = Vec::with_capacity(n);
        for (run, run_ends) in runs {
            let start = text.len();
            text.push_str(&run);
            ends.extend(run_ends.iter().map(|end| start + end));
        }
        Spelled { text, ends }
    }

    /// The `i`th string.
    pub fn get(&self, i: usize) -> &str {
        &self.text[self.range(i)]
    }

    /// [`Spelled::get`] as bytes, for writers that copy it: slicing a `str` reads the
    /// string's first byte to check it begins a character, and for a row writer that is a
    /// cache miss taken one string at a time, where the writer would touch a person's together.
    pub fn bytes(&self, i: usize) -> &[u8] {
        &self.text.as_bytes()[self.range(i)]
    }

    fn range(&self, i: usize) -> std::ops::Range<usize> {
        let start = i.checked_sub(1).map_or(0, |before| self.ends[before]);
        start..self.ends[i]
    }

    /// How many strings there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// The paths of the scopes grants are made at, spelled once into one buffer in scope order:
/// at Azure's limits a `Box<str>` for each of 597,000 scopes, most of them empty, was 9.6 MB
/// of pointers alone (the command's peak 4-6 MB lower; its time the same).
pub struct ScopePaths(Spelled);

impl ScopePaths {
    /// The paths of the scopes grants are made at: role assignments' scopes, and
    /// subscriptions (for their co-administrators). What [`AccessReport::build_with`] takes.
    pub fn granted(t: &Tenant) -> Self {
        let mut granted_at = vec![false; t.scopes.len()];
        let subscriptions = t.subscriptions.iter().map(|s| s.scope);
        for s in (t.role_assignments.iter().map(|ra| ra.scope)).chain(subscriptions) {
            granted_at[s.index()] = true;
        }
        ScopePaths::in_runs(t, &granted_at, 1 << 12)
    }

    /// The paths of the scopes marked in `granted_at` (by scope id), spelled in parallel,
    /// `per_run` scopes a task; empty for the rest.
    fn in_runs(t: &Tenant, granted_at: &[bool], per_run: usize) -> Self {
        ScopePaths(Spelled::in_runs(granted_at.len(), per_run, |i, text| {
            if granted_at[i] {
                t.push_scope_path(text, ScopeId(i as u32));
            }
        }))
    }

    /// A scope's path; empty for a scope no grant is made at.
    pub fn get(&self, scope: ScopeId) -> &str {
        self.0.get(scope.index())
    }

    /// [`ScopePaths::get`] as bytes ([`Spelled::bytes`]).
    pub fn bytes(&self, scope: ScopeId) -> &[u8] {
        self.0.bytes(scope.index())
    }

    /// How many scopes there are: every scope id is below it.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A privileged row as the report keeps it until it is written: who, which grant, and the
/// path to the grant's holder; [`AccessReport::row`] makes the [`Row`]. 32 bytes where a
/// `Row` is 80: at Azure's limits there are 454,000, and as `Row`s they were 36 MB of the
/// peak of `canopy access report`.
#[derive(Debug, Clone)]
pub struct PrivilegedRow {
    pub principal: PrincipalId,
    source: Source,
    /// From the person to the holder of the grant.
    pub path: std::sync::Arc<[PrincipalId]>,
}

/// Privileged rows in the runs the report's first pass made them in, one run per task, in
/// people's order. Not joined into one list: that held every privileged row twice at the
/// peak of `canopy access report`.
#[derive(Default)]
pub struct RowRuns(Vec<Vec<PrivilegedRow>>);

impl RowRuns {
    /// The runs, none empty, in order.
    pub fn runs(&self) -> &[Vec<PrivilegedRow>] {
        &self.0
    }

    /// Every row, in order.
    pub fn iter(&self) -> impl Iterator<Item = &PrivilegedRow> {
        self.0.iter().flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn push(&mut self, run: Vec<PrivilegedRow>) {
        if !run.is_empty() {
            self.0.push(run);
        }
    }
}

/// The lists [`AccessReport::reaches_into`] works in, kept by a caller that asks of many
/// people in turn.
#[derive(Default)]
pub struct ReachScratch {
    found: Vec<Reach>,
    order: Vec<u64>,
}

/// What the report reads of a role assignment on each of millions of rows, in one small
/// record: the model's assignment is about 190 bytes, its rare fields (the end date among
/// them) boxed apart, and reading it was a cache miss or two a row.
#[derive(Clone, Copy)]
struct Assigned {
    id: AssignmentId,
    role: RoleRef,
    scope: ScopeId,
    /// Its place in a person's rows: equal for equal (scope path, role name, eligible), so
    /// a stable sort by it keeps ties in the order they were found.
    rank: u32,
    eligible: bool,
    /// Not expired.
    in_force: bool,
    /// Carries an ABAC condition.
    conditional: bool,
    properties: RoleProperties,
}

/// What the privileged findings need to know of a role, once per assignment.
#[derive(Clone, Copy, Default)]
struct RoleProperties {
    assign_roles: bool,
    assign_policy: bool,
    owner: bool,
    writes: bool,
}

impl RoleProperties {
    fn of(t: &Tenant, role: RoleRef) -> Self {
        RoleProperties {
            assign_roles: role_grants(t, role, ROLE_ASSIGNMENTS_WRITE, Plane::Control).is_some(),
            assign_policy: role_grants(t, role, POLICY_ASSIGNMENTS_WRITE, Plane::Control).is_some(),
            owner: t.role_name(role).eq_ignore_ascii_case("Owner"),
            writes: can_write(t, role),
        }
    }

    /// Whether an active grant of this role is privileged for a person, `external` if a guest
    /// or a service principal.
    fn privileged(self, external: bool) -> bool {
        self.owner || self.assign_roles || self.assign_policy || (self.writes && external)
    }

    /// What either role has: privileged for a person where either one is.
    fn either(self, other: Self) -> Self {
        RoleProperties {
            assign_roles: self.assign_roles || other.assign_roles,
            assign_policy: self.assign_policy || other.assign_policy,
            owner: self.owner || other.owner,
            writes: self.writes || other.writes,
        }
    }
}

/// What one principal's own grants add to the figures of everyone who holds it (itself, or
/// its groups' members): the first pass over people adds these up per membership and walks
/// a holder's grants only when some may be privileged, rather than reading millions of
/// grants one by one.
#[derive(Clone, Copy, Default)]
struct Holder {
    /// Grants in force: rows, one per person who holds it.
    rows: u32,
    /// Of which eligible (PIM).
    eligible: u32,
    /// What its active grants' roles have between them: one of them is privileged for a
    /// person exactly when this is.
    active: RoleProperties,
}

/// The findings of a run of people, in their order; joined into the report.
#[derive(Default)]
struct Tally {
    principals: usize,
    effective_roles: usize,
    eligible: usize,
    can_assign_roles: Vec<PrivilegedRow>,
    can_assign_policy: Vec<PrivilegedRow>,
    /// Each subscription an active Owner row reaches, and who holds it.
    owners: Vec<(SubId, PrincipalId)>,
    external_writers: Vec<PrivilegedRow>,
}

/// Whether a role can change anything at all: it grants some published control-plane
/// operation other than a read. Computed once per role assigned.
fn can_write(t: &Tenant, role: RoleRef) -> bool {
    // The scan of every operation was about 0.1 s of the report's CPU at Azure's limits; the
    // two shortcuts settle most roles without it.
    !reads_only(t, role) && (writes_named(t, role) || writes_any(t, role))
}

/// Whether a role names a published write operation outright (no wildcard) and grants it:
/// found without a scan, which for a role writing one resource type went half way through
/// the 15,000 write operations on average.
fn writes_named(t: &Tenant, role: RoleRef) -> bool {
    use builtin::{PatternMatch, classify_pattern};
    // One of [`writes`]: a published control-plane operation (the catalogue's binary search,
    // for a name without a wildcard) that is not a read.
    let named = |a: &str| {
        !a.contains('*')
            && !ends_in_read(a)
            && matches!(
                classify_pattern(a),
                PatternMatch::Control | PatternMatch::Both
            )
    };
    any_action(t, role, |a| {
        named(a) && role_grants(t, role, a, Plane::Control).is_some()
    })
}

/// Whether every action of a role ends in `/read`, so that it grants reads alone: a wildcard
/// before that last segment cannot make a write of it.
fn reads_only(t: &Tenant, role: RoleRef) -> bool {
    !any_action(t, role, |a| !ends_in_read(a))
}

/// Whether any of a role's control-plane actions (of any of its blocks) passes `test`.
fn any_action(t: &Tenant, role: RoleRef, mut test: impl FnMut(&str) -> bool) -> bool {
    match role {
        RoleRef::BuiltIn(r) => r
            .permissions
            .iter()
            .flat_map(|b| b.actions.iter())
            .any(|a| test(a)),
        RoleRef::Custom(id) => t.custom_role(id).actions.iter().any(|a| test(&a.value)),
    }
}

/// Whether a role grants any published control-plane operation other than a read, operation
/// by operation.
fn writes_any(t: &Tenant, role: RoleRef) -> bool {
    writes()
        .iter()
        .any(|op| role_grants(t, role, op, Plane::Control).is_some())
}

/// Whether an operation or action pattern ends in `/read`, in any case.
fn ends_in_read(name: &str) -> bool {
    let name = name.as_bytes();
    name.len() >= 5 && name[name.len() - 5..].eq_ignore_ascii_case(b"/read")
}

/// Every published control-plane operation other than a read, listed once rather than
/// filtered again (with a lowercase copy of each of 24,680 names) for each role.
fn writes() -> &'static [&'static str] {
    static WRITES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    WRITES.get_or_init(|| {
        builtin::operations()
            .iter()
            .filter(|op| !op.is_data_action && !ends_in_read(op.name))
            .map(|op| op.name)
            .collect()
    })
}

impl<'a> AccessReport<'a> {
    pub fn build(access: &'a Access<'a>) -> AccessReport<'a> {
        Self::build_with(access, ScopePaths::granted(access.tenant))
    }

    /// [`AccessReport::build`] with the granted scopes' paths spelled already: the report
    /// reads no scope's path but from them, so a caller may release what it spelled them from
    /// (the tenant's resources) before the report is made.
    pub fn build_with(access: &'a Access<'a>, scope_paths: ScopePaths) -> AccessReport<'a> {
        let t = access.tenant;
        // Every enabled person, in report order: by name case-insensitively (a stable sort,
        // so ties keep id order), ranked once per principal rather than compared as
        // lowercase copies on each of millions of rows.
        let mut people: Vec<PrincipalId> = (0..t.principals.len())
            .into_par_iter()
            .map(|i| PrincipalId(i as u32))
            .filter(|p| {
                let pr = t.principal(*p);
                pr.kind != PrincipalKind::Group && pr.enabled.value
            })
            .collect();
        let principal_rank =
            dense_ranks(t.principals.len(), people.iter().map(|p| p.index()), |i| {
                t.principals[i].name.value.to_lowercase()
            });
        people.par_sort_by_key(|p| principal_rank[p.index()]);
        // The path of every scope a grant is made at (`scope_paths`, empty for the rest) is
        // spelled once, to rank here and to write on each of millions of rows. A person's rows
        // go by scope path, role name, active before eligible. Ranked once per assignment, not
        // compared as strings on each of millions of rows.
        let granted =
            (0..t.scopes.len()).filter(|&i| !scope_paths.get(ScopeId(i as u32)).is_empty());
        let scope_rank = dense_ranks(t.scopes.len(), granted, |i| {
            scope_paths.get(ScopeId(i as u32)).to_lowercase()
        });
        let owner = RoleRef::BuiltIn(builtin::owner());
        let assignments = t.role_assignments.len();
        let sources = assignments + t.subscriptions.len();
        let mut grant_rank =
            dense_ranks(sources, 0..sources, |i| match t.role_assignments.get(i) {
                Some(ra) => (
                    scope_rank[ra.scope.index()],
                    t.role_name(ra.role),
                    ra.eligible,
                ),
                None => {
                    let sub = &t.subscriptions[i - assignments];
                    (scope_rank[sub.scope.index()], t.role_name(owner), false)
                }
            });
        let co_administrator_rank = grant_rank.split_off(assignments);
        // Role properties, once per role assigned, in parallel: whether a role can write
        // anything is a scan of every published operation.
        let mut roles: FxHashMap<u64, RoleRef> = FxHashMap::default();
        for role in t.role_assignments.iter().map(|ra| ra.role).chain([owner]) {
            roles.entry(role.key()).or_insert(role);
        }
        let roles: Vec<RoleRef> = roles.into_values().collect();
        let roles: FxHashMap<u64, RoleProperties> = roles
            .par_iter()
            .map(|&role| (role.key(), RoleProperties::of(t, role)))
            .collect();
        let co_administrator = roles[&owner.key()];
        let now = access.now();
        let held = access.assignments_by_holder().par_map(|&i| {
            let ra = &t.role_assignments[i as usize];
            Assigned {
                id: AssignmentId(i),
                role: ra.role,
                scope: ra.scope,
                rank: grant_rank[i as usize],
                eligible: ra.eligible,
                in_force: ra.end_date_time().is_none_or(|e| e.value > now),
                conditional: ra.condition().is_some(),
                properties: roles[&ra.role.key()],
            }
        });
        // Every assignment is in the index once, under its principal.
        let mut position = vec![0u32; assignments];
        for (i, a) in held.items().iter().enumerate() {
            position[a.id.index()] = i as u32;
        }
        let mut report = AccessReport {
            access,
            people,
            scope_paths,
            co_administrator_rank,
            held,
            position,
            co_administrator,
            holders: Vec::new(),
            principals: 0,
            effective_roles: 0,
            eligible: 0,
            privileged: PrivilegedRows::default(),
            subscription_owners: Vec::new(),
            direct_user_assignments: Vec::new(),
            ineffective: Vec::new(),
        };

        // The subscriptions at or below each Owner assignment's scope, found once per scope.
        let mut owner_scopes: Vec<ScopeId> = (report.held.items().iter())
            .filter(|a| a.properties.owner)
            .map(|a| a.scope)
            .collect();
        owner_scopes.par_sort_unstable();
        owner_scopes.dedup();
        let subscriptions_below: FxHashMap<ScopeId, Vec<SubId>> = owner_scopes
            .into_par_iter()
            .map(|scope| (scope, subscriptions_at_or_below(t, scope)))
            .collect();

        let holders: Vec<Holder> = (0..t.principals.len())
            .into_par_iter()
            .map(|i| {
                let mut holder = Holder::default();
                report.holder_reaches(PrincipalId(i as u32), 0, |_, reach, role| {
                    holder.rows += 1;
                    if reach.eligible {
                        holder.eligible += 1;
                        return;
                    }
                    holder.active = holder.active.either(role);
                });
                holder
            })
            .collect();
        // Every person's rows, counted in parallel, a run of people per task. Only the
        // privileged ones are made into rows and kept: the rest are made again when written.
        let tallies: Vec<Tally> = report
            .people
            .par_chunks(256)
            .map(|run| {
                let mut tally = Tally::default();
                let mut privileged = Vec::new();
                for &p in run {
                    let person = t.principal(p);
                    let external = person.guest || person.kind == PrincipalKind::ServicePrincipal;
                    let memberships = access.memberships(p);
                    let before = tally.effective_roles;
                    privileged.clear();
                    for (through, &(holder, _)) in memberships.iter().enumerate() {
                        let figures = holders[holder.index()];
                        tally.effective_roles += figures.rows as usize;
                        tally.eligible += figures.eligible as usize;
                        if !figures.active.privileged(external) {
                            continue;
                        }
                        // In the order `reaches` finds them, as the person's rows are.
                        report.holder_reaches(holder, through, |rank, reach, role| {
                            if !reach.eligible && role.privileged(external) {
                                privileged.push((rank, reach, role));
                            }
                        });
                    }
                    tally.principals += usize::from(tally.effective_roles > before);
                    // In the order of the person's rows.
                    privileged.sort_by_key(|(rank, ..)| *rank);
                    let mut paths = SharedPaths::new(&memberships);
                    for &(_, reach, role) in &privileged {
                        let mut row = || PrivilegedRow {
                            principal: p,
                            source: reach.source,
                            path: paths.of(reach.through),
                        };
                        if role.owner {
                            // Owner reaches every subscription at or below the scope.
                            match reach.source {
                                Source::Assignment(_) => tally.owners.extend(
                                    subscriptions_below[&reach.scope].iter().map(|&s| (s, p)),
                                ),
                                Source::CoAdministrator(s) => tally.owners.push((s, p)),
                            }
                        }
                        if role.assign_roles {
                            tally.can_assign_roles.push(row());
                        }
                        if role.assign_policy {
                            tally.can_assign_policy.push(row());
                        }
                        if role.writes && external {
                            tally.external_writers.push(row());
                        }
                    }
                }
                tally
            })
            .collect();
        report.holders = holders;
        // Each subscription's owners in the order found: people's order, then each person's
        // rows.
        let by_subscription = crate::model::Rows::new(
            t.subscriptions.len(),
            (tallies.iter()).flat_map(|tally| tally.owners.iter().map(|&(s, p)| (s.index(), p.0))),
        );
        for tally in tallies {
            report.principals += tally.principals;
            report.effective_roles += tally.effective_roles;
            report.eligible += tally.eligible;
            let privileged = &mut report.privileged;
            privileged.can_assign_roles.push(tally.can_assign_roles);
            privileged.can_assign_policy.push(tally.can_assign_policy);
            privileged.external_writers.push(tally.external_writers);
        }
        // Subscriptions by name case-insensitively, then id.
        let subscriptions = t.subscriptions.len();
        let subscription_rank = dense_ranks(subscriptions, 0..subscriptions, |i| {
            t.subscriptions[i].name.value.to_lowercase()
        });
        let mut owned: Vec<SubId> = (0..subscriptions)
            .filter(|&i| !by_subscription.row(i).is_empty())
            .map(|i| SubId(i as u32))
            .collect();
        owned.sort_unstable_by_key(|s| (subscription_rank[s.index()], *s));
        report.subscription_owners = (owned.into_iter())
            .map(|s| {
                let owners = by_subscription.row(s.index());
                (s, owners.iter().map(|&p| PrincipalId(p)).collect())
            })
            .collect();

        // Assignment-level findings. Each assignment's fellows (same principal, same role),
        // as runs of one list of keys sorted in parallel: at Azure's limits 0.01 s, where a
        // map of lists built on one core took 0.07 s.
        let mut keys: Vec<(PrincipalId, u64, u32)> = (t.role_assignments.par_iter().enumerate())
            .map(|(i, a)| (a.principal, a.role.key(), i as u32))
            .collect();
        keys.par_sort_unstable();
        // The run of `keys` holding each assignment, by assignment id.
        let mut run_of = vec![(0u32, 0u32); keys.len()];
        let mut start = 0;
        for run in keys.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let end = start + run.len() as u32;
            for &(.., i) in run {
                run_of[i as usize] = (start, end);
            }
            start = end;
        }
        let fellows: Vec<u32> = keys.iter().map(|&(.., i)| i).collect();
        let flag = |i: usize| -> Option<Flagged> {
            let a = &t.role_assignments[i];
            let assignment = crate::model::AssignmentId(i as u32);
            let p = t.principal(a.principal);
            if !p.enabled.value {
                let reason = format!(
                    "{} `{}` is disabled: it grants nothing",
                    p.kind.noun(),
                    p.name.value
                );
                return Some(Flagged { assignment, reason });
            }
            // The first in id order of the same principal and role, active, at a scope above.
            let (start, end) = run_of[i];
            let higher = fellows[start as usize..end as usize].iter().find(|&&j| {
                let other = &t.role_assignments[j as usize];
                j as usize != i
                    && other.scope != a.scope
                    && t.scopes.contains(other.scope, a.scope)
                    && !other.eligible
            })?;
            let reason = format!(
                "repeats `{}` inherited from `{}`",
                t.role_name(a.role),
                report
                    .scope_paths
                    .get(t.role_assignments[*higher as usize].scope)
            );
            Some(Flagged { assignment, reason })
        };
        let assignments = 0..t.role_assignments.len();
        report.ineffective = assignments
            .clone()
            .into_par_iter()
            .filter_map(flag)
            .collect();
        report.direct_user_assignments = assignments
            .into_par_iter()
            .filter(|i| t.principal(t.role_assignments[*i].principal).kind == PrincipalKind::User)
            .map(|i| crate::model::AssignmentId(i as u32))
            .collect();
        // What the ranking and the first pass made and dropped (lowercase names and paths,
        // each person's scratch) stays resident in glibc's heap otherwise, under the rows'
        // write buffers: 4 MB of the peak at Azure's limits, for about 10 ms.
        crate::mem::release_freed();
        report
    }

    /// A privileged row as a [`Row`], its grant's role, scope and conditions read again.
    pub fn row(&self, privileged: &PrivilegedRow) -> Row {
        Row {
            principal: privileged.principal,
            grant: (self.access).grant(self.reach_of(privileged), privileged.path.clone()),
            eligible: false,
        }
    }

    /// What reaches a privileged row's person, read again (`through` is 0: the row keeps
    /// its path): the row's facts without making its [`Grant`], for writers that make its
    /// text from them.
    pub fn reach_of(&self, privileged: &PrivilegedRow) -> Reach {
        let (role, scope, conditional) = match privileged.source {
            Source::Assignment(a) => {
                let assigned = self.assigned(a);
                (assigned.role, assigned.scope, assigned.conditional)
            }
            Source::CoAdministrator(s) => {
                let owner = RoleRef::BuiltIn(builtin::owner());
                (owner, self.access.tenant.sub(s).scope, false)
            }
        };
        Reach {
            source: privileged.source,
            role,
            scope,
            eligible: false,
            conditional,
            through: 0,
        }
    }

    /// Every enabled person, in report order.
    pub fn people(&self) -> &[PrincipalId] {
        &self.people
    }

    /// One person's rows, in report order: by scope path, role name, active before eligible.
    pub fn rows_of(&self, p: PrincipalId) -> Vec<Row> {
        let (memberships, reaches) = self.reaches_of(p);
        let mut paths = SharedPaths::new(&memberships);
        reaches
            .into_iter()
            .map(|reach| Row {
                principal: p,
                grant: self.access.grant(reach, paths.of(reach.through)),
                eligible: reach.eligible,
            })
            .collect()
    }

    /// One person's [`Access::memberships`], and what reaches them through those, in the
    /// order of their rows ([`AccessReport::rows_of`] before the rows are made). Sorted per
    /// person, a few dozen each, not as one list of millions.
    pub fn reaches_of(&self, p: PrincipalId) -> (Vec<(PrincipalId, Vec<PrincipalId>)>, Vec<Reach>) {
        let memberships = self.access.memberships(p);
        let mut reaches = Vec::new();
        self.reaches_into(&memberships, &mut ReachScratch::default(), &mut reaches);
        (memberships, reaches)
    }

    /// [`AccessReport::reaches_of`] through memberships already found, into `reaches`
    /// (cleared first), with lists a caller keeps from one person to the next.
    pub fn reaches_into(
        &self,
        memberships: &[(PrincipalId, Vec<PrincipalId>)],
        scratch: &mut ReachScratch,
        reaches: &mut Vec<Reach>,
    ) {
        let ReachScratch { found, order } = scratch;
        found.clear();
        let rows = memberships
            .iter()
            .map(|(h, _)| self.holders[h.index()].rows);
        found.reserve(rows.sum::<u32>() as usize);
        order.clear();
        // By rank, ties in the order found: one integer each to sort, not a lookup per
        // comparison.
        self.reaches_ranked(memberships, |rank, reach, _| {
            order.push((u64::from(rank) << 32) | found.len() as u64);
            found.push(reach);
        });
        order.sort_unstable();
        reaches.clear();
        reaches.extend(order.iter().map(|k| found[*k as u32 as usize]));
    }

    /// The path of every scope a grant is made at (every role assignment's scope, every
    /// subscription), by scope id; empty for the rest. A report names a scope on each of
    /// millions of rows, and spelling it each time was 7% of `canopy access report` at
    /// Azure's limits.
    pub fn scope_paths(&self) -> &ScopePaths {
        &self.scope_paths
    }

    /// The access the report is of.
    pub fn access(&self) -> &Access<'a> {
        self.access
    }

    /// [`Access::reaches`], read from the report's own record of each assignment.
    #[cfg(test)]
    fn reaches(&self, memberships: &[(PrincipalId, Vec<PrincipalId>)], mut f: impl FnMut(Reach)) {
        self.reaches_ranked(memberships, |_, reach, _| f(reach));
    }

    /// [`Access::reaches`], read from the report's own record of each assignment, each with
    /// its rank ([`Assigned::rank`]) and its role's properties.
    fn reaches_ranked(
        &self,
        memberships: &[(PrincipalId, Vec<PrincipalId>)],
        mut f: impl FnMut(u32, Reach, RoleProperties),
    ) {
        for (through, &(holder, _)) in memberships.iter().enumerate() {
            self.holder_reaches(holder, through, &mut f);
        }
    }

    /// [`Access::reaches`] of one membership, read from the report's own records of the
    /// holder's assignments, in the same order, each with its rank and its role's properties.
    fn holder_reaches(
        &self,
        holder: PrincipalId,
        through: usize,
        mut f: impl FnMut(u32, Reach, RoleProperties),
    ) {
        for a in self.held.row(holder.index()).iter().filter(|a| a.in_force) {
            let reach = Reach {
                source: Source::Assignment(a.id),
                role: a.role,
                scope: a.scope,
                eligible: a.eligible,
                conditional: a.conditional,
                through,
            };
            f(a.rank, reach, a.properties);
        }
        (self.access).co_administrator_reaches(holder, through, |s, reach| {
            let rank = self.co_administrator_rank[s.index()];
            f(rank, reach, self.co_administrator);
        });
    }

    /// What the report reads of a role assignment.
    fn assigned(&self, a: AssignmentId) -> &Assigned {
        &self.held.items()[self.position[a.index()] as usize]
    }

    /// Every row, person by person, made as it is read.
    pub fn rows(&self) -> impl Iterator<Item = Row> + '_ {
        self.people.iter().flat_map(|p| self.rows_of(*p))
    }
}

/// For ids below `n`, the rank of each id in `used` by `key` (equal keys, equal ranks); ids
/// not used rank last. Each key is computed once.
///
/// The keys are sorted beside their ids, unstably (equal keys rank equal whatever their
/// order), rather than as positions looking their keys up in another list on each
/// comparison: at Azure's limits the report's ranking took 0.11-0.13 s that way, about
/// 0.09 s this way.
fn dense_ranks<K: Ord + Send + Sync>(
    n: usize,
    used: impl Iterator<Item = usize>,
    key: impl Fn(usize) -> K + Sync,
) -> Vec<u32> {
    let mut seen = vec![false; n];
    let ids: Vec<u32> = used
        .filter(|&i| !std::mem::replace(&mut seen[i], true))
        .map(|i| i as u32)
        .collect();
    let mut keyed: Vec<(K, u32)> = ids.into_par_iter().map(|i| (key(i as usize), i)).collect();
    keyed.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut rank = vec![u32::MAX; n];
    let mut r = 0u32;
    for (k, (key, id)) in keyed.iter().enumerate() {
        if k > 0 && *key != keyed[k - 1].0 {
            r += 1;
        }
        rank[*id as usize] = r;
    }
    rank
}

/// The subscriptions at or below a scope (none below a subscription's own resource groups).
fn subscriptions_at_or_below(t: &Tenant, scope: ScopeId) -> Vec<SubId> {
    let mut out = Vec::new();
    let mut stack = vec![scope];
    while let Some(s) = stack.pop() {
        match t.scopes.kind(s) {
            ScopeKind::Subscription(id) => out.push(id),
            ScopeKind::Tenant | ScopeKind::ManagementGroup(_) => {
                stack.extend_from_slice(t.scopes.children(s));
            }
            ScopeKind::ResourceGroup(_) | ScopeKind::Resource(_) => {}
        }
    }
    out
}

/// The kind of scope, for CSV and JSON consumers.
pub fn scope_kind(t: &Tenant, s: crate::model::ScopeId) -> &'static str {
    match t.scopes.kind(s) {
        ScopeKind::Tenant => "root",
        ScopeKind::ManagementGroup(_) => "managementGroup",
        ScopeKind::Subscription(_) => "subscription",
        ScopeKind::ResourceGroup(_) => "resourceGroup",
        ScopeKind::Resource(_) => "resource",
    }
}

/// Whether a grant came from classic co-administration.
pub fn is_co_administrator(g: &Grant) -> bool {
    matches!(g.source, Source::CoAdministrator(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every built-in role the shortcut says reads only grants no write when every operation
    /// is tried.
    #[test]
    fn roles_that_read_only_write_nothing() {
        let t = Tenant::default();
        let readers: Vec<RoleRef> = builtin::roles()
            .iter()
            .map(RoleRef::BuiltIn)
            .filter(|&role| reads_only(&t, role))
            .collect();
        // Reader and the many `... Reader` roles.
        assert!(readers.len() > 50, "{}", readers.len());
        for role in readers {
            assert!(!writes_any(&t, role), "{}", t.role_name(role));
        }
        let owner = RoleRef::BuiltIn(builtin::owner());
        assert!(!reads_only(&t, owner) && can_write(&t, owner));
    }

    /// A one-file tree holding `assignments` role assignments (all resolved), the bundled
    /// example, and a time to ask at.
    fn tree_and_contoso(
        tree: &str,
        assignments: usize,
    ) -> (crate::Analysis, crate::Analysis, jiff::Timestamp) {
        let entries = vec![crate::Entry {
            name: "t.yaml".into(),
            bytes: tree.as_bytes().to_vec(),
        }];
        let a = crate::load_entries("tree", entries, &crate::Options::default()).unwrap();
        assert_eq!(
            a.tenant.role_assignments.len(),
            assignments,
            "{:#?}",
            a.findings
        );
        let contoso = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/contoso");
        let contoso = crate::load_with(contoso, &crate::Options::default()).unwrap();
        (
            a,
            contoso,
            jiff::Timestamp::from_second(1_800_000_000).unwrap(),
        )
    }

    /// The report's own record of each assignment yields the same reaches, in the same
    /// order, as the model's: expired, eligible, through groups, co-administration.
    #[test]
    fn the_reports_reaches_are_the_models() {
        let tree = "kind: ManagementGroup\nname: root\n---\nkind: User\nname: u\n---\n\
                    kind: User\nname: v\n---\nkind: Group\nname: g\nmembers: [u]\n---\n\
                    kind: Subscription\nname: s\ncoAdministrators: [v]\n---\n\
                    kind: RoleAssignment\nprincipal: u\nrole: Reader\nscope: /\n\
                    endDateTime: 2025-01-01T00:00:00Z\n---\n\
                    kind: RoleAssignment\nprincipal: u\nrole: Contributor\nscope: /subscriptions/s\n\
                    endDateTime: 2099-01-01T00:00:00Z\n---\n\
                    kind: RoleAssignment\nprincipal: g\nrole: Owner\nscope: /\neligible: true\n---\n\
                    kind: RoleAssignment\nprincipal: g\nrole: Reader\nscope: /subscriptions/s\n";
        let (a, contoso, now) = tree_and_contoso(tree, 4);
        for a in [&a, &contoso] {
            let access = Access::new(&a.tenant, now);
            let report = AccessReport::build(&access);
            let facts = |r: Reach| {
                let Reach {
                    source,
                    role,
                    scope,
                    eligible,
                    conditional,
                    through,
                } = r;
                (source, role.key(), scope, eligible, conditional, through)
            };
            let mut seen = 0;
            for &p in report.people() {
                let memberships = access.memberships(p);
                let (mut model, mut own) = (Vec::new(), Vec::new());
                access.reaches(&memberships, |r| model.push(facts(r)));
                report.reaches(&memberships, |r| own.push(facts(r)));
                assert_eq!(model, own);
                seen += own.len();
            }
            assert!(seen >= 3, "{seen}");
        }
    }

    /// The sizes the comments on privileged rows give.
    #[test]
    fn a_privileged_row_is_smaller_than_a_row() {
        assert_eq!(std::mem::size_of::<PrivilegedRow>(), 32);
        assert_eq!(std::mem::size_of::<Row>(), 80);
    }

    /// Each scope's path in the shared buffer is its own, or empty where no grant is made,
    /// however the scopes are split into runs to be spelled.
    #[test]
    fn scope_paths_in_one_buffer_are_each_scope_s_own() {
        let (_, contoso, _) = tree_and_contoso("kind: ManagementGroup\nname: root\n", 0);
        let t = &contoso.tenant;
        assert!(t.scopes.len() > 8, "{}", t.scopes.len());
        let granted_at: Vec<bool> = (0..t.scopes.len()).map(|i| i % 3 != 1).collect();
        for per_run in [1, 2, 5, 4096] {
            let paths = ScopePaths::in_runs(t, &granted_at, per_run);
            assert_eq!(paths.len(), t.scopes.len());
            for (i, &at) in granted_at.iter().enumerate() {
                let path = at.then(|| t.scope_path(ScopeId(i as u32)));
                let path = path.as_deref().unwrap_or("");
                assert_eq!(paths.get(ScopeId(i as u32)), path);
                assert_eq!(paths.bytes(ScopeId(i as u32)), path.as_bytes());
            }
        }
    }

    /// The figures and the privileged lists, added up per holder, are what counting every
    /// person's rows one by one gives: through groups, eligible and expired grants, guests
    /// and service principals who can write, co-administration.
    #[test]
    fn figures_added_up_by_holder_are_the_rows_counted() {
        let tree = "kind: ManagementGroup\nname: root\n---\nkind: User\nname: u\n---\n\
                    kind: User\nname: guest\nuserType: Guest\n---\n\
                    kind: ServicePrincipal\nname: app\n---\n\
                    kind: Group\nname: g\nmembers: [u, guest, app]\n---\n\
                    kind: User\nname: v\n---\n\
                    kind: Subscription\nname: s\ncoAdministrators: [v]\n---\n\
                    kind: RoleAssignment\nprincipal: g\nrole: Contributor\nscope: /subscriptions/s\n---\n\
                    kind: RoleAssignment\nprincipal: g\nrole: Reader\nscope: /\n---\n\
                    kind: RoleAssignment\nprincipal: guest\nrole: User Access Administrator\nscope: /\n---\n\
                    kind: RoleAssignment\nprincipal: app\nrole: Owner\nscope: /\neligible: true\n---\n\
                    kind: RoleAssignment\nprincipal: u\nrole: Owner\nscope: /\n\
                    endDateTime: 2025-01-01T00:00:00Z\n---\n\
                    kind: RoleAssignment\nprincipal: u\nrole: Resource Policy Contributor\nscope: /\n";
        let (a, contoso, now) = tree_and_contoso(tree, 6);
        for a in [&a, &contoso] {
            let t = &a.tenant;
            let access = Access::new(t, now);
            let report = AccessReport::build(&access);
            let (mut rows, mut eligible, mut principals) = (0, 0, 0);
            let (mut roles, mut policy, mut writers) = (Vec::new(), Vec::new(), Vec::new());
            for &p in report.people() {
                let person = t.principal(p);
                let external = person.guest || person.kind == PrincipalKind::ServicePrincipal;
                let mine = report.rows_of(p);
                rows += mine.len();
                eligible += mine.iter().filter(|r| r.eligible).count();
                principals += usize::from(!mine.is_empty());
                for r in mine.iter().filter(|r| !r.eligible) {
                    let role = RoleProperties::of(t, r.grant.role);
                    let key = || (p, r.grant.clone());
                    role.assign_roles.then(|| roles.push(key()));
                    role.assign_policy.then(|| policy.push(key()));
                    (role.writes && external).then(|| writers.push(key()));
                }
            }
            let figures = (report.effective_roles, report.eligible, report.principals);
            assert_eq!(figures, (rows, eligible, principals));
            // Kept compact, each made again into the person's row itself.
            let keys = |rows: &RowRuns| -> Vec<_> {
                let rows = rows.iter().map(|r| report.row(r));
                rows.map(|r| (r.principal, r.grant)).collect()
            };
            let privileged = &report.privileged;
            assert_eq!(keys(&privileged.can_assign_roles), roles);
            assert_eq!(keys(&privileged.can_assign_policy), policy);
            assert_eq!(keys(&privileged.external_writers), writers);
            assert!(!roles.is_empty() && !policy.is_empty() && !writers.is_empty());
        }
    }

    /// A role naming a write it grants is found without the scan, and one naming only a
    /// write its notActions take away is not.
    #[test]
    fn roles_naming_a_write_they_grant_write() {
        let t = Tenant::default();
        let role = |name: &str| RoleRef::BuiltIn(builtin::role_by_name(name).expect(name));
        // `*/read`, `Microsoft.Authorization/*`, `Microsoft.Support/*`: wildcards, so the
        // scan decides.
        let uaa = role("User Access Administrator");
        assert!(!writes_named(&t, uaa) && can_write(&t, uaa));
        // Names `Microsoft.Authorization/roleAssignments/write` outright (Azure's published
        // definition, in ../shared/reference/builtin-roles.json).
        let rbac = role("Role Based Access Control Administrator");
        assert!(writes_named(&t, rbac) && can_write(&t, rbac));
        assert!(!writes_named(&t, role("Reader")));
    }
}
