//! Effective access, as Azure decides it: the seed scenarios on `examples/contoso`, and
//! Azure's rules (NotActions per role, planes, inheritance, groups, denies, PIM, conditions)
//! on small trees. Each test name says the rule it pins.

use canopy::access::{Access, Decision, Plane};
use canopy::{Analysis, Options};
use std::path::{Path, PathBuf};
use std::process::Command;

fn at() -> jiff::Timestamp {
    "2026-11-25T00:00:00Z".parse().unwrap()
}

fn load(path: &Path) -> Analysis {
    canopy::load_with(path, &Options { now: Some(at()) }).expect("tree loads")
}

fn contoso() -> Analysis {
    load(Path::new("examples/contoso"))
}

fn decide(a: &Analysis, principal: &str, action: &str, scope: &str) -> Decision {
    let t = &a.tenant;
    let access = Access::new(t, at());
    let p = t
        .find_principal(principal)
        .unwrap_or_else(|| panic!("principal {principal}"));
    let s = t
        .resolve_scope(scope)
        .unwrap_or_else(|e| panic!("scope {scope}: {e:?}"));
    let plane = Plane::of(action).unwrap_or(Plane::Control);
    access.check(p, action, plane, s)
}

fn allowed(a: &Analysis, principal: &str, action: &str, scope: &str) -> bool {
    decide(a, principal, action, scope).allowed
}

const SUB: &str = "/subscriptions/contoso-prod";
const PROD: &str = "/subscriptions/contoso-prod/resourceGroups/Prod";
const TEST: &str = "/subscriptions/contoso-prod/resourceGroups/Test";
const TESTDB: &str = "/subscriptions/contoso-prod/resourceGroups/Test/providers/Microsoft.Sql/servers/sql-test/databases/TestDB";
const STORAGE: &str = "/subscriptions/contoso-prod/resourceGroups/Prod/providers/Microsoft.Storage/storageAccounts/stcontosoprod01";
const VM_READ: &str = "Microsoft.Compute/virtualMachines/read";
const VM_WRITE: &str = "Microsoft.Compute/virtualMachines/write";

#[test]
fn jills_team_reads_everything_in_the_subscription_through_group_membership() {
    let a = contoso();
    for who in ["jill.santos@contoso.com", "omar.haddad@contoso.com"] {
        for scope in [SUB, PROD, TEST, TESTDB, STORAGE] {
            assert!(allowed(&a, who, VM_READ, scope), "{who} reads at {scope}");
        }
    }
    // Omar is in jill-team; the answer names the path from him to the assignee.
    let d = decide(&a, "omar.haddad@contoso.com", VM_READ, PROD);
    let t = &a.tenant;
    let path: Vec<&str> = d.grants[0]
        .path
        .iter()
        .map(|p| t.principal(*p).name.value.as_str())
        .collect();
    assert_eq!(path, ["omar.haddad@contoso.com", "jill-team"]);
}

#[test]
fn nested_groups_are_transitive() {
    let a = contoso();
    // sam is in jill-team-contractors, which is in jill-team.
    let d = decide(&a, "sam.rivera@contoso.com", VM_WRITE, TEST);
    assert!(d.allowed);
    assert_eq!(d.grants[0].path.len(), 3);
}

#[test]
fn jills_team_manages_only_the_test_resource_group() {
    let a = contoso();
    assert!(allowed(&a, "jill.santos@contoso.com", VM_WRITE, TEST));
    assert!(!allowed(&a, "jill.santos@contoso.com", VM_WRITE, PROD));
    assert!(!allowed(&a, "jill.santos@contoso.com", VM_WRITE, SUB));
    let d = decide(&a, "jill.santos@contoso.com", VM_WRITE, PROD);
    assert_eq!(
        d.other_roles.len(),
        1,
        "Reader applies but does not grant write"
    );
}

