//! Property tests for effective access: random small tenants, written as YAML trees and loaded
//! the way `canopy` loads any tree, checked against rules that hold whatever the tenant holds.
//! Each test name says the rule.
//!
//! The generator (`spec`) builds a root management group with 0–4 groups below it (at most
//! three levels deep), 1–4 subscriptions (each in a random group or left to the root) with 0–2
//! resource groups of 0–2 resources each (virtual machines, storage accounts, virtual networks)
//! and sometimes a classic co-administrator, 2–6 users and 0–1 service principals (each
//! enabled with probability 0.85), 1–3 security groups whose members are users, service
//! principals and *earlier* groups (so membership nests but never loops), 0–8 distinct role
//! assignments of six real built-in roles at random scopes (some eligible, expired or expiring
//! later, half the Storage Blob Data Reader ones under an ABAC condition), and, where the
//! property allows them, 0–2 deny assignments (Everyone or listed principals, exclusions,
//! control and data actions, notActions, doNotApplyToChildScopes). In 30% of tenants every
//! reference (parents, members, principals, roles, scopes) is spelled in random case. Every
//! principal is checked for every action below (control and data plane) at every scope.
//!
//! 64 cases per property; `PROPTEST_CASES=2000` for a longer hunt.
//!
//! The expectations about the tree (which scope sits below which, who belongs to which group)
//! come from the generator, not from canopy, so they are an independent oracle.

use canopy::access::{Access, Plane};
use canopy::diag::Severity;
use canopy::model::ScopeId;
use canopy::{Analysis, Options};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Cases per property: 64, or `PROPTEST_CASES` when set (for a longer hunt).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64)
}

fn now() -> jiff::Timestamp {
    "2026-11-25T00:00:00Z".parse().unwrap()
}

const ROLES: &[&str] = &[
    "Reader",
    "Contributor",
    "Owner",
    "Virtual Machine Contributor",
    "Storage Blob Data Reader",
    "User Access Administrator",
];
const BLOB_READER: usize = 4;
/// Role draws: Storage Blob Data Reader twice as often, so conditional grants are common.
const ROLE_DRAWS: &[usize] = &[0, 1, 2, 3, 4, 4, 5];

const ACTIONS: &[&str] = &[
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Compute/virtualMachines/delete",
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
];

const RESOURCE_TYPES: &[&str] = &[
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.Network/virtualNetworks",
];

/// Control-plane pattern lists a generated deny may carry (index 0: none).
const DENY_ACTIONS: &[&[&str]] = &[
    &[],
    &["*"],
    &["*/read"],
    &["Microsoft.Compute/*/delete"],
    &["Microsoft.Authorization/*/write"],
    &["Microsoft.Compute/virtualMachines/*"],
];
const DENY_NOT_ACTIONS: &[&[&str]] = &[&[], &["Microsoft.Compute/virtualMachines/read"]];
const DENY_DATA_ACTIONS: &[&[&str]] = &[
    &[],
    &["*"],
    &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
];
const DENY_NOT_DATA_ACTIONS: &[&[&str]] = &[
    &[],
    &["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write"],
];

const CONDITION: &str =
    "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'";

// ---------------------------------------------------------------------------------------------
// The generated tenant.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Active,
    Eligible,
    /// Ended before `now`: grants nothing.
    Expired,
    /// Ends after `now`: still in force.
    Expiring,
}

#[derive(Clone, Debug)]
struct Ra {
    /// Index into `Spec::principal_names()`.
    principal: usize,
    role: usize,
    /// Index into `Spec::scopes()`.
    scope: usize,
    kind: Kind,
    condition: bool,
}

#[derive(Clone, Debug)]
struct Deny {
    scope: usize,
    /// `None`: Everyone.
    principals: Option<Vec<usize>>,
    exclude: Vec<usize>,
    actions: &'static [&'static str],
    not_actions: &'static [&'static str],
    data_actions: &'static [&'static str],
    not_data_actions: &'static [&'static str],
    no_children: bool,
}

