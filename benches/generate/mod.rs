//! A deterministic generator of a large, realistic tenant tree that checks clean.
//!
//! No randomness crate: a xorshift64* generator with a fixed seed, so the same parameters always
//! write the same bytes. The tree is laid out like a real governance repository:
//!
//! ```text
//! README.md                              (not YAML: skipped by the walk)
//! hierarchy/_root.yaml                   root group, intermediate root, top-level branches
//! hierarchy/<branch>.yaml                one file per level-3 branch and everything below it
//! subscriptions/<subscription>.yaml      one per subscription, with resource groups and resources
//! principals/users-NN.yaml               1,000 users per file
//! principals/groups-NN.yaml              1,000 groups per file (nested membership)
//! principals/service-principals-NN.yaml  1,000 service principals per file
//! roles/<role>.yaml                      one custom role per file
//! assignments/management-groups.yaml     role assignments at management groups
//! assignments/<subscription>.yaml        role assignments in each subscription
//! policies/definitions/<name>.yaml       one policy definition per file
//! policies/assignments/*.yaml            policy assignments, by scope kind
//! policies/exemptions.yaml               policy exemptions (all expire in 2099)
//! ```
//!
//! Every Azure limit canopy checks is respected (depth ≤ 6 below the root, ≤ 500 role
//! assignments at a management group, ≤ 4,000 per subscription, no duplicate assignments,
//! custom roles only within their assignableScopes and never at management groups, no
//! assignments to disabled principals or distribution lists, no expired exemptions), so the
//! tree checks clean: zero errors and zero warnings.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Bumped whenever the generator's output changes, so that a kept tree is regenerated.
pub const GENERATOR_VERSION: u32 = 2;

/// Azure's hard limits the generator must stay under.
const MAX_MANAGEMENT_GROUPS: usize = 10_000;
const MAX_CUSTOM_ROLES: usize = 5_000;
const MG_ASSIGNMENT_LIMIT: usize = 500;
const SUB_ASSIGNMENT_LIMIT: usize = 4_000;
const MAX_LEVEL: usize = 6;

/// What to generate. `Default` is the reference tenant; [`Params::scaled`] multiplies counts.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub management_groups: usize,
    pub subscriptions: usize,
    pub users: usize,
    pub groups: usize,
    pub service_principals: usize,
    pub custom_roles: usize,
    pub role_assignments: usize,
    pub policy_definitions: usize,
    pub policy_assignments: usize,
    pub policy_exemptions: usize,
    /// Resources in all, spread over the subscriptions' resource groups (about).
    pub resources: usize,
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            management_groups: 1_000,
            subscriptions: 1_000,
            users: 20_000,
            groups: 2_000,
            service_principals: 500,
            custom_roles: 50,
            role_assignments: 40_000,
            policy_definitions: 10,
            policy_assignments: 300,
            policy_exemptions: 50,
            resources: 48_000,
            seed: 0x5eed_cafe_f00d_d00d,
        }
    }
}

impl Params {
    /// The default counts multiplied by `scale` (each at least 1, and within Azure's limits).
    pub fn scaled(scale: f64) -> Params {
        let d = Params::default();
        let s = |n: usize| ((n as f64 * scale).round() as usize).max(1);
        Params {
            management_groups: s(d.management_groups).min(MAX_MANAGEMENT_GROUPS),
            subscriptions: s(d.subscriptions),
            users: s(d.users),
            groups: s(d.groups),
            service_principals: s(d.service_principals),
            custom_roles: s(d.custom_roles).min(MAX_CUSTOM_ROLES),
            role_assignments: s(d.role_assignments),
            policy_definitions: s(d.policy_definitions),
            policy_assignments: s(d.policy_assignments),
            policy_exemptions: s(d.policy_exemptions),
            resources: s(d.resources),
            seed: d.seed,
        }
    }

    /// A tenant at Azure's limits (10,000 management groups, 10,000 subscriptions, 100,000
    /// users, 10,000 groups, 200,000 role assignments), the counts multiplied by `scale`:
    /// what the import and report benchmarks measure.
    /// The issue #10 scales by name: `small`, `medium` (the default), `large`, `limits`.
    #[allow(dead_code)] // not every benchmark takes a named scale
    pub fn named(name: &str) -> Option<Params> {
        let d = Params::default();
        let large = Params {
            management_groups: 5_000,
            subscriptions: 5_000,
            users: 100_000,
            groups: 10_000,
            service_principals: 2_500,
            custom_roles: 200,
            role_assignments: 200_000,
            policy_definitions: 20,
            policy_assignments: 500,
            policy_exemptions: 100,
            resources: 400_000,
            ..d
        };
        Some(match name {
            "small" => Params {
                management_groups: 50,
                subscriptions: 40,
                users: 500,
                groups: 50,
                service_principals: 20,
                custom_roles: 5,
                role_assignments: 1_000,
                policy_definitions: 5,
                policy_assignments: 20,
                policy_exemptions: 5,
                resources: 1_000,
                ..d
            },
            "medium" => d,
            "large" => large,
            // 10,000 groups fill every level to depth 6 (level_sizes spreads them).
            "limits" => Params {
                management_groups: MAX_MANAGEMENT_GROUPS,
                subscriptions: 10_000,
                ..large
            },
            _ => return None,
        })
    }

    /// The import and report benchmarks' tenant: Azure's limits of groups and subscriptions,
    /// with 50,000 resources (the exports' volume is in the assignments).
    #[allow(dead_code)] // not every benchmark measures the limits
    pub fn limits(scale: f64) -> Params {
        let s = |n: usize| ((n as f64 * scale).round() as usize).max(1);
        Params {
            management_groups: s(10_000).min(MAX_MANAGEMENT_GROUPS),
            subscriptions: s(10_000),
            users: s(100_000),
            groups: s(10_000),
            service_principals: s(5_000),
            custom_roles: s(200).min(MAX_CUSTOM_ROLES),
            role_assignments: s(200_000),
            policy_definitions: s(20),
            policy_assignments: s(500),
            policy_exemptions: s(100),
            resources: s(50_000),
            ..Params::default()
        }
    }

    /// A one-line fingerprint of the parameters and the generator, stored beside the tree.
    pub fn fingerprint(&self) -> String {
        format!("canopy-bench-generator v{GENERATOR_VERSION} {self:?}")
    }
}

/// What was written.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub files: usize,
    pub bytes: usize,
    pub documents: usize,
    /// Documents per kind, in a stable order.
    pub per_kind: BTreeMap<&'static str, usize>,
    pub resource_groups: usize,
    pub resources: usize,
    pub group_memberships: usize,
    /// Deepest management-group level below the root.
    pub max_level: usize,
    /// Most role assignments at one management group, and in one subscription.
    pub max_at_mg: usize,
    pub max_in_sub: usize,
}

// ---------------------------------------------------------------------------------------------
// Randomness: xorshift64*, fixed seed.

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `0..n` (n > 0); the tiny modulo bias does not matter here.
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Skewed towards low indices (a few principals hold many assignments).
    pub fn skewed(&mut self, n: usize) -> usize {
        let a = self.below(n);
        let b = self.below(n);
        a.min(b)
    }
    /// A version-4-shaped GUID, lowercase.
    pub fn guid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a & 0xfff) as u16,
            8 + (b >> 62) as u8,
            ((b >> 48) & 0xfff) as u16,
            b & 0xffff_ffff_ffff
        )
    }
}

/// Picks an index by weight, with a prefix-sum table.
struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    fn new(weights: impl IntoIterator<Item = u64>) -> Weighted {
        let mut total = 0;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Weighted { cumulative }
    }
    fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("weights");
        let x = rng.next_u64() % total;
        self.cumulative.partition_point(|&c| c <= x)
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary.

const TENANT_DOMAIN: &str = "contoso.com";

const BRANCHES: &[(&str, &str)] = &[
    ("platform", "Platform"),
    ("landing-zones", "Landing Zones"),
    ("sandbox", "Sandbox"),
    ("decommissioned", "Decommissioned"),
];