#[test]
fn brock_manages_prod_only() {
    let a = contoso();
    assert!(allowed(&a, "brock@contoso.com", VM_WRITE, PROD));
    assert!(allowed(&a, "brock@contoso.com", VM_WRITE, STORAGE));
    assert!(!allowed(&a, "brock@contoso.com", VM_WRITE, TEST));
    assert!(!allowed(&a, "brock@contoso.com", VM_READ, SUB));
}

#[test]
fn brad_reads_only_testdb() {
    let a = contoso();
    assert!(allowed(
        &a,
        "brad.adams@contoso.com",
        "Microsoft.Sql/servers/databases/read",
        TESTDB
    ));
    assert!(!allowed(
        &a,
        "brad.adams@contoso.com",
        "Microsoft.Sql/servers/databases/write",
        TESTDB
    ));
    assert!(!allowed(&a, "brad.adams@contoso.com", VM_READ, TEST));
    assert!(!allowed(&a, "brad.adams@contoso.com", VM_READ, PROD));
}

#[test]
fn an_enabled_guest_gets_what_it_was_granted() {
    let a = contoso();
    let guest = "partner_fabrikam.com#EXT#@contoso.onmicrosoft.com";
    assert!(allowed(
        &a,
        guest,
        "Microsoft.Storage/storageAccounts/read",
        STORAGE
    ));
    assert!(!allowed(
        &a,
        guest,
        "Microsoft.Storage/storageAccounts/write",
        STORAGE
    ));
    assert!(!allowed(&a, guest, VM_READ, PROD));
}

#[test]
fn removing_brads_assignment_removes_his_access() {
    let mut a = contoso();
    let t = &mut a.tenant;
    let brad = t.find_principal("brad.adams@contoso.com").unwrap();
    t.role_assignments.retain(|ra| ra.principal != brad);
    t.reindex();
    assert!(!allowed(
        &a,
        "brad.adams@contoso.com",
        "Microsoft.Sql/servers/databases/read",
        TESTDB
    ));
}

/// A small tree written to a temp folder.
fn tree(name: &str, yaml: &str) -> Analysis {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("access")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let base = "kind: ManagementGroup\nname: root\n---\nkind: ManagementGroup\nname: prod\nparent: root\n---\n\
kind: Subscription\nname: s1\nparent: prod\nresourceGroups:\n  - name: rg1\n    resources:\n      - {name: vm1, type: Microsoft.Compute/virtualMachines}\n---\n\
kind: User\nname: u\n---\n";
    std::fs::write(dir.join("tree.yaml"), format!("{base}{yaml}")).unwrap();
    let a = load(&dir);
    let errors: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.severity == canopy::diag::Severity::Error)
        .map(|f| f.message.clone())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}");
    a
}

const RG: &str = "/subscriptions/s1/resourceGroups/rg1";
const VM: &str =
    "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1";

#[test]
fn not_actions_subtract_only_from_their_own_role_so_a_second_role_still_grants() {
    let a = tree(
        "notactions",
        "kind: RoleDefinition\nname: No Delete\nactions: ['Microsoft.Compute/*']\nnotActions: [Microsoft.Compute/virtualMachines/delete]\nassignableScopes: [/subscriptions/s1]\n---\n\
kind: RoleAssignment\nprincipal: u\nrole: No Delete\nscope: /subscriptions/s1\n",
    );
    assert!(!allowed(
        &a,
        "u",
        "Microsoft.Compute/virtualMachines/delete",
        VM
    ));
    assert!(allowed(
        &a,
        "u",
        "Microsoft.Compute/virtualMachines/write",
        VM
    ));
    let a = tree(
        "notactions-two-roles",
        "kind: RoleDefinition\nname: No Delete\nactions: ['Microsoft.Compute/*']\nnotActions: [Microsoft.Compute/virtualMachines/delete]\nassignableScopes: [/subscriptions/s1]\n---\n\
kind: RoleAssignment\nprincipal: u\nrole: No Delete\nscope: /subscriptions/s1\n---\n\
kind: RoleAssignment\nprincipal: u\nrole: Virtual Machine Contributor\nscope: /subscriptions/s1/resourceGroups/rg1\n",
    );
    let d = decide(&a, "u", "Microsoft.Compute/virtualMachines/delete", VM);
    assert!(d.allowed, "NotActions are not a deny: {d:#?}");
    assert_eq!(d.grants.len(), 1);
}

