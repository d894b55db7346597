//! The example trees in `examples/`, checked by the real binary.
//!
//! * `examples/contoso` is a realistic tenant that passes with no problems.
//! * `examples/broken` shows every code `canopy rules` lists in one run, except the few that
//!   cannot share it (see [`NOT_IN_BROKEN`]). **A new rule must add a mistake to
//!   `examples/broken`** (or, if it cannot share that run, an example of its own and an entry
//!   here), or `broken_shows_every_code` fails.
//! * `examples/broken-no-root` shows `no-root`, which excludes `multiple-roots`.
//!
//! Expiry is judged `--at` a fixed moment so that the results never change with the date.
//! Snapshots: `INSTA_UPDATE=always cargo test --test examples` rewrites them; read the diff.

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::{Command, Output};

const AT: &str = "2026-11-25T00:00:00Z";

/// Codes `examples/broken` does not show, and why.
const NOT_IN_BROKEN: &[(&str, &str)] = &[
    ("config", "a bad canopy.toml stops the run before any check"),
    (
        "no-root",
        "excludes multiple-roots; shown by examples/broken-no-root",
    ),
    (
        "management-group-limit",
        "needs 10,001 management groups; covered by the rule's tests",
    ),
    (
        "assignment-limit",
        "needs 4,001 role assignments; covered by the rule's tests",
    ),
    (
        "custom-role-limit",
        "needs 5,001 custom roles; covered by the rule's tests",
    ),
];

/// Runs canopy in the crate's directory, without colours.
fn canopy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canopy"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--color")
        .arg("never")
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .output()
        .expect("canopy runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn check_json(tree: &str) -> (Output, Value) {
    let o = canopy(&["check", tree, "--format", "json", "--at", AT]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "`canopy check {tree} --format json` is not JSON ({e}):\n{}\n{}",
            stdout(&o),
            stderr(&o)
        )
    });
    (o, v)
}

fn codes_of(report: &Value) -> BTreeSet<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics is a list")
        .iter()
        .map(|d| d["code"].as_str().expect("code is a string").to_string())
        .collect()
}

fn all_codes() -> BTreeSet<String> {
    let o = canopy(&["rules", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("rules JSON");
    v["rules"]
        .as_array()
        .expect("rules is a list")
        .iter()
        .map(|r| r["code"].as_str().expect("code is a string").to_string())
        .collect()
}

/// contoso passes `check` (exit 0, no errors). Its only findings are the two warnings its
/// policy scenario is built to show: the DR resource group audited outside West US, and the
/// expired exemption that no longer covers it.
#[test]
fn contoso_passes_with_only_its_policy_warnings() {
    let o = canopy(&["check", "examples/contoso", "--at", AT]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}\n{}", stderr(&o));
    let last = out.trim_end().lines().last().unwrap_or_default();
    assert_eq!(
        last, "canopy check: 0 errors, 2 warnings in 16 files (70 documents)",
        "{out}"
    );
    let (_, v) = check_json("examples/contoso");
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["expired-exemption", "policy-audit"]);
}

#[test]
fn contoso_json_counts_what_the_tree_declares() {
    let (o, v) = check_json("examples/contoso");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(v["version"], 1);
    let s = &v["summary"];
    let expected = [
        ("errors", 0),
        // policy-audit on the DR resource group, expired-exemption on its old waiver
        ("warnings", 2),
        // hierarchy/1, subscriptions/3, principals/3, roles/1, assignments/4, policies/3,
        // rules/1
        ("files", 16),
        ("documents", 70),
        // root, contoso, platform + identity/management/connectivity, landing-zones,
        // production + corp/online, sandbox, decommissioned
        ("managementGroups", 12),
        // prod, corp-apps, online-web, sandbox, legacy-erp, identity, management,
        // connectivity, and the unplaced marketing trial
        ("subscriptions", 9),
        ("resourceGroups", 10),
        ("resources", 22),
        // 10 users (one the break-glass account), 5 groups, 3 service principals
        ("principals", 18),
        ("customRoles", 1),
        // including Priya's eligible Owner, Brad's conditional blob reader and the
        // break-glass account's Owner at the root
        ("roleAssignments", 17),
        ("denyAssignments", 1),
        // two of the tree's, and Azure's built-in "Allowed locations for resource groups"
        ("policyDefinitions", 3),
        ("policyAssignments", 4),
        ("policyExemptions", 3),
        // guests never write, only platform assigns roles, break-glass keeps Owner
        ("accessRules", 3),
    ];
    for (key, n) in expected {
        assert_eq!(s[key], n, "summary.{key} in {s:#}");
    }
}

#[test]
fn contoso_tree() {
    let o = canopy(&["tree", "examples/contoso"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    insta::assert_snapshot!("contoso_tree", stdout(&o));
}

#[test]
fn colour_flag_is_accepted_after_the_subcommand() {
    let o = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "examples/contoso", "--at", AT, "--color", "never"])
        .output()
        .expect("canopy runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 errors"), "{}", stdout(&o));
    assert!(!stdout(&o).contains('\u{1b}'), "no escape codes");
}

#[test]
fn broken_shows_every_code() {
    let (o, v) = check_json("examples/broken");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let all = all_codes();
    for (code, why) in NOT_IN_BROKEN {
        assert!(all.contains(*code), "`{code}` ({why}) is no longer a rule");
    }
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|c| !NOT_IN_BROKEN.iter().any(|(x, _)| x == c))
        .cloned()
        .collect();
    let found = codes_of(&v);
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "examples/broken: missing {missing:?} (add a mistake for each new rule), unexpected {unexpected:?}"
    );
    // Errors and warnings as the summary counts them.
    let diags = v["diagnostics"].as_array().unwrap();
    let count = |sev: &str| diags.iter().filter(|d| d["severity"] == sev).count();
    assert_eq!(v["summary"]["errors"], count("error"));
    assert_eq!(v["summary"]["warnings"], count("warning"));
    assert!(count("warning") > 0 && count("error") > 0);
}

#[test]
fn broken_no_root_shows_no_root() {
    let (o, v) = check_json("examples/broken-no-root");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let found = codes_of(&v);
    let expected: BTreeSet<String> = ["no-root", "unknown-reference"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn broken_check_output() {
    let o = canopy(&["check", "examples/broken", "--at", AT]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(stderr(&o), "");
    insta::assert_snapshot!("broken_check", stdout(&o));
}

#[test]
fn expiry_is_judged_at_the_given_moment() {
    // The exemption in examples/broken expires on 2024-01-31: reported at AT, not before.
    let o = canopy(&[
        "check",
        "examples/broken",
        "--format",
        "json",
        "--at",
        "2023-06-01T00:00:00Z",
    ]);
    let before: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(!codes_of(&before).contains("expired-exemption"));
    let (_, after) = check_json("examples/broken");
    assert!(codes_of(&after).contains("expired-exemption"));
}

#[test]
fn diagnostics_come_in_a_stable_order() {
    let (_, first) = check_json("examples/broken");
    for _ in 0..3 {
        let (_, again) = check_json("examples/broken");
        assert_eq!(first, again);
    }
    let human = || stdout(&canopy(&["check", "examples/broken", "--at", AT]));
    assert_eq!(human(), human());
}