const UNITS: &[&str] = &[
    "finance",
    "hr",
    "sales",
    "marketing",
    "retail",
    "logistics",
    "research",
    "legal",
    "manufacturing",
    "support",
    "security",
    "identity",
    "connectivity",
    "management",
    "data",
    "analytics",
    "payments",
    "mobile",
    "web",
    "iot",
    "ml",
    "erp",
    "crm",
    "devops",
];

const APPS: &[&str] = &[
    "payroll",
    "ledger",
    "billing",
    "catalog",
    "checkout",
    "search",
    "portal",
    "gateway",
    "reporting",
    "warehouse",
    "pricing",
    "inventory",
    "crm",
    "kyc",
    "fraud",
    "chat",
    "docs",
    "wiki",
    "intranet",
    "telemetry",
    "backup",
    "mail",
    "etl",
    "lakehouse",
    "orders",
    "shipping",
];

const ENVS: &[&str] = &["prod", "nonprod", "dev", "test", "uat", "qa"];

const LOCATIONS: &[&str] = &[
    "westeurope",
    "northeurope",
    "swedencentral",
    "uksouth",
    "germanywestcentral",
    "eastus",
    "eastus2",
    "westus2",
    "centralus",
    "southeastasia",
];

const FIRST: &[&str] = &[
    "anna", "ben", "carla", "david", "elena", "felix", "grace", "hugo", "ines", "jonas", "karin",
    "liam", "maria", "noah", "olivia", "paul", "quinn", "rosa", "sven", "tara", "uma", "victor",
    "wendy", "xavier", "yara", "zoe", "amir", "beatriz", "chen", "dmitri", "emeka", "fatima",
    "gustav", "hana", "ivan", "jia", "kofi", "lucia", "mateo", "nadia", "omar", "priya", "raj",
    "sofia", "tomas", "ana", "kenji", "leila", "marek", "nina",
];

const LAST: &[&str] = &[
    "smith",
    "mueller",
    "garcia",
    "rossi",
    "kowalski",
    "nguyen",
    "johansson",
    "dubois",
    "silva",
    "tanaka",
    "okafor",
    "novak",
    "jensen",
    "fischer",
    "moreau",
    "santos",
    "kim",
    "ivanova",
    "haddad",
    "patel",
    "schmidt",
    "berg",
    "lopez",
    "weber",
    "costa",
    "yilmaz",
    "murphy",
    "li",
    "wang",
    "andersson",
    "horvat",
    "bauer",
    "meyer",
    "khan",
    "singh",
    "sato",
    "ali",
    "ferrari",
    "martin",
    "bernard",
    "nowak",
    "popescu",
    "virtanen",
    "hansen",
    "brown",
    "wilson",
    "taylor",
    "clark",
    "lewis",
    "walker",
];

const GUEST_DOMAINS: &[&str] = &[
    "fabrikam.com",
    "northwindtraders.com",
    "adventure-works.com",
    "tailspintoys.com",
    "wingtiptoys.com",
];

const GROUP_ROLES: &[&str] = &[
    "readers",
    "contributors",
    "owners",
    "operators",
    "developers",
    "admins",
    "support",
    "auditors",
];

/// Built-in roles that real tenants assign most, with Azure's GUIDs and a relative weight.
const BUILTIN_ROLES: &[(&str, &str, u64)] = &[
    ("Reader", "acdd72a7-3385-48ef-bd42-f606fba81ae7", 250),
    ("Contributor", "b24988ac-6180-42a0-ab88-20f7382dd24c", 150),
    ("Owner", "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", 30),
    (
        "Key Vault Secrets User",
        "4633458b-17de-408a-b874-0445c86b69e6",
        80,
    ),
    ("AcrPull", "7f951dda-4ed3-4680-a7ca-43fe172d538d", 80),
    ("AcrPush", "8311e382-0749-4cb8-b61a-304f252e45ec", 20),
    (
        "Storage Blob Data Reader",
        "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
        60,
    ),
    (
        "Storage Blob Data Contributor",
        "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
        50,
    ),
    (
        "Virtual Machine Contributor",
        "9980e02c-c2be-4d73-94e8-173b1dc7cf3c",
        40,
    ),
    (
        "Network Contributor",
        "4d97b98b-1d4f-4787-a291-c67834d212e7",
        30,
    ),
    (
        "Monitoring Reader",
        "43d0d8ad-25c7-4714-9337-8ba259a9fe05",
        50,
    ),
    (
        "Monitoring Contributor",
        "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
        20,
    ),
    (
        "Log Analytics Reader",
        "73c42c96-874c-492b-b04d-ab87d138a893",
        30,
    ),
    (
        "Key Vault Reader",
        "21090545-7ca7-4776-b22c-e363652d74d2",
        30,
    ),
    (
        "Key Vault Administrator",
        "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        10,
    ),
    (
        "User Access Administrator",
        "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
        10,
    ),
    (
        "Website Contributor",
        "de139f84-1756-47ae-9be6-808fbbe84772",
        30,
    ),
    (
        "Security Reader",
        "39bc4728-0917-49c7-9d2c-d95423bc2eb4",
        20,
    ),
    (
        "Cost Management Reader",
        "72fafb9e-0641-4937-9268-a91bfd8191a3",
        20,
    ),
    (
        "Azure Kubernetes Service Cluster User Role",
        "4abbcc35-e782-43d8-92c5-2d3f1bd2253f",
        30,
    ),
    (
        "SQL DB Contributor",
        "9b7fa17d-e63e-47b0-bb0a-15c516ac86ec",
        20,
    ),
    ("Backup Reader", "a795c7a0-d4a2-40c1-ae25-d81f01202912", 10),
    (
        "Tag Contributor",
        "4a9ae827-6dc8-4573-8ac7-8239d42aa03f",
        10,
    ),
    (
        "Resource Policy Contributor",
        "36243c78-bf99-498c-9df9-86d9f8d28608",
        10,
    ),
    ("Billing Reader", "fa23ad8b-c56e-40d8-ac0c-ce449e1d2c64", 10),
];

/// Published control-plane operations (and wildcards over them) custom roles grant.
const ACTIONS: &[&str] = &[
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/start/action",
    "Microsoft.Compute/virtualMachines/restart/action",
    "Microsoft.Compute/virtualMachines/deallocate/action",
    "Microsoft.Compute/virtualMachines/powerOff/action",
    "Microsoft.Compute/disks/read",
    "Microsoft.Compute/snapshots/write",
    "Microsoft.Network/virtualNetworks/read",
    "Microsoft.Network/virtualNetworks/subnets/join/action",
    "Microsoft.Network/networkInterfaces/read",
    "Microsoft.Network/networkSecurityGroups/read",
    "Microsoft.Network/publicIPAddresses/read",
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    "Microsoft.KeyVault/vaults/read",
    "Microsoft.KeyVault/vaults/secrets/read",
    "Microsoft.Web/sites/read",
    "Microsoft.Web/sites/restart/action",
    "Microsoft.Sql/servers/databases/read",
    "Microsoft.ContainerRegistry/registries/pull/read",
    "Microsoft.ContainerService/managedClusters/read",
    "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/deployments/*",
    "Microsoft.Insights/alertRules/*",
    "Microsoft.Authorization/*/read",
    "Microsoft.Support/*",
    "Microsoft.Compute/virtualMachines/*",
    "Microsoft.Web/sites/*",
];

const NOT_ACTIONS: &[&str] = &[
    "Microsoft.Compute/virtualMachines/delete",
    "Microsoft.Authorization/*/Delete",
    "Microsoft.Authorization/*/Write",
    "Microsoft.Web/sites/delete",
];

const DATA_ACTIONS: &[&str] = &[
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/keys/read",
];

const ROLE_THEMES: &[&str] = &[
    "VM Operator",
    "Network Viewer",
    "Storage Key Reader",
    "App Service Operator",
    "AKS Viewer",
    "Deployment Operator",
    "Support Requester",
    "Secrets Reader",
    "Database Reader",
    "Alert Manager",
];

// ---------------------------------------------------------------------------------------------
// The generated tenant, before it is written out.

struct Mg {
    name: String,
    display: String,
    parent: Option<usize>,
    level: usize,
}