#[test]
fn wildcards_match_anywhere_and_ignore_case() {
    let a = tree(
        "wildcards",
        "kind: RoleDefinition\nname: Auth Writer\nactions: ['Microsoft.Authorization/*/Write', '*/read']\nassignableScopes: [/subscriptions/s1]\n---\n\
kind: RoleAssignment\nprincipal: u\nrole: Auth Writer\nscope: /subscriptions/s1\n",
    );
    assert!(allowed(
        &a,
        "u",
        "Microsoft.Authorization/roleAssignments/write",
        VM
    ));
    assert!(allowed(
        &a,
        "u",
        "microsoft.authorization/policyassignments/WRITE",
        VM
    ));
    assert!(allowed(
        &a,
        "u",
        "Microsoft.Network/virtualNetworks/read",
        RG
    ));
    assert!(!allowed(
        &a,
        "u",
        "Microsoft.Network/virtualNetworks/write",
        RG
    ));
}

#[test]
fn owners_star_grants_no_data_action_because_planes_are_separate() {
    let a = tree(
        "planes",
        "kind: RoleAssignment\nprincipal: u\nrole: Owner\nscope: /subscriptions/s1\n",
    );
    let blob_read = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
    assert_eq!(Plane::of(blob_read), Some(Plane::Data));
    assert!(!allowed(&a, "u", blob_read, RG));
    assert!(allowed(
        &a,
        "u",
        "Microsoft.Storage/storageAccounts/write",
        RG
    ));
    let a = tree(
        "planes-data",
        "kind: RoleAssignment\nprincipal: u\nrole: Storage Blob Data Reader\nscope: /subscriptions/s1\n",
    );
    assert!(allowed(&a, "u", blob_read, RG));
}

#[test]
fn an_assignment_applies_at_its_scope_and_below_not_above() {
    let a = tree(
        "inheritance",
        "kind: RoleAssignment\nprincipal: u\nrole: Reader\nscope: /subscriptions/s1/resourceGroups/rg1\n",
    );
    assert!(allowed(&a, "u", VM_READ, RG));
    assert!(allowed(&a, "u", VM_READ, VM));
    assert!(!allowed(&a, "u", VM_READ, "/subscriptions/s1"));
    let a = tree(
        "inheritance-root",
        "kind: RoleAssignment\nprincipal: u\nrole: Reader\nscope: /\n",
    );
    assert!(allowed(
        &a,
        "u",
        VM_READ,
        "/providers/Microsoft.Management/managementGroups/prod"
    ));
    assert!(allowed(&a, "u", VM_READ, VM));
}

#[test]
fn disabled_accounts_get_nothing_even_through_groups() {
    let a = tree(
        "disabled",
        "kind: User\nname: gone\nenabled: false\n---\nkind: Group\nname: g\nmembers: [gone, u]\n---\n\
kind: RoleAssignment\nprincipal: g\nrole: Reader\nscope: /\n",
    );
    let d = decide(&a, "gone", VM_READ, VM);
    assert!(!d.allowed && d.disabled);
    assert!(allowed(&a, "u", VM_READ, VM));
}

#[test]
fn membership_cycles_do_not_hang_access() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("access")
        .join("cycle");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("t.yaml"),
        "kind: ManagementGroup\nname: root\n---\nkind: User\nname: u\n---\nkind: Group\nname: a\nmembers: [b, u]\n---\n\
kind: Group\nname: b\nmembers: [a]\n---\nkind: RoleAssignment\nprincipal: b\nrole: Reader\nscope: /\n",
    )
    .unwrap();
    let a = load(&dir);
    assert!(
        a.findings
            .iter()
            .any(|f| f.code.as_str() == "membership-cycle")
    );
    assert!(allowed(&a, "u", VM_READ, "/"));
}

