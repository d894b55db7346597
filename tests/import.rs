//! `canopy import`, end to end with the real binary.
//!
//! The round trip: [`export`] writes what the Azure CLI would print for the tenant of
//! `examples/contoso` (the command shapes are in `tests/exports/README.md`), `canopy
//! import` turns it back into a tree, and the imported tree must give the same effective
//! access and the same policy results as the original. What the CLI exports cannot carry is
//! left out of the comparison and said below: deny assignments (no `az` list command),
//! eligible PIM assignments (PIM schedules are a separate API), classic co-administrators.

#[path = "support/export.rs"]
mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{azure_scope, export, to_graph};

const AT: &str = "2026-11-25T00:00:00Z";

fn canopy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canopy"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("canopy runs")
}

/// `canopy import EXPORTS --out OUT [extra...]`.
fn import_into(exports: &Path, out: &Path, extra: &[&str]) -> Output {
    let (e, o) = (exports.to_str().unwrap(), out.to_str().unwrap());
    let mut args = vec!["import", e, "--out", o];
    args.extend_from_slice(extra);
    canopy(&args)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("import")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load(dir: &Path) -> canopy::Analysis {
    let options = canopy::Options {
        now: Some(AT.parse().unwrap()),
    };
    canopy::load_with(dir, &options).expect("tree loads")
}

/// contoso, loaded, and its exports written into `dir/exports`.
fn contoso_exports(dir: &Path) -> (PathBuf, canopy::Analysis) {
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let original = load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/contoso"
    )));
    export(&original.tenant, &exports);
    (exports, original)
}

/// Every active grant: (principal, role, Azure scope), through groups, as `canopy access`
/// computes it.
fn grants(a: &canopy::Analysis) -> BTreeSet<(String, String, String)> {
    let t = &a.tenant;
    let access = canopy::access::Access::new(t, AT.parse().unwrap());
    let mut out = BTreeSet::new();
    for (i, p) in t.principals.iter().enumerate() {
        let (active, _) = access.grants_of(canopy::model::PrincipalId(i as u32));
        for g in active {
            if matches!(g.source, canopy::access::Source::CoAdministrator(_)) {
                continue;
            }
            out.insert((
                p.name.value.to_lowercase(),
                t.role_name(g.role).to_string(),
                azure_scope(t, g.scope).to_lowercase(),
            ));
        }
    }
    out
}

fn policy_results(a: &canopy::Analysis) -> BTreeSet<(String, String)> {
    a.findings
        .iter()
        .filter(|f| {
            matches!(
                f.code,
                canopy::diag::Code::PolicyViolation | canopy::diag::Code::PolicyAudit
            )
        })
        .map(|f| (f.code.to_string(), f.message.clone()))
        .collect()
}

#[test]
fn contoso_round_trips_through_its_exports() {
    let dir = scratch("round-trip");
    let (exports, original) = contoso_exports(&dir);
    let out = dir.join("tree");
    let o = import_into(&exports, &out, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    let imported = load(&out);
    let problems: Vec<String> = imported
        .findings
        .iter()
        .filter(|f| {
            !matches!(
                f.code,
                canopy::diag::Code::PolicyAudit
                    | canopy::diag::Code::ExpiredExemption
                    | canopy::diag::Code::PolicyViolation
            )
        })
        .map(|f| format!("{}: {}", f.code, f.message))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}\n{}", stdout(&o));
    let (want, got) = (grants(&original), grants(&imported));
    assert!(
        want.len() > 25,
        "the comparison covers contoso's grants: {want:#?}"
    );
    assert_eq!(got, want);
    let want = policy_results(&original);
    assert!(!want.is_empty());
    assert_eq!(policy_results(&imported), want);
    // The import says what it read and left out.
    let summary = stdout(&o);
    assert!(
        summary
            .contains("read hierarchy.json: az account management-group show --expand --recurse"),
        "{summary}"
    );
    assert!(
        summary.contains("canopy import: 12 management groups, 9 subscriptions"),
        "{summary}"
    );

    // Determinism: the same exports give byte-identical files, and a re-import changes nothing.
    let again = dir.join("tree-again");
    let o = import_into(&exports, &again, &[]);
    assert_eq!(o.status.code(), Some(0));
    let files = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(d)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(d).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(files(&out), files(&again));
    let o = import_into(&exports, &out, &[]);
    assert!(stdout(&o).contains("wrote 0 files"), "{}", stdout(&o));
}