struct Resource {
    /// `Microsoft.Network/virtualNetworks/subnets`
    ty: &'static str,
    /// `vnet-x/snet-y` for nested types.
    name: String,
}

struct Rg {
    name: String,
    location: &'static str,
    resources: Vec<Resource>,
}

struct Sub {
    name: String,
    id: String,
    parent: Option<usize>,
    /// The group the subscription actually sits in (the root group when `parent` is omitted).
    placed: usize,
    unit: &'static str,
    env: &'static str,
    rgs: Vec<Rg>,
}

struct User {
    name: String,
    oid: String,
    display: String,
    guest: bool,
    enabled: bool,
}

struct Group {
    name: String,
    oid: String,
    display: String,
    security: bool,
    mail: bool,
    members: Vec<String>,
}

struct Sp {
    name: String,
    oid: String,
    display: String,
    enabled: bool,
}

struct Role {
    name: String,
    id: String,
    description: String,
    actions: Vec<&'static str>,
    not_actions: Vec<&'static str>,
    data_actions: Vec<&'static str>,
    /// Subscriptions, and whether each is written by GUID.
    scopes: Vec<(usize, bool)>,
}

/// A scope's identity, for duplicate detection (the same scope may be spelled two ways).
#[derive(Hash, PartialEq, Eq, Clone, Copy)]
enum ScopeKey {
    Mg(u32),
    Sub(u32),
    Rg(u32, u16),
    Res(u32, u16, u16),
}

#[derive(Hash, PartialEq, Eq, Clone, Copy)]
enum PrincipalKey {
    User(u32),
    Group(u32),
    Sp(u32),
}

#[derive(Hash, PartialEq, Eq, Clone, Copy)]
enum RoleKey {
    BuiltIn(u16),
    Custom(u16),
}

// ---------------------------------------------------------------------------------------------
// YAML writing helpers.

/// A scalar written plainly when YAML reads it back as the same string, else double-quoted.
fn scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && !s.starts_with([
            '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%',
            '@', '`', ' ',
        ])
        && !s.ends_with(' ')
        && !s.contains(": ")
        && !s.contains(" #")
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

fn mg_scope(mgs: &[Mg], i: usize) -> String {
    format!(
        "/providers/Microsoft.Management/managementGroups/{}",
        mgs[i].name
    )
}

fn sub_scope(sub: &Sub, by_id: bool) -> String {
    if by_id {
        format!("/subscriptions/{}", sub.id)
    } else {
        format!("/subscriptions/{}", sub.name)
    }
}

fn rg_scope(sub: &Sub, rg: &Rg, by_id: bool) -> String {
    format!("{}/resourceGroups/{}", sub_scope(sub, by_id), rg.name)
}

fn resource_scope(sub: &Sub, rg: &Rg, r: &Resource, by_id: bool) -> String {
    let mut parts = r.ty.split('/');
    let namespace = parts.next().expect("namespace");
    let mut path = format!("{}/providers/{namespace}", rg_scope(sub, rg, by_id));
    for (ty, name) in parts.zip(r.name.split('/')) {
        let _ = write!(path, "/{ty}/{name}");
    }
    path
}

/// Files of the tree, by relative path.
#[derive(Default)]
struct Out {
    files: BTreeMap<PathBuf, String>,
}

impl Out {
    fn file(&mut self, path: impl Into<PathBuf>) -> &mut String {
        self.files.entry(path.into()).or_default()
    }
}

/// Starts a document in a file (a `---` separator before every document but the first).
fn doc(buf: &mut String) {
    if !buf.is_empty() {
        buf.push_str("---\n");
    }
}

// ---------------------------------------------------------------------------------------------
// Generation.

/// Number of management groups at each level below the root (index 0 is the root itself).
fn level_sizes(n: usize) -> Vec<usize> {
    let mut sizes = vec![1];
    let mut rem = n.saturating_sub(1);
    if rem == 0 {
        return sizes;
    }
    sizes.push(1);
    rem -= 1;
    let l2 = rem.min(BRANCHES.len());
    if l2 == 0 {
        return sizes;
    }
    sizes.push(l2);
    rem -= l2;
    // Levels 3..=6 share the rest: few business units, more workload groups, then leaves.
    let shares = [5u64, 20, 40, 35];
    let mut left = rem;
    for (i, share) in shares.iter().enumerate() {
        if left == 0 {
            break;
        }
        let s = if i == shares.len() - 1 {
            left
        } else {
            ((rem as u64 * share).div_ceil(100) as usize).clamp(1, left)
        };
        sizes.push(s);
        left -= s;
    }
    debug_assert!(sizes.len() <= MAX_LEVEL + 1);
    sizes
}

fn generate_hierarchy(p: &Params, rng: &mut Rng) -> Vec<Mg> {
    let tenant_id = rng.guid();
    let mut mgs = vec![Mg {
        name: tenant_id,
        display: "Tenant Root Group".into(),
        parent: None,
        level: 0,
    }];
    let sizes = level_sizes(p.management_groups);
    let mut prev_level: Vec<usize> = vec![0];
    for (level, &size) in sizes.iter().enumerate().skip(1) {
        let mut this_level = Vec::with_capacity(size);
        for k in 0..size {
            let idx = mgs.len();
            let (name, display, parent) = match level {
                1 => ("contoso".to_string(), "Contoso".to_string(), 0),
                2 => {
                    let (n, d) = BRANCHES[k];
                    (n.to_string(), d.to_string(), prev_level[0])
                }
                _ => {
                    // Spread children over the previous level: the first pass gives every
                    // parent one child where possible, then parents are drawn at random.
                    let parent = if k < prev_level.len() && level >= 3 {
                        prev_level[k]
                    } else {
                        *rng.pick(&prev_level)
                    };
                    let parent = if level == 3 {
                        // Business units sit mostly under landing zones.
                        match rng.below(10) {
                            0 => prev_level[0],
                            1 if prev_level.len() > 2 => prev_level[2],
                            _ => prev_level[1.min(prev_level.len() - 1)],
                        }
                    } else {
                        parent
                    };
                    let unit = UNITS[idx % UNITS.len()];
                    let word = match level {
                        3 => unit.to_string(),
                        4 => format!("{unit}-{}", APPS[idx % APPS.len()]),
                        _ => format!("{}-{}", APPS[idx % APPS.len()], ENVS[idx % ENVS.len()]),
                    };
                    let name = format!("mg-{word}-{idx:05}");
                    let display = format!("{} {idx}", title(&word));
                    (name, display, parent)
                }
            };
            mgs.push(Mg {
                name,
                display,
                parent: Some(parent),
                level,
            });
            this_level.push(idx);
        }
        prev_level = this_level;
    }
    mgs
}

