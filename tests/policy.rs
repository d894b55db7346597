//! `canopy policy` and `canopy policy effective`, run as a user would.

use std::process::Command;

fn canopy(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("canopy runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

const AT: &str = "--at=2026-11-25T00:00:00Z";

#[test]
fn policy_lists_every_evaluation_with_verdict_and_reason() {
    let (code, out) = canopy(&["policy", "examples/broken", AT, "--format", "json"]);
    assert_eq!(code, 0, "policy reports; check is what fails");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["results"].as_array().unwrap();
    let vm = results
        .iter()
        .find(|r| {
            r["scope"]
                .as_str()
                .unwrap()
                .ends_with("/virtualMachines/vm-web-02")
        })
        .expect("the East US VM is evaluated");
    assert_eq!(vm["compliant"], false);
    assert_eq!(vm["effect"], "deny");
    assert_eq!(vm["enforced"], true);
    assert_eq!(vm["exempt"], false);
    assert!(
        vm["reason"]
            .as_str()
            .unwrap()
            .starts_with("location eastus is not in [westus]")
    );
    assert_eq!(v["summary"]["evaluated"], results.len());
    let (_, out) = canopy(&[
        "policy",
        "examples/broken",
        AT,
        "--format",
        "json",
        "--non-compliant",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["compliant"] == false)
    );
}

#[test]
fn policy_csv_and_human() {
    let (code, out) = canopy(&["policy", "examples/broken", AT, "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(
        out.lines().next(),
        Some("scope,assignment,policy,effect,compliant,exempt,enforced,reason")
    );
    let (_, out) = canopy(&["policy", "examples/broken", AT, "--non-compliant"]);
    insta::assert_snapshot!("broken_non_compliant", out);
}

#[test]
fn effective_policy_intersects_allowed_locations_down_the_hierarchy() {
    let (code, out) = canopy(&[
        "policy",
        "effective",
        "examples/contoso",
        AT,
        "--format",
        "json",
        "--scope",
        "/subscriptions/contoso-prod/resourceGroups/Prod",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // [westus, eastus, westeurope] at contoso, [westus] at production: westus.
    assert_eq!(v["allowedLocations"], serde_json::json!(["westus"]));
    let from: Vec<&str> = v["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["from"].as_str().unwrap())
        .collect();
    assert_eq!(
        from.first(),
        Some(&"/providers/Microsoft.Management/managementGroups/contoso")
    );
    // The sandbox is in contoso's notScopes: nothing applies there.
    let (_, out) = canopy(&[
        "policy",
        "effective",
        "examples/contoso",
        AT,
        "--format",
        "json",
        "--scope",
        "/subscriptions/contoso-sandbox",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["allowedLocations"], serde_json::Value::Null);
}

/// The seed's Production scenario on examples/contoso: `check` passes while `policy` shows
/// real non-compliance, each case the way Azure treats it.
#[test]
fn contoso_production_scenario() {
    let (code, out) = canopy(&["policy", "examples/contoso", AT, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["results"].as_array().unwrap();
    let at = |suffix: &str, assignment: &str| {
        results.iter().find(|r| {
            r["scope"].as_str().unwrap().ends_with(suffix) && r["assignment"] == assignment
        })
    };
    // A compliant VM, and a `global` resource the location rule lets through.
    let vm = at("/virtualMachines/vm-web-01", "allowed-locations-production").unwrap();
    assert_eq!(vm["compliant"], true);
    let tm = at(
        "/trafficManagerProfiles/tm-contoso-web",
        "allowed-locations-production",
    )
    .unwrap();
    assert_eq!(tm["compliant"], true);
    // Audited: non-compliant, enforced, not exempt (its exemption expired).
    let dr = at("/resourceGroups/DR", "production-resource-group-locations").unwrap();
    assert_eq!(
        (
            dr["compliant"].as_bool(),
            dr["effect"].as_str(),
            dr["exempt"].as_bool()
        ),
        (Some(false), Some("audit"), Some(false))
    );
    // Under DoNotEnforce: non-compliant, not enforced.
    let tag = at("/resourceGroups/DR", "require-cost-center").unwrap();
    assert_eq!(
        (tag["compliant"].as_bool(), tag["enforced"].as_bool()),
        (Some(false), Some(false))
    );
    // Exempted by a waiver.
    let replica = at(
        "/registries/crcontosostorefronteast",
        "allowed-locations-production",
    )
    .unwrap();
    assert_eq!(
        (replica["compliant"].as_bool(), replica["exempt"].as_bool()),
        (Some(false), Some(true))
    );
    // notScopes: the sandbox's Japan VM is not evaluated by the Contoso-wide rule.
    assert!(
        at(
            "/virtualMachines/vm-experiment-japan",
            "allowed-locations-contoso"
        )
        .is_none()
    );
    // Out of scope: nothing reaches the marketing trial under the root group.
    assert!(!results.iter().any(|r| {
        r["scope"]
            .as_str()
            .unwrap()
            .contains("contoso-marketing-trial")
    }));
}

/// Azure's published built-in definitions, loaded verbatim (their `properties`, with `kind` and
/// a name added) as custom definitions, give the same verdicts as the built-ins canopy ships,
/// on the same resources and parameters.
#[test]
fn published_builtins_loaded_verbatim_agree_with_canopys() {
    let reference = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/policy-definitions");
    let shipped = [
        (
            "AllowedLocations_Deny.json",
            "listOfAllowedLocations",
            "[westus, West Europe]",
        ),
        (
            "ResourceGroupAllowedLocations_Deny.json",
            "listOfAllowedLocations",
            "[westus]",
        ),
        (
            "AllowedResourceTypes_Deny.json",
            "listOfResourceTypesAllowed",
            "[Microsoft.Compute/virtualMachines, Microsoft.Storage/storageAccounts]",
        ),
        (
            "InvalidResourceTypes_Deny.json",
            "listOfResourceTypesNotAllowed",
            "[Microsoft.Network/publicIPAddresses]",
        ),
    ];
    let mut docs = String::from(
        r#"kind: ManagementGroup
name: root
---
kind: Subscription
name: s1
resourceGroups:
  - name: rg-west
    location: westus
    resources:
      - {name: vm1, type: Microsoft.Compute/virtualMachines, location: westus}
      - {name: vm2, type: Microsoft.Compute/virtualMachines, location: eastus}
      - {name: st1, type: Microsoft.Storage/storageAccounts, location: West Europe}
      - {name: pip1, type: Microsoft.Network/publicIPAddresses, location: westus}
      - {name: tm1, type: Microsoft.Network/trafficManagerProfiles, location: global}
  - name: rg-east
    location: East US
"#,
    );
    for (file, param, values) in shipped {
        let text =
            std::fs::read_to_string(reference.join(file)).expect("CI provides ../shared/reference");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let guid = v["name"].as_str().unwrap();
        let mut custom = v["properties"].as_object().unwrap().clone();
        custom.insert("kind".into(), "PolicyDefinition".into());
        custom.insert("name".into(), format!("verbatim-{guid}").into());
        // JSON is YAML: the published definition goes in as written.
        docs.push_str(&format!("---\n{}\n", serde_json::Value::Object(custom)));
        for (name, policy) in [
            (format!("ours-{guid}"), guid.to_string()),
            (format!("theirs-{guid}"), format!("verbatim-{guid}")),
        ] {
            docs.push_str(&format!(
                "---\nkind: PolicyAssignment\nname: {name}\nscope: /subscriptions/s1\npolicy: {policy}\nparameters:\n  {param}: {values}\n"
            ));
        }
    }
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("policy-verbatim");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tree.yaml"), &docs).unwrap();
    let (code, out) = canopy(&["policy", dir.to_str().unwrap(), AT, "--format", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let results = v["results"].as_array().unwrap();
    let mut compared = 0;
    for ours in results
        .iter()
        .filter(|r| r["assignment"].as_str().unwrap().starts_with("ours-"))
    {
        let guid = &ours["assignment"].as_str().unwrap()[5..];
        let theirs = results
            .iter()
            .find(|r| r["scope"] == ours["scope"] && r["assignment"] == format!("theirs-{guid}"))
            .unwrap_or_else(|| panic!("no verbatim verdict for {} under {guid}", ours["scope"]));
        for key in ["compliant", "effect"] {
            assert_eq!(
                ours[key], theirs[key],
                "{key} of {} under {guid}",
                ours["scope"]
            );
        }
        compared += 1;
    }
    // Every target under every shipped definition, both ways (modes differ: Indexed skips
    // resource groups and the subscription).
    assert!(compared >= 4 * 5, "compared only {compared} verdicts");
    // And the verdicts are the right ones.
    let verdict = |suffix: &str, guid: &str| {
        results
            .iter()
            .find(|r| {
                r["scope"].as_str().unwrap().ends_with(suffix)
                    && r["assignment"] == format!("ours-{guid}")
            })
            .map(|r| r["compliant"].as_bool().unwrap())
    };
    let locations = "e56962a6-4747-49cd-b67b-bf8b01975c4c";
    assert_eq!(verdict("/vm1", locations), Some(true));
    assert_eq!(verdict("/vm2", locations), Some(false));
    assert_eq!(
        verdict("/st1", locations),
        Some(true),
        "West Europe is westeurope"
    );
    assert_eq!(verdict("/tm1", locations), Some(true), "global is allowed");
    assert_eq!(
        verdict(
            "/resourceGroups/rg-east",
            "e765b5de-1225-4ba3-bd56-1ac6695af988"
        ),
        Some(false)
    );
    assert_eq!(
        verdict(
            "/resourceGroups/rg-west",
            "e765b5de-1225-4ba3-bd56-1ac6695af988"
        ),
        Some(true)
    );
    assert_eq!(
        verdict("/pip1", "a08ec900-254a-4555-9bf5-e42af04b5c5c"),
        Some(false)
    );
    assert_eq!(
        verdict("/pip1", "6c112d4e-5bc7-47ae-a041-ea2d9dccd749"),
        Some(false)
    );
    assert_eq!(
        verdict("/vm1", "6c112d4e-5bc7-47ae-a041-ea2d9dccd749"),
        Some(true)
    );
}

#[test]
fn effective_output() {
    let (code, out) = canopy(&[
        "policy",
        "effective",
        "examples/contoso",
        AT,
        "--scope",
        "/subscriptions/contoso-prod/resourceGroups/Prod",
    ]);
    assert_eq!(code, 0);
    insta::assert_snapshot!("effective_contoso_prod", out);
}

/// Assignment parameters are validated against the definition, with the issue's codes: an
/// undeclared parameter is `unknown-reference`; a missing required value or one outside
/// allowedValues is `schema`.
#[test]
fn assignment_parameters_are_checked_against_the_definition() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("policy-parameters");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("tree.yaml"),
        r#"kind: ManagementGroup
name: root
---
kind: Subscription
name: s1
---
kind: PolicyAssignment
name: typo
scope: /subscriptions/s1
policy: Allowed locations
parameters:
  listOfAllowedLocations: [westus]
  listOfAllowedLocation: [eastus]
---
kind: PolicyAssignment
name: missing
scope: /subscriptions/s1
policy: Allowed locations
---
kind: PolicyAssignment
name: bad-effect
scope: /subscriptions/s1
policy: Allowed locations
parameters:
  listOfAllowedLocations: [westus]
  effect: Modify
"#,
    )
    .unwrap();
    let a = canopy::load_with(
        &dir,
        &canopy::Options {
            now: Some(AT[5..].parse().unwrap()),
        },
    )
    .unwrap();
    let found: Vec<(&str, &str)> = a
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.message.as_str()))
        .collect();
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == "unknown-reference" && m.contains("listOfAllowedLocation`")),
        "{found:#?}"
    );
    assert!(
        found.iter().any(|(c, m)| *c == "schema"
            && m.contains("`missing`")
            && m.contains("listOfAllowedLocations")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == "schema" && m.contains("Modify")),
        "{found:#?}"
    );
}

/// A display name equal to the definition's own name (case aside) is common in exports; it
/// once made resolution index a definition not yet added (a panic the import benchmark
/// found).
#[test]
fn a_display_name_equal_to_its_own_name_resolves() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("policy-same-display-name");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("tree.yaml"),
        "kind: ManagementGroup\nname: root\n---\nkind: PolicyDefinition\nname: audit-vms\ndisplayName: Audit-VMs\npolicyRule: {if: {field: type, equals: Microsoft.Compute/virtualMachines}, then: {effect: audit}}\n---\nkind: PolicyAssignment\nname: a\nscope: /providers/Microsoft.Management/managementGroups/root\npolicy: Audit-VMs\n",
    )
    .unwrap();
    let a = canopy::load(&dir).expect("loads");
    assert_eq!(a.tenant.policy_assignments.len(), 1, "{:?}", a.findings);
}