/// The same facts from Azure Resource Graph instead of the CLI's list commands: the
/// imported tree gives the same answers, and says nothing different from the CLI's import.
#[test]
fn contoso_round_trips_through_resource_graph_pages() {
    let dir = scratch("graph");
    let (cli, original) = contoso_exports(&dir);
    let graph = dir.join("graph");
    std::fs::create_dir_all(&graph).unwrap();
    // 5 rows to a page, so every table is paged.
    to_graph(&cli, &graph, 5);
    let pages = std::fs::read_dir(&graph)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy()
                .starts_with("graph-authorizationresources-")
        })
        .count();
    assert!(pages >= 3, "role assignments span several pages: {pages}");
    let out = dir.join("tree");
    let o = import_into(&graph, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let imported = load(&out);
    assert_eq!(grants(&imported), grants(&original));
    assert_eq!(policy_results(&imported), policy_results(&original));
    // Roles are named, not left as GUIDs, and types keep Azure's spelling.
    let assignments = std::fs::read_to_string(out.join("assignments/contoso-prod.yaml"))
        .or_else(|_| {
            walkdir::WalkDir::new(out.join("assignments"))
                .into_iter()
                .filter_map(Result::ok)
                .find(|e| e.file_type().is_file())
                .map(|e| std::fs::read_to_string(e.path()).unwrap())
                .ok_or(())
        })
        .unwrap();
    assert!(assignments.contains("role: "), "{assignments}");
    let text = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .collect::<String>();
    assert!(
        !text.contains("role: 8e3af657") && !text.contains("role: b24988ac"),
        "built-in roles are named"
    );
    assert!(text.contains("Microsoft.Storage/storageAccounts"), "{text}");

    // The two sources agree: the Resource Graph pages show no drift from the tree the CLI
    // exports make.
    let cli_tree = dir.join("cli-tree");
    assert_eq!(import_into(&cli, &cli_tree, &[]).status.code(), Some(0));
    let o = canopy(&[
        "import",
        "--check",
        graph.to_str().unwrap(),
        cli_tree.to_str().unwrap(),
        "--at",
        AT,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // A page left out is an error, and nothing is written.
    let last = std::fs::read_dir(&graph)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("graph-authorizationresources-")
        })
        .max()
        .unwrap();
    std::fs::remove_file(&last).unwrap();
    let partial = dir.join("partial");
    let o = import_into(&graph, &partial, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("a Resource Graph query of authorizationresources matched"),
        "{}",
        stdout(&o)
    );
    assert!(!partial.exists());
}