fn title(word: &str) -> String {
    word.split('-')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const RESOURCE_TYPES: &[&str] = &[
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Compute/disks",
    "Microsoft.Storage/storageAccounts",
    "Microsoft.KeyVault/vaults",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/virtualNetworks/subnets",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Web/sites",
    "Microsoft.Web/serverFarms",
    "Microsoft.Sql/servers",
    "Microsoft.Sql/servers/databases",
    "Microsoft.ContainerRegistry/registries",
    "Microsoft.ContainerService/managedClusters",
    "Microsoft.Insights/components",
    "Microsoft.OperationalInsights/workspaces",
];

fn resource_name(ty: &str, app: &str, env: &str, sub: usize, n: usize) -> String {
    let short_env = &env[..env.len().min(4)];
    match ty {
        "Microsoft.Compute/virtualMachines" => format!("vm-{app}-{env}-{n:02}"),
        "Microsoft.Compute/disks" => format!("disk-{app}-{env}-{n:02}"),
        "Microsoft.Storage/storageAccounts" => {
            // At most 2 + 6 + 4 + 5 + 3 = 20 of the 24 characters Azure allows, so names
            // stay unique however many accounts a resource group holds.
            let app: String = app
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .take(6)
                .collect();
            format!("st{app}{short_env}{sub:05}{n:03}")
        }
        "Microsoft.KeyVault/vaults" => format!("kv-{app}-{short_env}-{sub:04}{n}"),
        "Microsoft.Network/virtualNetworks" => format!("vnet-{app}-{env}-{n:02}"),
        "Microsoft.Network/virtualNetworks/subnets" => {
            format!(
                "vnet-{app}-{env}-{n:02}/snet-{}",
                ["app", "data", "pe"][n % 3]
            )
        }
        "Microsoft.Network/networkSecurityGroups" => format!("nsg-{app}-{env}-{n:02}"),
        "Microsoft.Web/sites" => format!("app-{app}-{env}-{sub:04}-{n}"),
        "Microsoft.Web/serverFarms" => format!("asp-{app}-{env}-{n:02}"),
        "Microsoft.Sql/servers" => format!("sql-{app}-{env}-{sub:04}-{n}"),
        "Microsoft.Sql/servers/databases" => format!("sql-{app}-{env}-{sub:04}-{n}/sqldb-{app}"),
        "Microsoft.ContainerRegistry/registries" => format!("cr{app}{short_env}{sub:04}{n}"),
        "Microsoft.ContainerService/managedClusters" => format!("aks-{app}-{env}-{n:02}"),
        "Microsoft.Insights/components" => format!("appi-{app}-{env}-{n:02}"),
        _ => format!("log-{app}-{env}-{n:02}"),
    }
}

fn generate_subscriptions(p: &Params, rng: &mut Rng, mgs: &[Mg]) -> Vec<Sub> {
    // Subscriptions sit in landing-zone groups (levels 3 and deeper); a few in sandbox or
    // decommissioned branches, a few still in the root group where Azure puts new ones.
    let deep: Vec<usize> = (0..mgs.len()).filter(|&i| mgs[i].level >= 3).collect();
    let shallow: Vec<usize> = (0..mgs.len())
        .filter(|&i| mgs[i].level >= 1 && mgs[i].level < 3)
        .collect();
    let mut subs = Vec::with_capacity(p.subscriptions);
    // Resource groups per subscription are 1 or 2: 1.5 on average.
    let per_group = (p.resources as f64 / (p.subscriptions.max(1) as f64 * 1.5)).round() as usize;
    let per_group = per_group.max(1);
    for i in 0..p.subscriptions {
        let unit = *rng.pick(UNITS);
        let app = *rng.pick(APPS);
        let env = *rng.pick(ENVS);
        let parent = if rng.below(100) == 0 || mgs.len() == 1 {
            None
        } else if !deep.is_empty() && rng.percent(95) {
            Some(*rng.pick(&deep))
        } else if !shallow.is_empty() {
            Some(*rng.pick(&shallow))
        } else {
            Some(rng.below(mgs.len()))
        };
        let mut rgs = Vec::new();
        let purposes = ["app", "data", "network", "shared", "monitoring"];
        for k in 0..rng.range(1, 3) {
            let location = *rng.pick(LOCATIONS);
            let name = format!("rg-{app}-{env}-{}-{k}", purposes[(i + k) % purposes.len()]);
            let mut resources = Vec::new();
            // Resource groups hold `per_group` resources on average (at least one each).
            for n in 0..rng.range(1, (2 * per_group).max(2)) {
                let ty = *rng.pick(RESOURCE_TYPES);
                let name = resource_name(ty, app, env, i, n);
                resources.push(Resource { ty, name });
            }
            rgs.push(Rg {
                name,
                location,
                resources,
            });
        }
        subs.push(Sub {
            name: format!("{unit}-{app}-{env}-{i:04}"),
            id: rng.guid(),
            parent,
            placed: parent.unwrap_or(0),
            unit,
            env,
            rgs,
        });
    }
    subs
}

fn generate_users(p: &Params, rng: &mut Rng) -> Vec<User> {
    (0..p.users)
        .map(|i| {
            let first = *rng.pick(FIRST);
            let last = *rng.pick(LAST);
            let guest = rng.percent(5);
            let name = if guest {
                let domain = *rng.pick(GUEST_DOMAINS);
                format!("{first}.{last}{i}_{domain}#EXT#@contoso.onmicrosoft.com")
            } else {
                format!("{first}.{last}{i}@{TENANT_DOMAIN}")
            };
            User {
                name,
                oid: rng.guid(),
                display: format!("{} {}", title(first), title(last)),
                guest,
                enabled: !rng.percent(3),
            }
        })
        .collect()
}

fn generate_sps(p: &Params, rng: &mut Rng) -> Vec<Sp> {
    (0..p.service_principals)
        .map(|i| {
            let app = *rng.pick(APPS);
            let env = *rng.pick(ENVS);
            let managed = rng.percent(40);
            let name = if managed {
                format!("id-{app}-{env}-{i:04}")
            } else {
                format!("sp-{app}-{env}-{i:04}")
            };
            Sp {
                display: name.clone(),
                name,
                oid: rng.guid(),
                enabled: !rng.percent(2),
            }
        })
        .collect()
}

fn generate_groups(p: &Params, rng: &mut Rng, users: &[User], sps: &[Sp]) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::with_capacity(p.groups);
    for i in 0..p.groups {
        let unit = *rng.pick(UNITS);
        let distribution = rng.percent(5);
        let (name, display, security, mail) = if distribution {
            (
                format!("dl-{unit}-all-{i:04}"),
                format!("All {} staff {i}", title(unit)),
                false,
                true,
            )
        } else {
            let app = *rng.pick(APPS);
            let role = *rng.pick(GROUP_ROLES);
            (
                format!("sg-{unit}-{app}-{role}-{i:04}"),
                format!("{} {} {} {i}", title(unit), title(app), title(role)),
                true,
                rng.percent(10),
            )
        };
        let mut members: Vec<String> = Vec::new();
        let mut seen = HashSet::new();
        let n_users = if rng.percent(10) {
            rng.range(30, 120)
        } else {
            rng.range(2, 25)
        };
        for _ in 0..n_users {
            let u = rng.below(users.len());
            if seen.insert(('u', u)) {
                let user = &users[u];
                members.push(if rng.percent(10) {
                    user.oid.clone()
                } else {
                    user.name.clone()
                });
            }
        }
        if security && !sps.is_empty() && rng.percent(10) {
            let s = rng.below(sps.len());
            if seen.insert(('s', s)) {
                members.push(sps[s].name.clone());
            }
        }
        // Nested groups: only earlier groups, so membership never loops.
        if i > 0 && rng.percent(25) {
            for _ in 0..rng.range(1, 3) {
                let g = rng.below(i);
                if seen.insert(('g', g)) {
                    members.push(groups[g].name.clone());
                }
            }
        }
        groups.push(Group {
            name,
            oid: rng.guid(),
            display,
            security,
            mail,
            members,
        });
    }
    groups
}

fn generate_roles(p: &Params, rng: &mut Rng, subs: &[Sub]) -> Vec<Role> {
    (0..p.custom_roles)
        .map(|i| {
            let theme = ROLE_THEMES[i % ROLE_THEMES.len()];
            let mut actions: Vec<&'static str> = Vec::new();
            for _ in 0..rng.range(2, 8) {
                let a = *rng.pick(ACTIONS);
                if !actions.contains(&a) {
                    actions.push(a);
                }
            }
            let mut not_actions = Vec::new();
            if rng.percent(20) {
                not_actions.push(*rng.pick(NOT_ACTIONS));
            }
            let mut data_actions = Vec::new();
            if rng.percent(30) {
                for _ in 0..rng.range(1, 2) {
                    let d = *rng.pick(DATA_ACTIONS);
                    if !data_actions.contains(&d) {
                        data_actions.push(d);
                    }
                }
            }
            let mut scopes: Vec<(usize, bool)> = Vec::new();
            for _ in 0..rng.range(1, 4).min(subs.len()) {
                let s = rng.below(subs.len());
                if !scopes.iter().any(|(x, _)| *x == s) {
                    scopes.push((s, rng.percent(20)));
                }
            }
            Role {
                name: format!("Contoso {theme} {:02}", i + 1),
                id: rng.guid(),
                description: format!(
                    "{theme} for workload teams; reviewed quarterly (role {}).",
                    i + 1
                ),
                actions,
                not_actions,
                data_actions,
                scopes,
            }
        })
        .collect()
}