#[test]
fn a_matching_deny_wins_over_any_grant_but_not_over_its_exclusions() {
    let deny = "kind: RoleAssignment\nprincipal: u\nrole: Owner\nscope: /\n---\nkind: User\nname: admin\n---\n\
kind: RoleAssignment\nprincipal: admin\nrole: Owner\nscope: /\n---\n\
kind: DenyAssignment\nname: no-vm-delete\nscope: /subscriptions/s1\nprincipals: [Everyone]\nexcludePrincipals: [admin]\nactions: ['Microsoft.Compute/*/delete']\n";
    let a = tree("deny", deny);
    let d = decide(&a, "u", "Microsoft.Compute/virtualMachines/delete", VM);
    assert!(!d.allowed);
    assert_eq!((d.grants.len(), d.denies.len()), (1, 1));
    assert!(allowed(
        &a,
        "admin",
        "Microsoft.Compute/virtualMachines/delete",
        VM
    ));
    assert!(allowed(
        &a,
        "u",
        "Microsoft.Compute/virtualMachines/write",
        VM
    ));
    // Outside the deny's scope it does not apply.
    assert!(allowed(
        &a,
        "u",
        "Microsoft.Compute/virtualMachines/delete",
        "/providers/Microsoft.Management/managementGroups/prod"
    ));
}

#[test]
fn a_deny_with_do_not_apply_to_child_scopes_stops_at_its_scope() {
    let a = tree(
        "deny-children",
        "kind: RoleAssignment\nprincipal: u\nrole: Owner\nscope: /\n---\n\
kind: DenyAssignment\nscope: /subscriptions/s1\nprincipals: [u]\nactions: ['*']\ndoNotApplyToChildScopes: true\n",
    );
    assert!(!allowed(&a, "u", VM_READ, "/subscriptions/s1"));
    assert!(allowed(&a, "u", VM_READ, RG));
}

#[test]
fn a_deny_reaches_members_of_a_listed_group() {
    let a = tree(
        "deny-group",
        "kind: Group\nname: g\nmembers: [u]\n---\nkind: RoleAssignment\nprincipal: u\nrole: Reader\nscope: /\n---\n\
kind: DenyAssignment\nscope: /\nprincipals: [g]\nactions: ['*/read']\nnotActions: [Microsoft.Compute/virtualMachines/read]\n",
    );
    assert!(
        allowed(&a, "u", VM_READ, VM),
        "notActions of a deny exclude from the deny"
    );
    let d = decide(&a, "u", "Microsoft.Network/virtualNetworks/read", VM);
    assert!(!d.allowed);
    assert_eq!(d.denies[0].path.len(), 2);
}

#[test]
fn eligible_assignments_grant_nothing_until_activated_but_are_listed() {
    let a = tree(
        "pim",
        "kind: RoleAssignment\nprincipal: u\nrole: Owner\nscope: /subscriptions/s1\ntype: Eligible\n",
    );
    let d = decide(&a, "u", VM_READ, VM);
    assert!(!d.allowed);
    assert_eq!(d.eligible.len(), 1);
}

#[test]
fn expired_assignments_grant_nothing() {
    let dir_yaml = "kind: RoleAssignment\nprincipal: u\nrole: Reader\nscope: /\nendDateTime: 2025-01-01T00:00:00Z\n";
    let a = tree("expired", dir_yaml);
    assert!(!allowed(&a, "u", VM_READ, VM));
}

