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