struct Assignment {
    principal: String,
    role: String,
    scope: String,
    description: Option<String>,
    /// The subscription whose file holds it; `None` for management-group assignments.
    sub: Option<usize>,
}

struct Pools {
    users: Vec<usize>,
    groups: Vec<usize>,
    sps: Vec<usize>,
}

fn pick_principal(
    rng: &mut Rng,
    pools: &Pools,
    users: &[User],
    groups: &[Group],
    sps: &[Sp],
) -> (PrincipalKey, String) {
    let by_oid = rng.percent(10);
    let r = rng.below(100);
    if (r < 45 || pools.users.is_empty() && pools.sps.is_empty()) && !pools.groups.is_empty() {
        let g = pools.groups[rng.skewed(pools.groups.len())];
        let group = &groups[g];
        let text = if by_oid { &group.oid } else { &group.name };
        (PrincipalKey::Group(g as u32), text.clone())
    } else if (r < 85 || pools.sps.is_empty()) && !pools.users.is_empty() {
        let u = pools.users[rng.skewed(pools.users.len())];
        let user = &users[u];
        let text = if by_oid { &user.oid } else { &user.name };
        (PrincipalKey::User(u as u32), text.clone())
    } else {
        let s = pools.sps[rng.below(pools.sps.len())];
        let sp = &sps[s];
        let text = if by_oid { &sp.oid } else { &sp.name };
        (PrincipalKey::Sp(s as u32), text.clone())
    }
}

fn pick_builtin(rng: &mut Rng, weights: &Weighted) -> (RoleKey, String) {
    let i = weights.pick(rng);
    let (name, guid, _) = BUILTIN_ROLES[i];
    let r = rng.below(100);
    let text = if r < 10 {
        guid.to_string()
    } else if r < 12 {
        name.to_lowercase()
    } else {
        name.to_string()
    };
    (RoleKey::BuiltIn(i as u16), text)
}

const TICKETS: &[&str] = &["CHG", "REQ", "INC", "RITM"];

#[allow(clippy::too_many_arguments)]
fn generate_assignments(
    p: &Params,
    rng: &mut Rng,
    mgs: &[Mg],
    subs: &[Sub],
    users: &[User],
    groups: &[Group],
    sps: &[Sp],
    roles: &[Role],
    summary: &mut Summary,
) -> Vec<Assignment> {
    let pools = Pools {
        users: (0..users.len()).filter(|&i| users[i].enabled).collect(),
        groups: (0..groups.len()).filter(|&i| groups[i].security).collect(),
        sps: (0..sps.len()).filter(|&i| sps[i].enabled).collect(),
    };
    if pools.users.is_empty() && pools.groups.is_empty() && pools.sps.is_empty() {
        return Vec::new();
    }
    let builtin = Weighted::new(BUILTIN_ROLES.iter().map(|r| r.2));
    let mut custom_at_sub: Vec<Vec<usize>> = vec![Vec::new(); subs.len()];
    for (r, role) in roles.iter().enumerate() {
        for &(s, _) in &role.scopes {
            custom_at_sub[s].push(r);
        }
    }
    // Management groups higher up carry more assignments (platform and security teams).
    let mg_weights = Weighted::new(mgs.iter().map(|m| match m.level {
        0 => 60,
        1 => 40,
        2 => 15,
        3 => 4,
        _ => 1,
    }));
    // Subscriptions come in sizes: most small, some busy, a few very busy.
    let sub_weights = Weighted::new((0..subs.len()).map(|_| match rng.below(100) {
        0..70 => 1,
        70..95 => 4,
        _ => 20,
    }));
    let mut at_mg = vec![0usize; mgs.len()];
    let mut in_sub = vec![0usize; subs.len()];
    let mut seen: HashSet<(PrincipalKey, RoleKey, ScopeKey)> = HashSet::new();
    let mut out = Vec::with_capacity(p.role_assignments);
    let mg_quota = if subs.is_empty() {
        p.role_assignments
    } else {
        p.role_assignments / 10
    };
    for n in 0..p.role_assignments {
        let at_management_group = n < mg_quota;
        let mut placed = false;
        for _attempt in 0..1_000 {
            let (principal_key, principal) = pick_principal(rng, &pools, users, groups, sps);
            let (scope_key, scope, role_key, role, sub) = if at_management_group {
                let m = mg_weights.pick(rng);
                if at_mg[m] >= MG_ASSIGNMENT_LIMIT {
                    continue;
                }
                let (rk, role) = pick_builtin(rng, &builtin);
                (ScopeKey::Mg(m as u32), mg_scope(mgs, m), rk, role, None)
            } else {
                let s = sub_weights.pick(rng);
                if in_sub[s] >= SUB_ASSIGNMENT_LIMIT {
                    continue;
                }
                let sub = &subs[s];
                let by_id = rng.percent(10);
                let rg = rng.below(sub.rgs.len());
                let (sk, scope) = match rng.below(10) {
                    0..4 => (ScopeKey::Sub(s as u32), sub_scope(sub, by_id)),
                    4..8 => (
                        ScopeKey::Rg(s as u32, rg as u16),
                        rg_scope(sub, &sub.rgs[rg], by_id),
                    ),
                    _ => {
                        let res = rng.below(sub.rgs[rg].resources.len());
                        (
                            ScopeKey::Res(s as u32, rg as u16, res as u16),
                            resource_scope(sub, &sub.rgs[rg], &sub.rgs[rg].resources[res], by_id),
                        )
                    }
                };
                let (rk, role) = if !custom_at_sub[s].is_empty() && rng.percent(8) {
                    let r = *rng.pick(&custom_at_sub[s]);
                    let text = if rng.percent(15) {
                        roles[r].id.clone()
                    } else {
                        roles[r].name.clone()
                    };
                    (RoleKey::Custom(r as u16), text)
                } else {
                    pick_builtin(rng, &builtin)
                };
                (sk, scope, rk, role, Some(s))
            };
            if !seen.insert((principal_key, role_key, scope_key)) {
                continue;
            }
            match sub {
                Some(s) => in_sub[s] += 1,
                None => {
                    if let ScopeKey::Mg(m) = scope_key {
                        at_mg[m as usize] += 1;
                    }
                }
            }
            let description = rng.percent(30).then(|| {
                format!(
                    "{}{:07}: access requested by {}",
                    rng.pick(TICKETS),
                    rng.below(10_000_000),
                    match sub {
                        Some(s) => format!("the {} team", subs[s].unit),
                        None => "the platform team".to_string(),
                    }
                )
            });
            out.push(Assignment {
                principal,
                role,
                scope,
                description,
                sub,
            });
            placed = true;
            break;
        }
        if !placed {
            eprintln!("generator: could not place role assignment {n} within Azure's limits");
        }
    }
    summary.max_at_mg = at_mg.iter().copied().max().unwrap_or(0);
    summary.max_in_sub = in_sub.iter().copied().max().unwrap_or(0);
    out
}

// ---------------------------------------------------------------------------------------------
// Policies.

struct PolicyTemplate {
    name: &'static str,
    display: &'static str,
    mode: &'static str,
    /// YAML lines of `parameters:` (indented two spaces), empty for none.
    parameters: &'static str,
    /// YAML lines of `policyRule:` (indented two spaces).
    rule: &'static str,
    /// Assignment parameter values, plain and wrapped in `{value: ...}`.
    values: &'static [&'static str],
}