#[test]
fn conditions_make_a_grant_conditional_not_full_access() {
    let a = tree(
        "conditions",
        "kind: RoleAssignment\nprincipal: u\nrole: Storage Blob Data Reader\nscope: /\n\
condition: \"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'\"\nconditionVersion: '2.0'\n",
    );
    let d = decide(
        &a,
        "u",
        "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
        VM,
    );
    assert!(d.allowed && d.conditional, "{d:#?}");
    assert_eq!(d.grants[0].conditions.len(), 1);
}

#[test]
fn co_administrators_are_owner_at_their_subscription() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("access")
        .join("coadmin");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("t.yaml"),
        "kind: ManagementGroup\nname: root\n---\nkind: User\nname: u\n---\nkind: Subscription\nname: s1\ncoAdministrators: [u]\n---\nkind: Subscription\nname: s2\n",
    )
    .unwrap();
    let a = load(&dir);
    let d = decide(
        &a,
        "u",
        "Microsoft.Authorization/roleAssignments/write",
        "/subscriptions/s1",
    );
    assert!(d.allowed);
    assert!(matches!(
        d.grants[0].source,
        canopy::access::Source::CoAdministrator(_)
    ));
    assert!(!allowed(&a, "u", VM_READ, "/subscriptions/s2"));
}

// ---- The commands, run as a user would ---------------------------------------------------