#[derive(Clone, Debug)]
struct Sub {
    /// Index into the management groups; `None` leaves `parent` out (the root group).
    parent: Option<usize>,
    /// Resource groups, each a list of resource types (indices into `RESOURCE_TYPES`).
    rgs: Vec<Vec<usize>>,
    /// Classic co-administrators (user indices): Owner at the subscription.
    co_admins: Vec<usize>,
}

#[derive(Clone, Debug)]
struct Spec {
    /// Parent (index into management groups) of each group after the root (index 0).
    mg_parents: Vec<usize>,
    subs: Vec<Sub>,
    /// Users' `enabled`.
    users: Vec<bool>,
    /// Service principals' `enabled`.
    sps: Vec<bool>,
    /// Each group's members, as principal indices (users, then service principals, then
    /// groups; a group only holds groups declared before it).
    groups: Vec<Vec<usize>>,
    assignments: Vec<Ra>,
    denies: Vec<Deny>,
    /// When set, every reference (parents, members, principals, roles, scopes) is spelled in
    /// a random mix of cases drawn from this seed: Azure compares them case-insensitively.
    spelling: Option<u64>,
}

/// One scope of the generated tree: its Azure path and its parent (index).
struct ScopeSpec {
    path: String,
    parent: Option<usize>,
}

impl Spec {
    fn mg_name(i: usize) -> String {
        if i == 0 {
            "root".into()
        } else {
            format!("mg{i}")
        }
    }