const POLICIES: &[PolicyTemplate] = &[
    PolicyTemplate {
        name: "allowed-locations",
        display: "Allowed locations",
        mode: "Indexed",
        parameters: "  listOfAllowedLocations:
    type: Array
    metadata:
      displayName: Allowed locations
      description: The list of locations that can be specified when deploying resources.
      strongType: location
",
        rule: "  if:
    allOf:
      - field: location
        notIn: \"[parameters('listOfAllowedLocations')]\"
      - field: location
        notEquals: global
      - field: type
        notEquals: Microsoft.AzureActiveDirectory/b2cDirectories
  then:
    effect: deny
",
        values: &[
            "  listOfAllowedLocations: [westeurope, northeurope, swedencentral]\n",
            "  listOfAllowedLocations:\n    value:\n      - eastus\n      - eastus2\n      - westus2\n",
        ],
    },
    PolicyTemplate {
        name: "require-tag-on-resource-groups",
        display: "Require a tag on resource groups",
        mode: "All",
        parameters: "  tagName:
    type: String
    metadata:
      displayName: Tag name
      description: Name of the tag, such as 'costCenter'
",
        rule: "  if:
    allOf:
      - field: type
        equals: Microsoft.Resources/subscriptions/resourceGroups
      - field: \"[concat('tags[', parameters('tagName'), ']')]\"
        exists: \"false\"
  then:
    effect: deny
",
        values: &["  tagName: costCenter\n", "  tagName:\n    value: owner\n"],
    },
    PolicyTemplate {
        name: "deny-public-ip",
        display: "Public IP addresses should not be created",
        mode: "All",
        parameters: "  effect:
    type: String
    allowedValues: [Audit, Deny, Disabled]
    defaultValue: Deny
    metadata:
      displayName: Effect
",
        rule: "  if:
    field: type
    equals: Microsoft.Network/publicIPAddresses
  then:
    effect: \"[parameters('effect')]\"
",
        values: &["  effect: Deny\n", "  effect:\n    value: Audit\n"],
    },
    PolicyTemplate {
        name: "storage-https-only",
        display: "Secure transfer to storage accounts should be enabled",
        mode: "Indexed",
        parameters: "  effect:
    type: String
    allowedValues: [Audit, Deny, Disabled]
    defaultValue: Audit
",
        rule: "  if:
    allOf:
      - field: type
        equals: Microsoft.Storage/storageAccounts
      - anyOf:
          - allOf:
              - value: \"[requestContext().apiVersion]\"
                less: \"2019-04-01\"
              - field: Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly
                exists: \"false\"
          - field: Microsoft.Storage/storageAccounts/supportsHttpsTrafficOnly
            equals: \"false\"
  then:
    effect: \"[parameters('effect')]\"
",
        values: &["  effect: Audit\n", "  effect: Deny\n"],
    },
    PolicyTemplate {
        name: "inherit-tag-from-resource-group",
        display: "Inherit a tag from the resource group if missing",
        mode: "Indexed",
        parameters: "  tagName:
    type: String
    metadata:
      displayName: Tag Name
      description: Name of the tag, such as 'environment'
",
        rule: "  if:
    allOf:
      - field: \"[concat('tags[', parameters('tagName'), ']')]\"
        exists: \"false\"
      - value: \"[resourceGroup().tags[parameters('tagName')]]\"
        notEquals: \"\"
  then:
    effect: modify
    details:
      roleDefinitionIds:
        - /providers/microsoft.authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c
      operations:
        - operation: add
          field: \"[concat('tags[', parameters('tagName'), ']')]\"
          value: \"[resourceGroup().tags[parameters('tagName')]]\"
",
        values: &[
            "  tagName: environment\n",
            "  tagName:\n    value: costCenter\n",
        ],
    },
    PolicyTemplate {
        name: "allowed-vm-skus",
        display: "Allowed virtual machine size SKUs",
        mode: "Indexed",
        parameters: "  listOfAllowedSKUs:
    type: Array
    metadata:
      displayName: Allowed Size SKUs
      strongType: VMSKUs
",
        rule: "  if:
    allOf:
      - field: type
        equals: Microsoft.Compute/virtualMachines
      - not:
          field: Microsoft.Compute/virtualMachines/sku.name
          in: \"[parameters('listOfAllowedSKUs')]\"
  then:
    effect: Deny
",
        values: &[
            "  listOfAllowedSKUs: [Standard_D2s_v5, Standard_D4s_v5, Standard_E4s_v5]\n",
            "  listOfAllowedSKUs:\n    value: [Standard_B2ms, Standard_D2s_v5]\n",
        ],
    },
    PolicyTemplate {
        name: "keyvault-soft-delete",
        display: "Key vaults should have soft delete enabled",
        mode: "Indexed",
        parameters: "",
        rule: "  if:
    allOf:
      - field: type
        equals: Microsoft.KeyVault/vaults
      - field: Microsoft.KeyVault/vaults/enableSoftDelete
        equals: \"false\"
  then:
    effect: audit
",
        values: &[],
    },
    PolicyTemplate {
        name: "appservice-https-only",
        display: "App Service apps should only be accessible over HTTPS",
        mode: "Indexed",
        parameters: "  effect:
    type: String
    allowedValues: [Audit, Deny, Disabled]
    defaultValue: Audit
",
        rule: "  if:
    allOf:
      - field: type
        equals: Microsoft.Web/sites
      - field: kind
        notContains: functionapp
      - field: Microsoft.Web/sites/httpsOnly
        equals: \"false\"
  then:
    effect: \"[parameters('effect')]\"
",
        values: &["  effect: Audit\n"],
    },
    PolicyTemplate {
        name: "deny-rdp-from-internet",
        display: "RDP access from the Internet should be blocked",
        mode: "All",
        parameters: "",
        rule: "  if:
    allOf:
      - field: type
        equals: Microsoft.Network/networkSecurityGroups/securityRules
      - field: Microsoft.Network/networkSecurityGroups/securityRules/access
        equals: Allow
      - field: Microsoft.Network/networkSecurityGroups/securityRules/direction
        equals: Inbound
      - anyOf:
          - field: Microsoft.Network/networkSecurityGroups/securityRules/destinationPortRange
            equals: \"3389\"
          - field: Microsoft.Network/networkSecurityGroups/securityRules/destinationPortRange
            equals: \"*\"
      - anyOf:
          - field: Microsoft.Network/networkSecurityGroups/securityRules/sourceAddressPrefix
            in: [\"*\", Internet]
  then:
    effect: deny
",
        values: &[],
    },
    PolicyTemplate {
        name: "audit-vm-managed-disks",
        display: "Audit VMs that do not use managed disks",
        mode: "All",
        parameters: "",
        rule: "  if:
    anyOf:
      - allOf:
          - field: type
            equals: Microsoft.Compute/virtualMachines
          - field: Microsoft.Compute/virtualMachines/osDisk.uri
            exists: \"true\"
      - allOf:
          - field: type
            equals: Microsoft.Compute/virtualMachineScaleSets
          - field: Microsoft.Compute/VirtualMachineScaleSets/osdisk.imageUrl
            exists: \"true\"
  then:
    effect: audit
",
        values: &[],
    },
];

struct PolicyDef {
    template: usize,
    name: String,
    display: String,
    id: String,
}

struct PolicyAssign {
    name: String,
    /// Management group or subscription.
    scope: ScopeKey,
    scope_text: String,
    policy: String,
    template: usize,
    /// Subscriptions under the scope, for notScopes and exemptions.
    subs_below: Vec<usize>,
}

// ---------------------------------------------------------------------------------------------
// Writing.

/// Generates the tree into `dir` (which must not exist, or be empty). Returns what it wrote.
pub fn generate(dir: &Path, p: &Params) -> std::io::Result<Summary> {
    let mut rng = Rng::new(p.seed);
    let mut summary = Summary::default();
    let mut out = Out::default();

    let mgs = generate_hierarchy(p, &mut rng);
    let subs = generate_subscriptions(p, &mut rng, &mgs);
    let users = generate_users(p, &mut rng);
    let sps = generate_sps(p, &mut rng);
    let groups = generate_groups(p, &mut rng, &users, &sps);
    let roles = generate_roles(p, &mut rng, &subs);
    let assignments = generate_assignments(
        p,
        &mut rng,
        &mgs,
        &subs,
        &users,
        &groups,
        &sps,
        &roles,
        &mut summary,
    );
    summary.max_level = mgs.iter().map(|m| m.level).max().unwrap_or(0);

    // Subscriptions below each management group (transitively).
    let mut subs_below: Vec<Vec<usize>> = vec![Vec::new(); mgs.len()];
    for (s, sub) in subs.iter().enumerate() {
        let mut cur = Some(sub.placed);
        while let Some(m) = cur {
            subs_below[m].push(s);
            cur = mgs[m].parent;
        }
    }

    write_readme(&mut out, p);
    write_hierarchy(&mut out, &mgs, &mut summary);
    write_subscriptions(&mut out, &mgs, &subs, &mut summary);
    write_principals(&mut out, &users, &groups, &sps, &mut summary);
    write_roles(&mut out, &subs, &roles, &mut summary);
    write_assignments(&mut out, &subs, &assignments, &mut summary);
    write_policies(
        &mut out,
        &mut rng,
        p,
        &mgs,
        &subs,
        &subs_below,
        &mut summary,
    );

    std::fs::create_dir_all(dir)?;
    for (rel, text) in &out.files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        if rel.extension().is_some_and(|e| e == "yaml") {
            summary.files += 1;
            summary.bytes += text.len();
        }
    }
    summary.documents = summary.per_kind.values().sum();
    Ok(summary)
}