fn canopy(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("canopy runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

const AT: &str = "--at=2026-11-25T00:00:00Z";

#[test]
fn access_check_output() {
    let (code, out, _) = canopy(&[
        "access",
        "check",
        "examples/contoso",
        AT,
        "--principal",
        "omar.haddad@contoso.com",
        "--action",
        VM_WRITE,
        "--scope",
        TEST,
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("check_allowed", out);
    let (code, out, _) = canopy(&[
        "access",
        "check",
        "examples/contoso",
        AT,
        "--principal",
        "jill.santos@contoso.com",
        "--action",
        VM_WRITE,
        "--scope",
        PROD,
    ]);
    assert_eq!(code, 0, "exit 0 whether allowed or not");
    insta::assert_snapshot!("check_not_allowed", out);
}

#[test]
fn access_check_json_has_allowed_and_the_reasons() {
    let (code, out, _) = canopy(&[
        "access",
        "check",
        "examples/contoso",
        AT,
        "--format",
        "json",
        "--principal",
        "brock@contoso.com",
        "--action",
        VM_WRITE,
        "--scope",
        PROD,
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["allowed"], true);
    assert_eq!(v["grants"][0]["role"], "Contributor");
    assert_eq!(v["grants"][0]["path"][0], "brock@contoso.com");
}

#[test]
fn access_check_refuses_unknown_principal_scope_and_action_with_a_hint() {
    let (code, _, err) = canopy(&[
        "access",
        "check",
        "examples/contoso",
        "--principal",
        "jill.santo@contoso.com",
        "--action",
        VM_READ,
        "--scope",
        SUB,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("did you mean `jill.santos@contoso.com`"),
        "{err}"
    );
    let (code, _, err) = canopy(&[
        "access",
        "check",
        "examples/contoso",
        "--principal",
        "brock@contoso.com",
        "--action",
        "Microsoft.Compute/virtualMachine/read",
        "--scope",
        SUB,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("did you mean `Microsoft.Compute/virtualMachines/read`"),
        "{err}"
    );
    let (code, _, err) = canopy(&[
        "access",
        "check",
        "examples/contoso",
        "--principal",
        "brock@contoso.com",
        "--action",
        VM_READ,
        "--scope",
        "/subscriptions/contoso-prod/resourceGroups/Prdo",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `Prod`"), "{err}");
}

#[test]
fn access_who_and_what_outputs() {
    let (code, out, _) = canopy(&[
        "access",
        "who",
        "examples/contoso",
        AT,
        "--scope",
        TEST,
        "--action",
        VM_WRITE,
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("who_can_write_vms_in_test", out);
    let (code, out, _) = canopy(&[
        "access",
        "what",
        "examples/contoso",
        AT,
        "--principal",
        "jill.santos@contoso.com",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("what_jill_can_do", out);
}

#[test]
fn access_report_in_three_formats() {
    let (code, out, _) = canopy(&["access", "report", "examples/contoso", AT]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("report_human", out);
    let (code, out, _) = canopy(&[
        "access",
        "report",
        "examples/contoso",
        AT,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("report JSON parses");
    let rows = v["access"].as_array().unwrap();
    assert_eq!(v["summary"]["effectiveRoles"], rows.len());
    assert!(
        rows.iter()
            .any(|r| r["principal"] == "sam.rivera@contoso.com"
                && r["path"].as_array().unwrap().len() == 3)
    );
    let owners = &v["privileged"]["canAssignRoles"];
    assert!(
        owners
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["role"] == "Owner")
    );
    let (code, out, _) = canopy(&[
        "access",
        "report",
        "examples/contoso",
        AT,
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(
        lines.next(),
        Some("principal,kind,guest,role,roleId,scope,via,path,eligible,conditional,file,line")
    );
    assert_eq!(lines.count(), rows.len(), "one CSV line per JSON row");
    // The report releases the tenant's resources once it has spelled the paths of the scopes
    // grants are made at; grants at resources are written from those paths (here in CSV and
    // JSON; the human report's snapshot holds them too).
    let at_resource = "/subscriptions/contoso-prod/resourceGroups/Test/providers/Microsoft.Sql/servers/sql-test/databases/TestDB";
    assert!(out.contains(at_resource));
    assert!(rows.iter().any(|r| r["scope"] == at_resource));
    assert!(
        out.contains("\"partner_fabrikam.com#EXT#@contoso.onmicrosoft.com\"")
            || out.contains("partner_fabrikam.com#EXT#@contoso.onmicrosoft.com,user,true")
    );
}

#[test]
fn access_report_flags_direct_disabled_and_repeated_assignments() {
    let a = tree(
        "report-flags",
        "kind: User\nname: gone\nenabled: false\n---\nkind: RoleAssignment\nprincipal: gone\nrole: Reader\nscope: /\n---\n\
kind: RoleAssignment\nprincipal: u\nrole: Reader\nscope: /subscriptions/s1\n---\n\
kind: RoleAssignment\nprincipal: u\nrole: Reader\nscope: /subscriptions/s1/resourceGroups/rg1\n",
    );
    let access = Access::new(&a.tenant, at());
    let r = canopy::access::report::AccessReport::build(&access);
    let reasons: Vec<&str> = r.ineffective.iter().map(|f| f.reason.as_str()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|x| x.contains("disabled")));
    assert!(
        reasons
            .iter()
            .any(|x| x.contains("inherited from `/subscriptions/s1`"))
    );
    assert_eq!(r.direct_user_assignments.len(), 3);
}

#[test]
fn contoso_shows_a_deny_a_condition_and_an_eligible_owner() {
    let a = contoso();
    // The deny on production networking beats Brock's Contributor; the pipeline is excluded.
    let d = decide(
        &a,
        "brock@contoso.com",
        "Microsoft.Network/virtualNetworks/delete",
        PROD,
    );
    assert!(!d.allowed && d.grants.len() == 1 && d.denies.len() == 1);
    assert!(allowed(
        &a,
        "sp-deploy-pipeline",
        "Microsoft.Network/virtualNetworks/delete",
        PROD
    ));
    // Brad's blob read depends on an ABAC condition.
    let blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
    let d = decide(&a, "brad.adams@contoso.com", blob, STORAGE);
    assert!(d.allowed && d.conditional);
    // Priya is eligible for Owner of production: listed, not granted.
    let d = decide(
        &a,
        "priya.nair@contoso.com",
        "Microsoft.Compute/virtualMachines/delete",
        SUB,
    );
    assert!(!d.allowed);
    assert_eq!(d.eligible.len(), 1);
}