    fn principal_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        names.extend((0..self.users.len()).map(|i| format!("u{i}")));
        names.extend((0..self.sps.len()).map(|i| format!("sp{i}")));
        names.extend((0..self.groups.len()).map(|i| format!("g{i}")));
        names
    }

    fn first_group(&self) -> usize {
        self.users.len() + self.sps.len()
    }

    /// Every scope, `/` first, each after its parent.
    fn scopes(&self) -> Vec<ScopeSpec> {
        let mut out = vec![ScopeSpec {
            path: "/".into(),
            parent: None,
        }];
        let mg_scope = |i: usize| i + 1;
        for i in 0..=self.mg_parents.len() {
            out.push(ScopeSpec {
                path: format!(
                    "/providers/Microsoft.Management/managementGroups/{}",
                    Spec::mg_name(i)
                ),
                parent: Some(if i == 0 {
                    0
                } else {
                    mg_scope(self.mg_parents[i - 1])
                }),
            });
        }
        for (s, sub) in self.subs.iter().enumerate() {
            let sub_path = format!("/subscriptions/sub{s}");
            let sub_scope = out.len();
            out.push(ScopeSpec {
                path: sub_path.clone(),
                parent: Some(mg_scope(sub.parent.unwrap_or(0))),
            });
            for (g, rg) in sub.rgs.iter().enumerate() {
                let rg_path = format!("{sub_path}/resourceGroups/rg{g}");
                let rg_scope = out.len();
                out.push(ScopeSpec {
                    path: rg_path.clone(),
                    parent: Some(sub_scope),
                });
                for (r, ty) in rg.iter().enumerate() {
                    out.push(ScopeSpec {
                        path: format!("{rg_path}/providers/{}/res{r}", RESOURCE_TYPES[*ty]),
                        parent: Some(rg_scope),
                    });
                }
            }
        }
        out
    }

    /// For each scope, the set of scopes at or below it.
    fn subtrees(&self) -> Vec<BTreeSet<usize>> {
        let scopes = self.scopes();
        let mut out: Vec<BTreeSet<usize>> = (0..scopes.len()).map(|i| [i].into()).collect();
        for i in 0..scopes.len() {
            let mut up = scopes[i].parent;
            while let Some(p) = up {
                out[p].insert(i);
                up = scopes[p].parent;
            }
        }
        out
    }

    /// The principal and every group that holds it, directly or through nested groups.
    fn memberships(&self, p: usize) -> BTreeSet<usize> {
        let first = self.first_group();
        let mut out = BTreeSet::from([p]);
        loop {
            let before = out.len();
            for (g, members) in self.groups.iter().enumerate() {
                if members.iter().any(|m| out.contains(m)) {
                    out.insert(first + g);
                }
            }
            if out.len() == before {
                return out;
            }
        }
    }

    /// The YAML documents of the tree, in a fixed order.
    fn documents(&self) -> Vec<String> {
        let mut rng = self.spelling.map(SplitMix);
        let mut spell = |s: &str| -> String {
            match &mut rng {
                None => s.to_string(),
                Some(rng) => s
                    .chars()
                    .map(|c| match rng.below(3) {
                        0 => c.to_ascii_uppercase(),
                        1 => c.to_ascii_lowercase(),
                        _ => c,
                    })
                    .collect(),
            }
        };
        let names: Vec<String> = self.principal_names();
        let scopes: Vec<String> = self.scopes().into_iter().map(|s| s.path).collect();
        let mut docs = Vec::new();
        docs.push("kind: ManagementGroup\nname: root\n".to_string());
        for (i, p) in self.mg_parents.iter().enumerate() {
            docs.push(format!(
                "kind: ManagementGroup\nname: {}\nparent: {}\n",
                Spec::mg_name(i + 1),
                spell(&Spec::mg_name(*p))
            ));
        }
        for (s, sub) in self.subs.iter().enumerate() {
            let mut d = format!("kind: Subscription\nname: sub{s}\n");
            if let Some(p) = sub.parent {
                d += &format!("parent: {}\n", spell(&Spec::mg_name(p)));
            }
            if !sub.co_admins.is_empty() {
                let list: Vec<String> = sub.co_admins.iter().map(|u| spell(&names[*u])).collect();
                d += &format!("coAdministrators: [{}]\n", list.join(", "));
            }
            if !sub.rgs.is_empty() {
                d += "resourceGroups:\n";
                for (g, rg) in sub.rgs.iter().enumerate() {
                    d += &format!("  - name: rg{g}\n");
                    if !rg.is_empty() {
                        d += "    resources:\n";
                        for (r, ty) in rg.iter().enumerate() {
                            d += &format!(
                                "      - {{name: res{r}, type: {}}}\n",
                                RESOURCE_TYPES[*ty]
                            );
                        }
                    }
                }
            }
            docs.push(d);
        }
        for (i, enabled) in self.users.iter().enumerate() {
            docs.push(format!("kind: User\nname: u{i}\nenabled: {enabled}\n"));
        }
        for (i, enabled) in self.sps.iter().enumerate() {
            docs.push(format!(
                "kind: ServicePrincipal\nname: sp{i}\nenabled: {enabled}\n"
            ));
        }
        for (g, members) in self.groups.iter().enumerate() {
            let list: Vec<String> = members.iter().map(|m| spell(&names[*m])).collect();
            docs.push(format!(
                "kind: Group\nname: g{g}\nmembers: [{}]\n",
                list.join(", ")
            ));
        }
        for a in &self.assignments {
            let mut d = format!(
                "kind: RoleAssignment\nprincipal: {}\nrole: {}\nscope: {}\n",
                spell(&names[a.principal]),
                spell(ROLES[a.role]),
                spell(&scopes[a.scope])
            );
            match a.kind {
                Kind::Active => {}
                Kind::Eligible => d += "type: Eligible\n",
                Kind::Expired => d += "endDateTime: 2025-01-01T00:00:00Z\n",
                Kind::Expiring => d += "endDateTime: 2030-01-01T00:00:00Z\n",
            }
            if a.condition {
                d += &format!("condition: \"{CONDITION}\"\nconditionVersion: '2.0'\n");
            }
            docs.push(d);
        }
        let list = |l: &[&str]| {
            let quoted: Vec<String> = l.iter().map(|s| format!("'{s}'")).collect();
            format!("[{}]", quoted.join(", "))
        };
        for (i, d) in self.denies.iter().enumerate() {
            let principals = match &d.principals {
                None => spell("Everyone"),
                Some(ps) => ps
                    .iter()
                    .map(|p| spell(&names[*p]))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            let mut doc = format!(
                "kind: DenyAssignment\nname: deny{i}\nscope: {}\nprincipals: [{principals}]\n",
                spell(&scopes[d.scope])
            );
            if !d.exclude.is_empty() {
                let ex: Vec<String> = d.exclude.iter().map(|p| spell(&names[*p])).collect();
                doc += &format!("excludePrincipals: [{}]\n", ex.join(", "));
            }
            for (field, l) in [
                ("actions", d.actions),
                ("notActions", d.not_actions),
                ("dataActions", d.data_actions),
                ("notDataActions", d.not_data_actions),
            ] {
                if !l.is_empty() {
                    doc += &format!("{field}: {}\n", list(l));
                }
            }
            if d.no_children {
                doc += "doNotApplyToChildScopes: true\n";
            }
            docs.push(doc);
        }
        docs
    }

    /// Whether an assignment for the same principal, role and scope exists already (Azure
    /// refuses a second one, and canopy reports it as an error).
    fn has_assignment(&self, a: &Ra) -> bool {
        self.assignments
            .iter()
            .any(|b| (b.principal, b.role, b.scope) == (a.principal, a.role, a.scope))
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies. Sizes are drawn first; references are `Index`es resolved against them, so every
// draw is a valid tenant and shrinking keeps it valid.

type RawRa = (Index, usize, Index, Kind, bool);
type RawDeny = (
    Index,
    Option<Vec<Index>>,
    Vec<Index>,
    usize,
    usize,
    usize,
    usize,
    bool,
);

fn raw_ra() -> impl Strategy<Value = RawRa> {
    (
        any::<Index>(),
        prop::sample::select(ROLE_DRAWS),
        any::<Index>(),
        prop_oneof![
            6 => Just(Kind::Active),
            1 => Just(Kind::Eligible),
            1 => Just(Kind::Expired),
            1 => Just(Kind::Expiring),
        ],
        prop::bool::weighted(0.5),
    )
}

fn raw_deny() -> impl Strategy<Value = RawDeny> {
    (
        any::<Index>(),
        prop::option::weighted(0.6, vec(any::<Index>(), 1..=2)),
        vec(any::<Index>(), 0..=2),
        0..DENY_ACTIONS.len(),
        0..DENY_NOT_ACTIONS.len(),
        0..DENY_DATA_ACTIONS.len(),
        0..DENY_NOT_DATA_ACTIONS.len(),
        prop::bool::weighted(0.25),
    )
        .prop_map(|(s, p, x, a, na, da, nda, nc)| {
            // A deny with nothing to deny is pointless: give it every action.
            let a = if a == 0 && da == 0 { 1 } else { a };
            (s, p, x, a, na, da, nda, nc)
        })
}

impl Spec {
    fn ra(&self, (p, role, s, kind, condition): RawRa) -> Ra {
        Ra {
            principal: p.index(self.principal_names().len()),
            role,
            scope: s.index(self.scopes().len()),
            kind,
            // Azure allows conditions on storage data roles; the generator puts them there.
            condition: condition && role == BLOB_READER,
        }
    }

    fn deny(&self, (s, p, x, a, na, da, nda, nc): RawDeny) -> Deny {
        let n = self.principal_names().len();
        let dedup = |v: Vec<usize>| {
            v.into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        };
        Deny {
            scope: s.index(self.scopes().len()),
            principals: p.map(|p| dedup(p.iter().map(|i| i.index(n)).collect())),
            exclude: dedup(x.iter().map(|i| i.index(n)).collect()),
            actions: DENY_ACTIONS[a],
            not_actions: DENY_NOT_ACTIONS[na],
            data_actions: DENY_DATA_ACTIONS[da],
            not_data_actions: DENY_NOT_DATA_ACTIONS[nda],
            no_children: nc,
        }
    }
}

fn spec(max_denies: usize) -> impl Strategy<Value = Spec> {
    (
        vec(any::<Index>(), 0..=4),
        vec(
            (
                prop::option::of(any::<Index>()),
                vec(vec(0..RESOURCE_TYPES.len(), 0..=2), 0..=2),
                prop::option::weighted(0.2, any::<Index>()),
            ),
            1..=4,
        ),
        vec(prop::bool::weighted(0.85), 2..=6),
        vec(prop::bool::weighted(0.85), 0..=1),
        vec(vec(any::<Index>(), 0..=3), 1..=3),
        vec(raw_ra(), 0..=8),
        vec(raw_deny(), 0..=max_denies),
        prop::option::weighted(0.3, any::<u64>()),
    )
        .prop_map(|(mgs, subs, users, sps, groups, ras, denies, spelling)| {
            // Management groups: a parent among earlier groups less than three levels deep.
            let mut depth = vec![0usize];
            let mut mg_parents = Vec::new();
            for pick in mgs {
                let shallow: Vec<usize> = (0..depth.len()).filter(|i| depth[*i] < 3).collect();
                let parent = shallow[pick.index(shallow.len())];
                mg_parents.push(parent);
                depth.push(depth[parent] + 1);
            }
            let subs = subs
                .into_iter()
                .map(|(parent, rgs, co_admin)| Sub {
                    parent: parent.map(|p| p.index(depth.len())),
                    rgs,
                    co_admins: co_admin.map(|u| u.index(users.len())).into_iter().collect(),
                })
                .collect();
            let individuals = users.len() + sps.len();
            let groups = groups
                .iter()
                .enumerate()
                .map(|(g, members)| {
                    // Users, service principals, and groups declared before this one.
                    let candidates = individuals + g;
                    members
                        .iter()
                        .map(|m| m.index(candidates))
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect()
                })
                .collect();
            let mut spec = Spec {
                mg_parents,
                subs,
                users,
                sps,
                groups,
                assignments: Vec::new(),
                denies: Vec::new(),
                spelling,
            };
            for raw in ras {
                let a = spec.ra(raw);
                if !spec.has_assignment(&a) {
                    spec.assignments.push(a);
                }
            }
            spec.denies = denies.into_iter().map(|d| spec.deny(d)).collect();
            spec
        })
}

// ---------------------------------------------------------------------------------------------
// Loading and evaluating.

/// Writes `files` (relative path, text) to a fresh folder and loads it.
fn load_files(files: &[(String, String)]) -> Analysis {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("access_props")
        .join(format!(
            "{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let a = canopy::load_with(&dir, &Options { now: Some(now()) }).expect("tree loads");
    let _ = std::fs::remove_dir_all(&dir);
    a
}

/// The spec's documents as one file, loaded, with the tree checked against the spec.
fn load(spec: &Spec) -> Analysis {
    let a = load_files(&[("tenant.yaml".into(), spec.documents().join("---\n"))]);
    assert_matches_spec(&a, spec);
    a
}

/// The loaded tree is valid (no errors) and has exactly the spec's scopes and parents.
fn assert_matches_spec(a: &Analysis, spec: &Spec) {
    let errors: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{}: {}", f.code.as_str(), f.message))
        .collect();
    assert!(
        errors.is_empty(),
        "generated tree has errors: {errors:#?}\n{}",
        spec.documents().join("---\n")
    );
    let t = &a.tenant;
    let scopes = spec.scopes();
    assert_eq!(t.scopes.len(), scopes.len(), "scope count");
    let ids = scope_ids(a, spec);
    for (i, s) in scopes.iter().enumerate() {
        assert_eq!(
            t.scopes.parent(ids[i]),
            s.parent.map(|p| ids[p]),
            "parent of {}",
            s.path
        );
    }
    for name in spec.principal_names() {
        assert!(t.find_principal(&name).is_some(), "principal {name}");
    }
}

fn scope_ids(a: &Analysis, spec: &Spec) -> Vec<ScopeId> {
    spec.scopes()
        .iter()
        .map(|s| {
            a.tenant
                .resolve_scope(&s.path)
                .unwrap_or_else(|e| panic!("scope {}: {e:?}", s.path))
        })
        .collect()
}

/// What the properties compare of a decision.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    allowed: bool,
    conditional: bool,
    disabled: bool,
    /// (role name, path of the assignment's scope) of every grant.
    grants: BTreeSet<(String, String)>,
}

/// (principal index, action index, scope index) → outcome, for every combination.
type Table = BTreeMap<(usize, usize, usize), Outcome>;

fn table(a: &Analysis, spec: &Spec) -> Table {
    let t = &a.tenant;
    let access = Access::new(t, now());
    let ids = scope_ids(a, spec);
    let mut out = Table::new();
    for (p, name) in spec.principal_names().iter().enumerate() {
        let pid = t.find_principal(name).unwrap();
        for (x, action) in ACTIONS.iter().enumerate() {
            let plane = Plane::of(action).unwrap_or_else(|| panic!("{action} is published"));
            for (s, id) in ids.iter().enumerate() {
                let d = access.check(pid, action, plane, *id);
                let grants = d
                    .grants
                    .iter()
                    .map(|g| {
                        (
                            t.role_name(g.role).to_string(),
                            t.scope_path(g.scope).to_string(),
                        )
                    })
                    .collect();
                out.insert(
                    (p, x, s),
                    Outcome {
                        allowed: d.allowed,
                        conditional: d.conditional,
                        disabled: d.disabled,
                        grants,
                    },
                );
            }
        }
    }
    out
}

/// A readable name for a table key, for failure messages.
fn describe(spec: &Spec, (p, x, s): (usize, usize, usize)) -> String {
    format!(
        "{} / {} / {}",
        spec.principal_names()[p],
        ACTIONS[x],
        spec.scopes()[s].path
    )
}

/// A small deterministic generator for shuffles (so a failing case shrinks to a seed).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// The properties.

proptest! {
    // No regression files in the source tree: a failure prints its shrunk case, which belongs
    // in the test (as an `#[ignore]`d case or a unit test), not in a side file.
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn adding_an_assignment_never_removes_access(spec in spec(2), extra in raw_ra()) {
        let extra = spec.ra(extra);
        prop_assume!(!spec.has_assignment(&extra));
        let before = table(&load(&spec), &spec);
        let mut more = spec.clone();
        more.assignments.push(extra.clone());
        let after = table(&load(&more), &more);
        for (key, b) in &before {
            let a = &after[key];
            prop_assert!(
                !b.allowed || a.allowed,
                "{} was allowed and is not after adding {:?}",
                describe(&spec, *key),
                extra
            );
            // Nor does it make an unconditional grant conditional.
            prop_assert!(
                !b.allowed || b.conditional || !a.conditional,
                "{} was unconditional and is conditional after adding {:?}",
                describe(&spec, *key),
                extra
            );
        }
    }

    #[test]
    fn access_at_a_scope_implies_access_below_it_when_no_deny_applies(spec in spec(0)) {
        let out = table(&load(&spec), &spec);
        let subtrees = spec.subtrees();
        for ((p, x, s), o) in &out {
            if !o.allowed {
                continue;
            }
            for below in &subtrees[*s] {
                let b = &out[&(*p, *x, *below)];
                prop_assert!(
                    b.allowed,
                    "{} is allowed but not at {} below it",
                    describe(&spec, (*p, *x, *s)),
                    spec.scopes()[*below].path
                );
                // An unconditional grant reaches every scope below it too.
                prop_assert!(
                    o.conditional || !b.conditional,
                    "{} is unconditional but conditional at {} below it",
                    describe(&spec, (*p, *x, *s)),
                    spec.scopes()[*below].path
                );
            }
        }
    }

    #[test]
    fn the_answer_is_independent_of_file_order_and_document_split(
        spec in spec(2),
        seed in any::<u64>(),
    ) {
        let docs = spec.documents();
        // One file, in the generator's order.
        let one = load_files(&[("all.yaml".into(), docs.join("---\n"))]);
        // One file per document.
        let per_doc: Vec<(String, String)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (format!("d{i:03}.yaml"), d.clone()))
            .collect();
        let split = load_files(&per_doc);
        // Shuffled, then cut into a few files, some in nested folders, in a shuffled order.
        let mut rng = SplitMix(seed);
        let mut order: Vec<usize> = (0..docs.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        let mut files: Vec<Vec<String>> = vec![Vec::new()];
        for i in order {
            if !files.last().unwrap().is_empty() && rng.below(3) == 0 {
                files.push(Vec::new());
            }
            files.last_mut().unwrap().push(docs[i].clone());
        }
        let mut names: Vec<usize> = (0..files.len()).collect();
        for i in (1..names.len()).rev() {
            names.swap(i, rng.below(i + 1));
        }
        let shuffled_files: Vec<(String, String)> = files
            .iter()
            .zip(&names)
            .map(|(f, n)| {
                let name = if n % 2 == 0 {
                    format!("f{n:02}.yaml")
                } else {
                    format!("sub{}/f{n:02}.yml", n % 3)
                };
                (name, f.join("---\n"))
            })
            .collect();
        let shuffled = load_files(&shuffled_files);

        for a in [&one, &split, &shuffled] {
            assert_matches_spec(a, &spec);
        }
        let reference = table(&one, &spec);
        for (layout, a) in [("one file per document", &split), ("shuffled files", &shuffled)] {
            let other = table(a, &spec);
            for (key, o) in &reference {
                let p = &other[key];
                prop_assert_eq!(
                    (o.allowed, o.conditional, &o.grants),
                    (p.allowed, p.conditional, &p.grants),
                    "{} differs between one file and {} ({:?})",
                    describe(&spec, *key),
                    layout,
                    shuffled_files.iter().map(|(n, _)| n).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn a_matching_deny_always_wins(
        spec in spec(2),
        at in any::<Index>(),
        exclude in vec(any::<Index>(), 0..=2),
    ) {
        let n = spec.principal_names().len();
        let at = at.index(spec.scopes().len());
        let exclude: Vec<usize> = exclude
            .iter()
            .map(|i| i.index(n))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let before = table(&load(&spec), &spec);
        let mut denied = spec.clone();
        denied.denies.push(Deny {
            scope: at,
            principals: None,
            exclude: exclude.clone(),
            actions: &["*"],
            not_actions: &[],
            data_actions: &["*"],
            not_data_actions: &[],
            no_children: false,
        });
        let after = table(&load(&denied), &denied);
        let below = &spec.subtrees()[at];
        for ((p, x, s), o) in &after {
            let excluded = spec.memberships(*p).iter().any(|m| exclude.contains(m));
            let key = describe(&spec, (*p, *x, *s));
            if below.contains(s) && !excluded {
                prop_assert!(!o.allowed, "{} is allowed under a deny of everything", key);
            } else {
                // Where the deny does not reach, or for whom it excludes, nothing changes.
                prop_assert_eq!(
                    o.allowed,
                    before[&(*p, *x, *s)].allowed,
                    "{} changed though the deny does not apply (excluded: {})",
                    key,
                    excluded
                );
            }
        }
    }

    #[test]
    fn disabled_principals_get_nothing(
        spec in spec(2),
        who in any::<Index>(),
        group in any::<Index>(),
        direct in any::<bool>(),
    ) {
        // The user is enabled, in a group that holds Owner at `/`, and (sometimes) holds a data
        // role itself: it has plenty to lose.
        let mut spec = spec;
        let user = who.index(spec.users.len());
        spec.users[user] = true;
        let g = group.index(spec.groups.len());
        if !spec.memberships(user).contains(&(spec.first_group() + g)) {
            spec.groups[g].push(user);
        }
        let owner = Ra {
            principal: spec.first_group() + g,
            role: 2,
            scope: 0,
            kind: Kind::Active,
            condition: false,
        };
        let blob = Ra {
            principal: user,
            role: BLOB_READER,
            ..owner.clone()
        };
        for a in std::iter::once(owner).chain(direct.then_some(blob)) {
            // Replace an assignment of the same principal, role and scope (it may be eligible).
            spec.assignments
                .retain(|b| (b.principal, b.role, b.scope) != (a.principal, a.role, a.scope));
            spec.assignments.push(a);
        }
        let before = table(&load(&spec), &spec);
        let root_read = (user, 0, 0);
        prop_assert!(
            !before[&root_read].grants.is_empty(),
            "u{} is in g{} which holds Owner at /, yet has no grant there",
            user,
            g
        );

        let mut disabled = spec.clone();
        disabled.users[user] = false;
        let after = table(&load(&disabled), &disabled);
        for ((p, x, s), o) in &after {
            let key = describe(&spec, (*p, *x, *s));
            if *p == user {
                prop_assert!(!o.allowed && o.disabled, "{} for a disabled user: {:?}", key, o);
            } else {
                // Everyone else keeps what they had, the user's groups included.
                prop_assert_eq!(o, &before[&(*p, *x, *s)], "{} changed", key);
            }
        }
    }
}