fn count(summary: &mut Summary, kind: &'static str) {
    *summary.per_kind.entry(kind).or_default() += 1;
}

fn write_readme(out: &mut Out, p: &Params) {
    let text = out.file("README.md");
    let _ = writeln!(
        text,
        "# Contoso tenant governance\n\nGenerated by canopy's benchmark (`benches/check.rs`).\n\n\
         Parameters: {p:?}\n\nRun `canopy check .` before every merge."
    );
}

fn write_hierarchy(out: &mut Out, mgs: &[Mg], summary: &mut Summary) {
    // Root, intermediate root and top-level branches in one file; each level-3 subtree in its own.
    let mut file_of: Vec<PathBuf> = Vec::with_capacity(mgs.len());
    for (i, mg) in mgs.iter().enumerate() {
        let path = match mg.level {
            0..=2 => PathBuf::from("hierarchy/_root.yaml"),
            3 => PathBuf::from(format!("hierarchy/{}.yaml", mg.name)),
            _ => file_of[mg.parent.expect("parent")].clone(),
        };
        debug_assert_eq!(file_of.len(), i);
        file_of.push(path);
    }
    for (i, mg) in mgs.iter().enumerate() {
        let buf = out.file(file_of[i].clone());
        doc(buf);
        let _ = writeln!(buf, "kind: ManagementGroup\nname: {}", scalar(&mg.name));
        let _ = writeln!(buf, "displayName: {}", scalar(&mg.display));
        if let Some(parent) = mg.parent {
            let _ = writeln!(buf, "parent: {}", scalar(&mgs[parent].name));
        }
        count(summary, "ManagementGroup");
    }
}

fn write_subscriptions(out: &mut Out, mgs: &[Mg], subs: &[Sub], summary: &mut Summary) {
    for sub in subs {
        let buf = out.file(format!("subscriptions/{}.yaml", sub.name));
        let _ = writeln!(
            buf,
            "# {} workload subscription ({})\nkind: Subscription\nname: {}\nid: {}",
            title(sub.unit),
            sub.env,
            sub.name,
            sub.id
        );
        if let Some(parent) = sub.parent {
            let _ = writeln!(buf, "parent: {}", scalar(&mgs[parent].name));
        }
        buf.push_str("resourceGroups:\n");
        for rg in &sub.rgs {
            summary.resource_groups += 1;
            let _ = writeln!(
                buf,
                "  - name: {}\n    location: {}\n    tags:\n      environment: {}\n      costCenter: \"{}\"\n      owner: {}-team@{TENANT_DOMAIN}",
                rg.name,
                rg.location,
                sub.env,
                4000 + sub.name.len() * 7 % 1000,
                sub.unit
            );
            buf.push_str("    resources:\n");
            for r in &rg.resources {
                summary.resources += 1;
                let _ = writeln!(
                    buf,
                    "      - name: {}\n        type: {}\n        location: {}",
                    r.name, r.ty, rg.location
                );
                if r.ty == "Microsoft.Compute/virtualMachines" {
                    let _ = writeln!(
                        buf,
                        "        tags:\n          patchGroup: {}\n          backup: daily",
                        ["A", "B", "C"][r.name.len() % 3]
                    );
                }
            }
        }
        count(summary, "Subscription");
    }
}

fn write_principals(
    out: &mut Out,
    users: &[User],
    groups: &[Group],
    sps: &[Sp],
    summary: &mut Summary,
) {
    for (i, u) in users.iter().enumerate() {
        let buf = out.file(format!("principals/users-{:02}.yaml", i / 1000 + 1));
        doc(buf);
        let _ = writeln!(
            buf,
            "kind: User\nname: {}\nobjectId: {}\ndisplayName: {}",
            scalar(&u.name),
            u.oid,
            scalar(&u.display)
        );
        if u.guest {
            buf.push_str("userType: Guest\n");
        }
        if !u.enabled {
            buf.push_str("enabled: false\n");
        }
        count(summary, "User");
    }
    for (i, g) in groups.iter().enumerate() {
        let buf = out.file(format!("principals/groups-{:02}.yaml", i / 1000 + 1));
        doc(buf);
        let _ = writeln!(
            buf,
            "kind: Group\nname: {}\nobjectId: {}\ndisplayName: {}",
            scalar(&g.name),
            g.oid,
            scalar(&g.display)
        );
        if !g.security {
            buf.push_str("securityEnabled: false\n");
        }
        if g.mail {
            buf.push_str("mailEnabled: true\n");
        }
        if !g.members.is_empty() {
            buf.push_str("members:\n");
            for m in &g.members {
                summary.group_memberships += 1;
                let _ = writeln!(buf, "  - {}", scalar(m));
            }
        }
        count(summary, "Group");
    }
    for (i, s) in sps.iter().enumerate() {
        let buf = out.file(format!(
            "principals/service-principals-{:02}.yaml",
            i / 1000 + 1
        ));
        doc(buf);
        let _ = writeln!(
            buf,
            "kind: ServicePrincipal\nname: {}\nobjectId: {}\ndisplayName: {}",
            scalar(&s.name),
            s.oid,
            scalar(&s.display)
        );
        if !s.enabled {
            buf.push_str("enabled: false\n");
        }
        count(summary, "ServicePrincipal");
    }
}

fn write_roles(out: &mut Out, subs: &[Sub], roles: &[Role], summary: &mut Summary) {
    for role in roles {
        let file = role.name.to_lowercase().replace(' ', "-");
        let buf = out.file(format!("roles/{file}.yaml"));
        let _ = writeln!(
            buf,
            "kind: RoleDefinition\nname: {}\nid: {}\ndescription: {}",
            scalar(&role.name),
            role.id,
            scalar(&role.description)
        );
        let list = |buf: &mut String, key: &str, items: &[&str]| {
            if !items.is_empty() {
                let _ = writeln!(buf, "{key}:");
                for a in items {
                    let _ = writeln!(buf, "  - {}", scalar(a));
                }
            }
        };
        list(buf, "actions", &role.actions);
        list(buf, "notActions", &role.not_actions);
        list(buf, "dataActions", &role.data_actions);
        let scopes: Vec<String> = role
            .scopes
            .iter()
            .map(|&(s, by_id)| sub_scope(&subs[s], by_id))
            .collect();
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        list(buf, "assignableScopes", &scopes);
        count(summary, "RoleDefinition");
    }
}

fn write_assignments(
    out: &mut Out,
    subs: &[Sub],
    assignments: &[Assignment],
    summary: &mut Summary,
) {
    for a in assignments {
        let path = match a.sub {
            Some(s) => format!("assignments/{}.yaml", subs[s].name),
            None => "assignments/management-groups.yaml".to_string(),
        };
        let buf = out.file(path);
        doc(buf);
        let _ = writeln!(
            buf,
            "kind: RoleAssignment\nprincipal: {}\nrole: {}\nscope: {}",
            scalar(&a.principal),
            scalar(&a.role),
            scalar(&a.scope)
        );
        if let Some(d) = &a.description {
            let _ = writeln!(buf, "description: {}", scalar(d));
        }
        count(summary, "RoleAssignment");
    }
}