#[test]
fn a_reimport_never_touches_what_a_person_wrote() {
    let dir = scratch("reimport");
    let (exports, _) = contoso_exports(&dir);
    let out = dir.join("tree");
    // A folder of someone else's files is refused...
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.yaml"), "# mine\n").unwrap();
    let o = import_into(&exports, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    // ...unless forced; and the person's file stays as it was.
    let o = import_into(&exports, &out, &["--force"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.yaml")).unwrap(),
        "# mine\n"
    );
    // A file canopy no longer writes is removed; one a person took over is refused.
    let exemptions: Vec<PathBuf> = walkdir::WalkDir::new(out.join("policies/exemptions"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    assert!(!exemptions.is_empty());
    std::fs::write(exports.join("policy-exemptions.json"), "[]").unwrap();
    let o = import_into(&exports, &out, &[]);
    assert!(
        stdout(&o).contains(&format!("{} removed", exemptions.len())),
        "{}",
        stdout(&o)
    );
    assert!(exemptions.iter().all(|e| !e.exists()));
    std::fs::write(out.join("principals/users.yaml"), "# taken over by hand\n").unwrap();
    let o = import_into(&exports, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never overwrites"));
}

#[test]
fn bad_exports_are_named_and_nothing_is_written() {
    let dir = scratch("bad");
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(
        exports.join("a-not-json.json"),
        "Please run 'az login' to setup account.\n",
    )
    .unwrap();
    std::fs::write(
        exports.join("b-truncated.json"),
        "[{\"id\": \"x\",\n \"type\": ",
    )
    .unwrap();
    std::fs::write(exports.join("c-unknown.json"), "[{\"foo\": 1}]").unwrap();
    std::fs::write(exports.join("d-members.json"), "[{\"@odata.type\": \"#microsoft.graph.user\", \"id\": \"a3df7586-3892-4c70-8bd8-6aaa2ec98527\"}]").unwrap();
    std::fs::write(
        exports.join("e-two-tenants.json"),
        r#"[{"cloudName": "AzureCloud", "id": "11111111-1111-1111-1111-111111111111", "name": "a", "tenantId": "22222222-2222-2222-2222-222222222222"},
            {"cloudName": "AzureCloud", "id": "33333333-3333-3333-3333-333333333333", "name": "b", "tenantId": "44444444-4444-4444-4444-444444444444"}]"#,
    )
    .unwrap();
    std::fs::write(exports.join("f-scalar.json"), "42").unwrap();
    std::fs::write(
        exports.join("h-graph.json"),
        r#"{"count": 2, "data": [{"id": "/providers/Microsoft.Management/managementGroups/corp", "name": "corp", "type": "microsoft.management/managementgroups", "properties": {"displayName": "Corp"}},
            {"id": "/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.PolicyInsights/policyStates/latest", "type": "microsoft.policyinsights/policystates"}],
            "skip_token": "ew0KICAiJGlkIjogIjEiLA0K", "total_records": 3000}"#,
    )
    .unwrap();
    std::fs::write(
        exports.join("g-warning.json"),
        "WARNING: This command is in preview and under development.\n[]\n",
    )
    .unwrap();
    let out = dir.join("tree");
    let o = import_into(&exports, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    for want in [
        "error: a-not-json.json at $: not JSON",
        "error: b-truncated.json at $: the file ends inside its JSON (line 2",
        "error: c-unknown.json at $: a list of objects of no shape canopy knows; accepted: az account management-group show",
        "error: d-members.json at $: a group's member list, but the file's name holds no group object ID",
        "the exports come from 2 tenants",
        "error: f-scalar.json at $: a number, not an export",
        "skipped: c-unknown.json at $[0]: an object of no shape canopy knows",
        "skipped: g-warning.json at $: 1 `WARNING:` line before the JSON (the CLI's warnings, captured with 2>&1)",
        "error: h-graph.json at $.total_records: a Resource Graph query of mixed matched 3000 rows but its 1 page (h-graph.json) hold 2 distinct rows: export the next pages with `az graph query ... --skip-token TOKEN`",
        "skipped: h-graph.json at $.data: 1 row of type `microsoft.policyinsights/policystates`: compliance states, which canopy computes itself",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    assert!(!out.exists(), "no partial tree is left behind");
}

#[test]
fn check_reports_drift_both_ways() {
    let dir = scratch("drift");
    let (exports, _) = contoso_exports(&dir);
    let (e, tree) = (exports.to_str().unwrap(), "examples/contoso");
    // The exports of the tree itself: no drift (deny assignments and eligible assignments,
    // which no export carries, are not reported as missing from Azure).
    let o = canopy(&["import", "--check", e, tree, "--at", AT]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("Azure and the tree agree"),
        "{}",
        stdout(&o)
    );

    // In "Azure": someone gave Brock Owner on contoso-prod in the portal, and Brad's
    // reader on the test database was removed.
    let sub = "f08e60be-73d7-4dc3-b013-a1c745791741";
    let file = exports.join(format!("role-assignments-{sub}.json"));
    let mut list: Vec<Value> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let before = list.len();
    list.retain(|a| {
        !(a["principalName"] == "brad.adams@contoso.com" && a["roleDefinitionName"] == "Reader")
    });
    assert_eq!(list.len(), before - 1);
    let mut owner = list[0].clone();
    owner["id"] = json!(format!(
        "/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/99999999-0000-4000-8000-000000000001"
    ));
    owner["principalId"] = json!("9930c05b-d081-4b47-9a07-7afed2fd8a35");
    owner["principalName"] = json!("brock@contoso.com");
    owner["principalType"] = json!("User");
    owner["roleDefinitionName"] = json!("Owner");
    owner["roleDefinitionId"] = json!(
        "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    );
    owner["scope"] = json!(format!("/subscriptions/{sub}"));
    owner["condition"] = Value::Null;
    list.push(owner);
    std::fs::write(&file, serde_json::to_string_pretty(&list).unwrap()).unwrap();

    let o = canopy(&["import", "--check", e, tree, "--format", "json", "--at", AT]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["differs"], true);
    let s = &v["drift"]["summary"];
    assert_eq!(s["roleAssignmentChanges"], 2, "{s:#}");
    let gained = v["drift"]["access"]["gained"].to_string();
    let lost = v["drift"]["access"]["lost"].to_string();
    assert!(
        gained.contains("brock@contoso.com") && gained.contains("Owner"),
        "{gained}"
    );
    assert!(
        lost.contains("brad.adams@contoso.com") && lost.contains("Reader"),
        "{lost}"
    );
    let o = canopy(&[
        "import", "--check", e, tree, "--format", "markdown", "--at", AT,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("### canopy: drift between Azure and the tree"),
        "{}",
        stdout(&o)
    );
    // Nothing was written anywhere.
    assert!(
        !Path::new(tree)
            .join("assignments/management-groups")
            .exists()
    );
}

/// Every documented export shape in `tests/exports/cli` (see its README), imported.
#[test]
fn every_documented_shape_is_recognised() {
    let dir = scratch("documented");
    let out = dir.join("tree");
    let o = import_into(Path::new("tests/exports/cli"), &out, &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    for (file, shape) in [
        (
            "management-group-show.json",
            "az account management-group show --expand --recurse",
        ),
        (
            "management-group-entities.json",
            "az account management-group entities list",
        ),
        ("account-list.json", "az account list"),
        ("group-list.json", "az group list"),
        ("resource-list.json", "az resource list"),
        ("ad-user-list.json", "az ad user list"),
        ("ad-group-list.json", "az ad group list"),
        ("ad-sp-list.json", "az ad sp list"),
        (
            "members-7d96660a-02e1-4112-9515-1762d0cb66b7.json",
            "az ad group member list",
        ),
        ("role-definition-list.json", "az role definition list"),
        ("role-assignment-list.json", "az role assignment list"),
        ("policy-definition-list.json", "az policy definition list"),
        ("policy-assignment-list.json", "az policy assignment list"),
        ("policy-exemption-list.json", "az policy exemption list"),
    ] {
        assert!(
            text.contains(&format!("read {file}: {shape}\n")),
            "{file}:\n{text}"
        );
    }
    // Nothing is dropped silently: what canopy cannot evaluate is said, with the reason.
    assert!(
        text.contains("assigns an initiative (policy set), which canopy does not evaluate yet"),
        "{text}"
    );
    assert!(
        text.contains(
            "which is neither a custom definition in the exports nor a built-in canopy evaluates"
        ),
        "{text}"
    );
    let a = load(&out);
    assert!(!a.tenant.role_assignments.is_empty() && !a.tenant.subscriptions.is_empty());
    // The guest is recognised by the #EXT# in its UPN (Graph's default user fields have no userType).
    let guests = a.tenant.principals.iter().filter(|p| p.guest).count();
    let ext = a
        .tenant
        .principals
        .iter()
        .filter(|p| p.name.value.contains("#EXT#"))
        .count();
    assert_eq!(guests, ext);
}

/// The Resource Graph pages of `tests/exports/graph`, one per table, in the shapes
/// `tests/exports/README.md` cites.
#[test]
fn every_resource_graph_table_is_read() {
    let dir = scratch("documented-graph");
    let out = dir.join("tree");
    let o = import_into(Path::new("tests/exports/graph"), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let text = stdout(&o);
    for want in [
        "read resourcecontainers.json: az graph query\n",
        "canopy import: 2 management groups, 1 subscription, 1 resource group, 2 resources, 0 users, 0 groups, 0 service principals, 1 custom role, 3 role assignments, 1 policy definition, 1 policy assignment, 1 policy exemption from 4 export files",
        // What is not read is said, with the reason, once per type and file.
        "skipped: authorizationresources.json at $.data: 1 row of type `microsoft.authorization/classicadministrators`: classic administrators",
        "skipped: policyresources.json at $.data: 1 row of type `microsoft.authorization/policysetdefinitions`: initiative (policy set) definitions",
        "skipped: policyresources.json at $.data: 1 row of type `microsoft.policyinsights/policystates`: compliance states",
        // Resource Graph's assignments name no principal: the object ID and type are kept.
        "skipped: authorizationresources.json at $.data[2]: principal `0e0e0e0e-1111-4222-8333-444455556666` (User) is in no export",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    let read = |p: &str| std::fs::read_to_string(out.join(p)).unwrap();
    // The subscription's name and parent come from its row and its ancestors chain.
    let sub = read("subscriptions/platform-connectivity.yaml");
    assert!(sub.contains("name: Platform Connectivity\nid: 11111111-1111-1111-1111-111111111111\nparent: mg-platform\n"), "{sub}");
    // Types keep Azure's spelling; roles are named from their GUIDs, built-in and custom.
    assert!(
        sub.contains("type: Microsoft.Storage/storageAccounts\n"),
        "{sub}"
    );
    let a = read("assignments/subscriptions/platform-connectivity.yaml");
    assert!(
        a.contains("role: VM Restarter\n") && a.contains("role: Storage Blob Data Reader\n"),
        "{a}"
    );
    assert!(read("assignments/management-groups/mg-platform.yaml").contains("role: Owner\n"));
    // A role definition's `properties.type` is its kind (`CustomRole`), not the ARM type.
    assert!(read("roles/custom-roles.yaml").contains("name: VM Restarter\n"));
    assert!(
        read("policies/assignments/management-groups/mg-platform.yaml")
            .contains("policy: e56962a6-4747-49cd-b67b-bf8b01975c4c\n")
    );
}

/// The CLI's lists and Resource Graph pages of the same tenant in one folder are the same
/// facts, not conflicts; pages that lie about themselves are errors, never a panic.
#[test]
fn mixed_sources_agree_and_lying_pages_are_refused() {
    let dir = scratch("mixed");
    let (cli, original) = contoso_exports(&dir);
    let graph = dir.join("graph");
    std::fs::create_dir_all(&graph).unwrap();
    to_graph(&cli, &graph, 5);
    for e in std::fs::read_dir(&graph).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().into_string().unwrap();
        if name.starts_with("graph-") {
            std::fs::copy(e.path(), cli.join(name)).unwrap();
        }
    }
    let out = dir.join("tree");
    let o = import_into(&cli, &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(!stdout(&o).contains("conflict:"), "{}", stdout(&o));
    assert_eq!(grants(&load(&out)), grants(&original));

    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    let sub = |id: &str| {
        format!(
            r#"{{"id": "/subscriptions/{id}", "name": "Same", "type": "microsoft.resources/subscriptions", "subscriptionId": "{id}", "properties": {{}}}}"#
        )
    };
    std::fs::write(
        bad.join("a.json"),
        format!(
            r#"{{"count": 18446744073709551615, "data": [{}, {}], "skip_token": null, "total_records": 18446744073709551615}}"#,
            sub("aaaaaaaé-x"),
            sub("bbbbbbbé-y")
        ),
    )
    .unwrap();
    std::fs::write(
        bad.join("b.json"),
        r#"{"count": 18446744073709551615, "data": [], "skip_token": "abc", "total_records": "many"}"#,
    )
    .unwrap();
    std::fs::write(
        bad.join("c.json"),
        r#"{"count": 1, "data": [{"id": "/providers/Microsoft.Management/managementGroups/g", "name": "", "type": "microsoft.management/managementgroups"}], "skip_token": null, "total_records": 1}"#,
    )
    .unwrap();
    let o = import_into(&bad, &dir.join("bad-tree"), &[]);
    let text = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{text}");
    for want in [
        "error: a.json at $.count: the page says it holds 18446744073709551615 rows but holds 2",
        "skipped: a.json at $.data[0]: subscription `Same` has ID `aaaaaaaé-x`, which is not a GUID",
        "error: b.json at $.total_records: `total_records` is not a whole number",
        "skipped: c.json at $.data[0]: management group row has no `name`",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    assert!(!dir.join("bad-tree").exists());
}

/// The AAD Graph objects that Azure CLI 2.36 and older print for `az ad ... list`
/// (`objectId`, `objectType`, no `@odata.type`) are read as the Microsoft Graph ones are.
#[test]
fn aad_graph_exports_of_older_clis_are_read() {
    let dir = scratch("aad-graph");
    let out = dir.join("tree");
    let o = import_into(Path::new("tests/exports/aad-graph"), &out, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("2 users, 1 group, 1 service principal"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains(
            "read members-7d96660a-02e1-4112-9515-1762d0cb66b7.json: az ad group member list"
        ),
        "{}",
        stdout(&o)
    );
    let t = load(&out).tenant;
    let p = |n: &str| t.principal(t.find_principal(n).unwrap());
    let group = p("sg-platform-admins");
    assert_eq!(group.members.len(), 1);
    assert_eq!(group.members[0].0.value, "lee.chen@contoso.com");
    let partner = p("partner_fabrikam.com#EXT#@contoso.onmicrosoft.com");
    assert!(partner.guest && !partner.enabled.value);
    assert_eq!(
        p("sp-deploy-pipeline").object_id.as_ref().unwrap().value,
        "f2bb46c6-b19e-4504-b5b2-ef896ef6f861"
    );
}