#[allow(clippy::too_many_arguments)]
fn write_policies(
    out: &mut Out,
    rng: &mut Rng,
    p: &Params,
    mgs: &[Mg],
    subs: &[Sub],
    subs_below: &[Vec<usize>],
    summary: &mut Summary,
) {
    // Definitions: the templates, cycled with a version suffix past ten.
    let defs: Vec<PolicyDef> = (0..p.policy_definitions)
        .map(|i| {
            let template = i % POLICIES.len();
            let t = &POLICIES[template];
            let round = i / POLICIES.len();
            let (name, display) = if round == 0 {
                (t.name.to_string(), t.display.to_string())
            } else {
                (
                    format!("{}-v{}", t.name, round + 1),
                    format!("{} (v{})", t.display, round + 1),
                )
            };
            PolicyDef {
                template,
                name,
                display,
                id: rng.guid(),
            }
        })
        .collect();
    for d in &defs {
        let t = &POLICIES[d.template];
        let buf = out.file(format!("policies/definitions/{}.yaml", d.name));
        let _ = writeln!(
            buf,
            "kind: PolicyDefinition\nname: {}\ndisplayName: {}\nid: {}\ndescription: {}\nmode: {}",
            d.name,
            scalar(&d.display),
            d.id,
            scalar(&format!("Contoso baseline: {}.", t.display.to_lowercase())),
            t.mode
        );
        if !t.parameters.is_empty() {
            buf.push_str("parameters:\n");
            buf.push_str(t.parameters);
        }
        buf.push_str("policyRule:\n");
        buf.push_str(t.rule);
        count(summary, "PolicyDefinition");
    }

    // Assignments: mostly at management groups (upper levels), some at subscriptions.
    let mg_candidates: Vec<usize> = (0..mgs.len()).filter(|&m| mgs[m].level <= 4).collect();
    let mut assigns: Vec<PolicyAssign> = Vec::new();
    for i in 0..p.policy_assignments {
        let d = rng.below(defs.len());
        let def = &defs[d];
        let (scope, scope_text, below) = if subs.is_empty() || rng.percent(70) {
            let m = *rng.pick(&mg_candidates);
            (
                ScopeKey::Mg(m as u32),
                mg_scope(mgs, m),
                subs_below[m].clone(),
            )
        } else {
            let s = rng.below(subs.len());
            (
                ScopeKey::Sub(s as u32),
                sub_scope(&subs[s], rng.percent(10)),
                vec![s],
            )
        };
        let short: String = POLICIES[def.template].name.chars().take(16).collect();
        let policy = match rng.below(10) {
            0..7 => def.name.clone(),
            7..9 => def.display.clone(),
            _ => def.id.clone(),
        };
        assigns.push(PolicyAssign {
            name: format!("{}-{i:04}", short.trim_end_matches('-')),
            scope,
            scope_text,
            policy,
            template: def.template,
            subs_below: below,
        });
    }
    for a in &assigns {
        let path = match a.scope {
            ScopeKey::Mg(_) => "policies/assignments/management-groups.yaml",
            _ => "policies/assignments/subscriptions.yaml",
        };
        let buf = out.file(path);
        doc(buf);
        let t = &POLICIES[a.template];
        let _ = writeln!(
            buf,
            "kind: PolicyAssignment\nname: {}\ndisplayName: {}\nscope: {}\npolicy: {}",
            a.name,
            scalar(&format!("{} ({})", t.display, a.name)),
            a.scope_text,
            scalar(&a.policy)
        );
        if !t.values.is_empty() {
            buf.push_str("parameters:\n");
            buf.push_str(t.values[rng.below(t.values.len())]);
        }
        if matches!(a.scope, ScopeKey::Mg(_)) && a.subs_below.len() > 1 && rng.percent(15) {
            let s = *rng.pick(&a.subs_below);
            let _ = writeln!(buf, "notScopes:\n  - {}", sub_scope(&subs[s], false));
        }
        if rng.percent(10) {
            buf.push_str("enforcementMode: DoNotEnforce\n");
        }
        count(summary, "PolicyAssignment");
    }

    // Exemptions: at a subscription or resource group below the assignment's scope.
    let exemptible: Vec<usize> = (0..assigns.len())
        .filter(|&a| !assigns[a].subs_below.is_empty())
        .collect();
    if exemptible.is_empty() {
        return;
    }
    for i in 0..p.policy_exemptions {
        let a = &assigns[*rng.pick(&exemptible)];
        let s = *rng.pick(&a.subs_below);
        let sub = &subs[s];
        let scope = if rng.percent(50) {
            sub_scope(sub, false)
        } else {
            rg_scope(sub, rng.pick(&sub.rgs), false)
        };
        let reference = if rng.percent(30) {
            format!(
                "{}/providers/Microsoft.Authorization/policyAssignments/{}",
                a.scope_text, a.name
            )
        } else {
            a.name.clone()
        };
        let buf = out.file("policies/exemptions.yaml");
        doc(buf);
        let _ = writeln!(
            buf,
            "kind: PolicyExemption\nname: exempt-{}-{i:03}\ndisplayName: {}\npolicyAssignment: {}\nscope: {}\ncategory: {}\nexpiresOn: 2099-{:02}-{:02}T00:00:00Z\ndescription: {}",
            a.name,
            scalar(&format!("Exemption {} for {}", i + 1, sub.name)),
            reference,
            scope,
            if rng.percent(60) {
                "Waiver"
            } else {
                "Mitigated"
            },
            rng.range(1, 12),
            rng.range(1, 28),
            scalar(&format!(
                "Approved by the {} risk board; revisit before expiry.",
                sub.unit
            ))
        );
        count(summary, "PolicyExemption");
    }
}

/// Runs a program under `/usr/bin/time` when it is there: its output, the wall time, and
/// `/usr/bin/time`'s line (`12.3 s 456 KB`: elapsed, peak RSS).
#[allow(dead_code)] // not every benchmark times a process
pub fn run_timed(
    program: &str,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
) -> (std::process::Output, f64, Option<String>) {
    run_timed_to(program, args, env, true)
}

/// `run_timed` with the program's stdout sent to /dev/null: for timing a program whose output
/// is large (the access report on `limits` writes 2.3 GB), where collecting it in this process
/// would time the pipe and this process's buffer, not the program. `Output::stdout` is empty.
#[allow(dead_code)] // not every benchmark times a process
pub fn run_timed_discarding_stdout(
    program: &str,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
) -> (std::process::Output, f64, Option<String>) {
    run_timed_to(program, args, env, false)
}

fn run_timed_to(
    program: &str,
    args: &[&std::ffi::OsStr],
    env: &[(&str, &str)],
    keep_stdout: bool,
) -> (std::process::Output, f64, Option<String>) {
    use std::process::Command;
    let timed = Path::new("/usr/bin/time").exists();
    let mut cmd = if timed {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", "%e s %M KB", program]);
        c
    } else {
        Command::new(program)
    };
    let t = std::time::Instant::now();
    if !keep_stdout {
        cmd.stdout(std::process::Stdio::null());
    }
    let o = cmd
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("the program runs");
    let wall = t.elapsed().as_secs_f64();
    let line = String::from_utf8_lossy(&o.stderr)
        .lines()
        .last()
        .filter(|_| timed)
        .map(str::to_string);
    (o, wall, line)
}

/// Files below `dir` and their bytes.
#[allow(dead_code)] // not every benchmark weighs a folder
pub fn folder_size(dir: &Path) -> (usize, u64) {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .fold((0, 0), |(n, b), e| {
            (n + 1, b + e.metadata().map_or(0, |m| m.len()))
        })
}

/// `target/<name>` (or under `$CARGO_TARGET_DIR`): where a benchmark keeps its trees.
#[allow(dead_code)] // not every benchmark keeps a folder
pub fn bench_dir(name: &str) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join(name)
}

/// A scale factor from the environment variable `var`, 1 when unset.
#[allow(dead_code)] // not every benchmark is scaled
pub fn env_scale(var: &str) -> f64 {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0)
}
