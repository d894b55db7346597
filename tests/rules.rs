//! One failing and one passing fixture per check code, and what canopy reports on them.
//!
//! `tests/fixtures/<code>/fail/` is a small tree that triggers `<code>`; `tests/fixtures/<code>/pass/`
//! is its minimal mend and loads with no finding at all. Extra `fail-*` / `pass-*` folders cover
//! variants. Trees that must not be committed (tens of thousands of documents, symbolic links,
//! FIFOs) are written by the tests into a fresh folder under `CARGO_TARGET_TMPDIR`; their fixture
//! folders hold a README saying so.
//!
//! Every fail fixture's diagnostics of its code are kept as an insta JSON snapshot
//! (`tests/snapshots/rules__*.snap`). Regenerate with `INSTA_UPDATE=always cargo test --test rules`
//! and read every changed snapshot before committing it.
//!
//! Adding a code: add it to `Code::ALL`, then `tests/fixtures/<code>/{fail,pass}/` and a line in
//! `fixture_tests!` below; `every_code_has_fail_and_pass_fixtures` fails until both folders exist.

use canopy::diag::{Code, Finding};
use canopy::{Analysis, Error, Options};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Expiry (exemptions) is judged as of this moment, so that the fixtures never age.
const NOW: &str = "2026-11-25T00:00:00Z";

/// Fixtures, relative to the crate root (integration tests run there), so that reported file
/// names are relative too.
const FIXTURES: &str = "tests/fixtures";

/// Shown instead of the temporary folder in snapshots of generated trees.
const TMP: &str = "[CARGO_TARGET_TMPDIR]";

fn options() -> Options {
    Options {
        now: Some(NOW.parse().expect("NOW is a timestamp")),
    }
}

fn fixture(code: &str, variant: &str) -> PathBuf {
    Path::new(FIXTURES).join(code).join(variant)
}

fn load(tree: &Path) -> Analysis {
    canopy::load_with(tree, &options())
        .unwrap_or_else(|e| panic!("{} should load: {e}", tree.display()))
}

/// One line per finding, for assertion messages.
fn listing(a: &Analysis) -> String {
    let mut s = String::new();
    for f in &a.findings {
        let p = canopy::report::position(&a.files, f.primary.span);
        let _ = writeln!(
            s,
            "  {}:{}:{} {} {}: {}",
            p.file, p.line, p.column, f.severity, f.code, f.message
        );
    }
    s
}

/// Loads a fail tree and checks that it reports `code`, and no code outside `code` and `also`
/// (other codes only where the case cannot avoid them).
fn assert_fails(code: Code, tree: &Path, also: &[Code]) -> Analysis {
    let a = load(tree);
    assert!(
        a.findings.iter().any(|f| f.code == code),
        "{} should report `{code}`; it reports:\n{}",
        tree.display(),
        listing(&a)
    );
    let stray: Vec<&Finding> = a
        .findings
        .iter()
        .filter(|f| f.code != code && !also.contains(&f.code))
        .collect();
    assert!(
        stray.is_empty(),
        "{} should report only `{code}` (and {also:?}); it reports:\n{}",
        tree.display(),
        listing(&a)
    );
    a
}

/// Loads a pass tree and checks that it reports nothing at all.
fn assert_passes(tree: &Path) -> Analysis {
    let a = load(tree);
    assert!(
        a.findings.is_empty(),
        "{} should load without findings; it reports:\n{}",
        tree.display(),
        listing(&a)
    );
    a
}

/// The diagnostics of one code in a JSON report, with the fields a snapshot judges. File names
/// under `tmp` (a generated tree) are shown relative to [`TMP`].
fn diagnostics(document: &Value, code: Code, tmp: Option<&Path>) -> Value {
    let file = |v: &Value| -> Value {
        let s = v.as_str().expect("file is a string");
        match tmp.map(|t| t.to_string_lossy().replace('\\', "/")) {
            Some(t) if s.starts_with(&t) => Value::String(format!("{TMP}{}", &s[t.len()..])),
            _ => Value::String(s.to_string()),
        }
    };
    let list: Vec<Value> = document["diagnostics"]
        .as_array()
        .expect("diagnostics is a list")
        .iter()
        .filter(|d| d["code"] == code.as_str())
        .map(|d| {
            let related: Vec<Value> = d["related"]
                .as_array()
                .expect("related is a list")
                .iter()
                .map(|r| {
                    json!({
                        "file": file(&r["file"]),
                        "line": r["line"],
                        "column": r["column"],
                        "message": r["message"],
                    })
                })
                .collect();
            json!({
                "code": d["code"],
                "severity": d["severity"],
                "message": d["message"],
                "file": file(&d["file"]),
                "line": d["line"],
                "column": d["column"],
                "label": d["label"],
                "help": d["help"],
                "related": related,
            })
        })
        .collect();
    Value::Array(list)
}

fn snapshot(name: &str, a: &Analysis, code: Code, tmp: Option<&Path>) {
    let value = diagnostics(&canopy::report::json::document(a), code, tmp);
    insta::assert_json_snapshot!(name, value);
}

/// A fresh, empty folder for one test's generated tree.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("rules")
        .join(name);
    if dir.symlink_metadata().is_ok() {
        fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot clear {}: {e}", dir.display()));
    }
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Copies a committed fixture tree (plain files and folders) into `to`.
fn copy_tree(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.expect("readable entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            fs::create_dir_all(&target).expect("create folder");
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("cannot write {name}: {e}"));
}

const ROOT_GROUP: &str = "kind: ManagementGroup\nname: contoso\ndisplayName: Tenant Root Group\n";

// ---- the checklist -----------------------------------------------------------------------

#[test]
fn every_code_has_fail_and_pass_fixtures() {
    let mut missing = Vec::new();
    for code in Code::ALL {
        for variant in ["fail", "pass"] {
            let dir = fixture(code.as_str(), variant);
            if !dir.is_dir() {
                missing.push(dir.display().to_string());
            }
        }
    }
    assert!(
        missing.is_empty(),
        "every code needs a failing and a passing fixture; missing:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn every_fixture_folder_is_a_code() {
    for entry in fs::read_dir(FIXTURES).expect("fixtures folder") {
        let entry = entry.expect("readable entry");
        if !entry.file_type().expect("file type").is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            Code::from_name(&name).is_some(),
            "{FIXTURES}/{name} is not named after a check code (`canopy rules` lists them)"
        );
        for variant in fs::read_dir(entry.path()).expect("code folder") {
            let variant = variant.expect("readable entry");
            let v = variant.file_name().to_string_lossy().into_owned();
            assert!(
                !variant.file_type().expect("file type").is_dir()
                    || v == "fail"
                    || v == "pass"
                    || v.starts_with("fail-")
                    || v.starts_with("pass-")
                    || (name == "config" && v == "effect"),
                "{FIXTURES}/{name}/{v}: fixture trees are `fail`, `pass`, `fail-*` or `pass-*`"
            );
        }
    }
}

// ---- committed fixtures ------------------------------------------------------------------

/// `"depth-limit"` → the code and its `fail` and `pass` folders; `"depth-limit/fail-configured"`
/// → the code, that folder and `pass-configured`.
fn folders(folder: &str) -> (&str, String, String) {
    match folder.split_once('/') {
        Some((code, fail)) => (code, fail.to_string(), fail.replacen("fail", "pass", 1)),
        None => (folder, "fail".to_string(), "pass".to_string()),
    }
}

/// `fail` / `pass` tests, and a snapshot of the fail tree, for a fixture pair. `also` lists
/// codes the fail tree cannot avoid reporting besides its own.
macro_rules! fixture_tests {
    ($($fail:ident, $pass:ident: $code:ident $folder:literal $(also $($also:ident)+)?;)*) => {
        $(
            #[test]
            fn $fail() {
                let (code_name, fail, _) = folders($folder);
                assert_eq!(Code::from_name(code_name), Some(Code::$code));
                let also = [$($(Code::$also),+)?];
                let a = assert_fails(Code::$code, &fixture(code_name, &fail), &also);
                snapshot(stringify!($fail), &a, Code::$code, None);
            }

            #[test]
            fn $pass() {
                let (code_name, _, pass) = folders($folder);
                assert_passes(&fixture(code_name, &pass));
            }
        )*

        /// Codes whose fixtures `fixture_tests!` covers.
        const FIXTURE_TESTED: &[Code] = &[$(Code::$code),*];
    };
}

/// Codes whose tests are written by hand below (generated or special trees).
const HAND_TESTED: &[Code] = &[
    Code::UnreadableFile,
    Code::ManagementGroupLimit,
    Code::AssignmentLimit,
    Code::CustomRoleLimit,
    Code::Config,
];

#[test]
fn every_code_has_fixture_tests() {
    for code in Code::ALL {
        assert!(
            FIXTURE_TESTED.contains(code) || HAND_TESTED.contains(code),
            "`{code}` has no fail/pass tests: add it to `fixture_tests!` in tests/rules.rs"
        );
    }
}

fixture_tests! {
    yaml_syntax_fail, yaml_syntax_pass: YamlSyntax "yaml-syntax";
    schema_fail, schema_pass: Schema "schema";
    duplicate_name_fail, duplicate_name_pass: DuplicateName "duplicate-name";
    multiple_parents_fail, multiple_parents_pass: MultipleParents "multiple-parents";
    unknown_reference_fail, unknown_reference_pass: UnknownReference "unknown-reference";
    no_root_fail, no_root_pass: NoRoot "no-root";
    no_root_fail_every_group_parented, no_root_pass_every_group_parented:
        NoRoot "no-root/fail-every-group-parented" also UnknownReference;
    multiple_roots_fail, multiple_roots_pass: MultipleRoots "multiple-roots";
    cycle_fail, cycle_pass: Cycle "cycle";
    depth_limit_fail, depth_limit_pass: DepthLimit "depth-limit";
    depth_limit_fail_configured, depth_limit_pass_configured:
        DepthLimit "depth-limit/fail-configured";
    custom_role_on_management_group_fail, custom_role_on_management_group_pass:
        CustomRoleOnManagementGroup "custom-role-on-management-group";
    assignable_scope_fail, assignable_scope_pass: AssignableScope "assignable-scope";
    distribution_list_assignment_fail, distribution_list_assignment_pass:
        DistributionListAssignment "distribution-list-assignment";
    duplicate_assignment_fail, duplicate_assignment_pass:
        DuplicateAssignment "duplicate-assignment";
    builtin_role_redefined_fail, builtin_role_redefined_pass:
        BuiltinRoleRedefined "builtin-role-redefined";
    disabled_principal_assignment_fail, disabled_principal_assignment_pass:
        DisabledPrincipalAssignment "disabled-principal-assignment";
    expired_exemption_fail, expired_exemption_pass: ExpiredExemption "expired-exemption";
    unknown_action_fail, unknown_action_pass: UnknownAction "unknown-action";
    membership_cycle_fail, membership_cycle_pass: MembershipCycle "membership-cycle";
    expired_assignment_fail, expired_assignment_pass: ExpiredAssignment "expired-assignment";
    policy_violation_fail, policy_violation_pass: PolicyViolation "policy-violation";
    policy_audit_fail, policy_audit_pass: PolicyAudit "policy-audit";
    unsupported_policy_fail, unsupported_policy_pass: UnsupportedPolicy "unsupported-policy";
    unused_suppression_fail, unused_suppression_pass: UnusedSuppression "unused-suppression";
    invalid_suppression_fail, invalid_suppression_pass: InvalidSuppression "invalid-suppression";
    access_rule_fail, access_rule_pass: AccessRule "access-rule";
}

#[test]
fn warnings_are_warnings() {
    for (code, folder) in [
        (
            Code::DisabledPrincipalAssignment,
            "disabled-principal-assignment",
        ),
        (Code::ExpiredExemption, "expired-exemption"),
        (Code::UnknownAction, "unknown-action"),
    ] {
        let a = load(&fixture(folder, "fail"));
        assert!(
            a.findings
                .iter()
                .all(|f| f.code == code && f.severity == canopy::diag::Severity::Warning),
            "{folder}:\n{}",
            listing(&a)
        );
    }
}

#[test]
fn expired_exemption_is_judged_at_the_given_moment() {
    // The exemption that expires one second after NOW is still valid at NOW...
    let a = load(&fixture("expired-exemption", "fail"));
    let names: Vec<&str> = a.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(a.findings.len(), 2, "{names:?}");
    assert!(names.iter().all(|m| !m.contains("`pilot`")), "{names:?}");
    // ...and expired two seconds later.
    let later = Options {
        now: Some("2026-11-25T00:00:02Z".parse().unwrap()),
    };
    let a = canopy::load_with(fixture("expired-exemption", "fail"), &later).unwrap();
    assert_eq!(a.findings.len(), 3, "{}", listing(&a));
}

// ---- unreadable-file: links and FIFOs are made at test time ------------------------------

#[cfg(unix)]
#[test]
fn unreadable_file_fail() {
    let dir = fresh_dir("unreadable-file-fail");
    copy_tree(&fixture("unreadable-file", "fail"), &dir);
    std::os::unix::fs::symlink("missing.yaml", dir.join("broken.yaml")).expect("symlink");
    fs::create_dir(dir.join("teams")).expect("create folder");
    std::os::unix::fs::symlink("..", dir.join("teams").join("loop")).expect("symlink");
    let a = assert_fails(Code::UnreadableFile, &dir, &[]);
    let count = a
        .findings
        .iter()
        .filter(|f| f.code == Code::UnreadableFile)
        .count();
    assert_eq!(count, 2, "{}", listing(&a));
    snapshot("unreadable_file_fail", &a, Code::UnreadableFile, Some(&dir));
}

#[cfg(unix)]
#[test]
fn unreadable_file_fifo() {
    let dir = fresh_dir("unreadable-file-fifo");
    copy_tree(&fixture("unreadable-file", "fail"), &dir);
    let made = Command::new("mkfifo")
        .arg(dir.join("pipe.yaml"))
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("mkfifo is not available: skipping the FIFO case");
        return;
    }
    // Reading a FIFO would block forever; canopy must report it without opening it.
    let a = assert_fails(Code::UnreadableFile, &dir, &[]);
    assert_eq!(a.findings.len(), 1, "{}", listing(&a));
    snapshot("unreadable_file_fifo", &a, Code::UnreadableFile, Some(&dir));
}

#[test]
fn unreadable_file_pass() {
    assert_passes(&fixture("unreadable-file", "pass"));
}

// ---- limits: trees generated at test time, just past and exactly at each limit -----------

/// A root group and `total - 1` groups below it.
fn management_group_tree(name: &str, total: usize) -> PathBuf {
    let dir = fresh_dir(name);
    write(&dir, "root.yaml", ROOT_GROUP);
    let mut s = String::with_capacity(total * 60);
    for i in 1..total {
        if i > 1 {
            s.push_str("---\n");
        }
        let _ = write!(
            s,
            "kind: ManagementGroup\nname: mg-{i:05}\nparent: contoso\n"
        );
    }
    write(&dir, "groups.yaml", &s);
    dir
}

#[test]
fn management_group_limit_fail() {
    let dir = management_group_tree("management-group-limit-fail", 10_001);
    let a = assert_fails(Code::ManagementGroupLimit, &dir, &[]);
    assert_eq!(a.tenant.management_groups.len(), 10_001);
    snapshot(
        "management_group_limit_fail",
        &a,
        Code::ManagementGroupLimit,
        Some(&dir),
    );
}

#[test]
fn management_group_limit_pass() {
    let dir = management_group_tree("management-group-limit-pass", 10_000);
    let a = assert_passes(&dir);
    assert_eq!(a.tenant.management_groups.len(), 10_000);
}

/// `at_subscription + at_resource_group` role assignments in subscription `corp-prod` and
/// `at_group` at management group `platform`, each to a user of its own.
fn assignment_tree(
    name: &str,
    at_subscription: usize,
    at_resource_group: usize,
    at_group: usize,
) -> PathBuf {
    let dir = fresh_dir(name);
    write(
        &dir,
        "root.yaml",
        &format!(
            "{ROOT_GROUP}---\nkind: ManagementGroup\nname: platform\nparent: contoso\n---\n\
             kind: Subscription\nname: corp-prod\nparent: platform\nresourceGroups:\n  - name: prod\n"
        ),
    );
    let users = (at_subscription + at_resource_group).max(at_group);
    let mut s = String::with_capacity(users * 50);
    for i in 0..users {
        let _ = write!(s, "---\nkind: User\nname: user{i:04}@contoso.com\n");
    }
    write(&dir, "users.yaml", &s);
    let mut s = String::with_capacity((users + at_group) * 100);
    let mut assign = |user: usize, scope: &str| {
        let _ = write!(
            s,
            "---\nkind: RoleAssignment\nprincipal: user{user:04}@contoso.com\nrole: Reader\nscope: {scope}\n"
        );
    };
    for i in 0..at_subscription {
        assign(i, "/subscriptions/corp-prod");
    }
    for i in at_subscription..at_subscription + at_resource_group {
        assign(i, "/subscriptions/corp-prod/resourceGroups/prod");
    }
    for i in 0..at_group {
        assign(
            i,
            "/providers/Microsoft.Management/managementGroups/platform",
        );
    }
    write(&dir, "assignments.yaml", &s);
    dir
}

#[test]
fn assignment_limit_fail() {
    let dir = assignment_tree("assignment-limit-fail", 2_000, 2_001, 501);
    let a = assert_fails(Code::AssignmentLimit, &dir, &[]);
    assert_eq!(a.tenant.role_assignments.len(), 4_502);
    assert_eq!(a.findings.len(), 2, "{}", listing(&a));
    snapshot(
        "assignment_limit_fail",
        &a,
        Code::AssignmentLimit,
        Some(&dir),
    );
}

#[test]
fn assignment_limit_pass() {
    let dir = assignment_tree("assignment-limit-pass", 2_000, 2_000, 500);
    let a = assert_passes(&dir);
    assert_eq!(a.tenant.role_assignments.len(), 4_500);
}

/// `total` custom roles, each assignable at subscription `corp-dev`.
fn custom_role_tree(name: &str, total: usize) -> PathBuf {
    let dir = fresh_dir(name);
    write(
        &dir,
        "root.yaml",
        &format!("{ROOT_GROUP}---\nkind: Subscription\nname: corp-dev\n"),
    );
    let mut s = String::with_capacity(total * 150);
    for i in 1..=total {
        let _ = write!(
            s,
            "---\nkind: RoleDefinition\nname: Contoso Role {i:04}\n\
             actions: [Microsoft.Compute/virtualMachines/read]\n\
             assignableScopes: [/subscriptions/corp-dev]\n"
        );
    }
    write(&dir, "roles.yaml", &s);
    dir
}

#[test]
fn custom_role_limit_fail() {
    let dir = custom_role_tree("custom-role-limit-fail", 5_001);
    let a = assert_fails(Code::CustomRoleLimit, &dir, &[]);
    assert_eq!(a.tenant.custom_roles.len(), 5_001);
    snapshot(
        "custom_role_limit_fail",
        &a,
        Code::CustomRoleLimit,
        Some(&dir),
    );
}

#[test]
fn custom_role_limit_pass() {
    let dir = custom_role_tree("custom-role-limit-pass", 5_000);
    let a = assert_passes(&dir);
    assert_eq!(a.tenant.custom_roles.len(), 5_000);
}

// ---- config: a bad canopy.toml stops the run ---------------------------------------------

/// Loads a tree whose canopy.toml is invalid; returns its findings as a JSON report.
fn config_error(variant: &str, problems: usize) -> Value {
    let tree = fixture("config", variant);
    match canopy::load_with(&tree, &options()) {
        Err(Error::Config { files, findings }) => {
            assert_eq!(
                findings.len(),
                problems,
                "{}: expected {problems} finding(s), one per problem: {findings:#?}",
                tree.display()
            );
            assert!(findings.iter().all(|f| f.code == Code::Config));
            serde_json::to_value(canopy::report::json::findings_document(&files, &findings))
                .unwrap()
        }
        Err(e) => panic!("{}: expected Error::Config, got {e}", tree.display()),
        Ok(a) => panic!(
            "{}: expected Error::Config, the tree loaded:\n{}",
            tree.display(),
            listing(&a)
        ),
    }
}

macro_rules! config_fail_tests {
    ($($name:ident $variant:literal $problems:literal;)*) => {$(
        #[test]
        fn $name() {
            let doc = config_error($variant, $problems);
            insta::assert_json_snapshot!(
                stringify!($name),
                diagnostics(&doc, Code::Config, None)
            );
        }
    )*};
}

config_fail_tests! {
    config_fail "fail" 1;
    config_fail_unknown_code "fail-unknown-code" 1;
    config_fail_bad_severity "fail-bad-severity" 1;
    config_fail_max_depth "fail-max-depth" 1;
    config_fail_unknown_key "fail-unknown-key" 1;
    config_fail_bad_toml "fail-bad-toml" 1;
    config_fail_bad_glob "fail-bad-glob" 1;
    config_fail_combined "fail-combined" 4;
}

#[test]
fn config_pass() {
    let a = assert_passes(&fixture("config", "pass"));
    // `exclude`: the draft is not read at all...
    assert!(
        a.files.iter().all(|(_, f)| !f.name.starts_with("drafts/")),
        "drafts/ is excluded: {:?}",
        a.files.iter().map(|(_, f)| &f.name).collect::<Vec<_>>()
    );
    // ...and would have been a finding if it were.
    let drafts = load(&fixture("config", "pass").join("drafts"));
    assert!(
        drafts.findings.iter().any(|f| f.code == Code::YamlSyntax),
        "{}",
        listing(&drafts)
    );
    // `expired-exemption = "off"`: the expired exemption is read, and silenced.
    assert_eq!(a.tenant.policy_exemptions.len(), 1);
    assert_eq!(
        a.config.severity_of(Code::ExpiredExemption),
        canopy::diag::Severity::Off
    );
    assert_eq!(a.config.max_depth, 5);
    assert_eq!(a.config.exclude, ["drafts/**"]);
}

#[test]
fn config_effect() {
    // The same canopy.toml over a tree with a misspelt action and six levels of groups.
    let a = load(&fixture("config", "effect"));
    let codes: Vec<(Code, canopy::diag::Severity)> =
        a.findings.iter().map(|f| (f.code, f.severity)).collect();
    assert_eq!(
        codes,
        [
            (Code::DepthLimit, canopy::diag::Severity::Error),
            (Code::UnknownAction, canopy::diag::Severity::Error),
        ],
        "{}",
        listing(&a)
    );
    assert!(
        a.findings[0].message.contains("max-depth = 5"),
        "{}",
        a.findings[0].message
    );
    snapshot(
        "config_effect_unknown_action",
        &a,
        Code::UnknownAction,
        None,
    );
    snapshot("config_effect_depth_limit", &a, Code::DepthLimit, None);
}

// ---- the binary ----------------------------------------------------------------------------

fn canopy_check(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_canopy"))
        .arg("check")
        .args(["--at", NOW, "--color", "never"])
        .args(args)
        .output()
        .expect("canopy runs")
}

fn exit_code(args: &[&str]) -> i32 {
    let out = canopy_check(args);
    out.status.code().unwrap_or_else(|| {
        panic!(
            "canopy {args:?} was killed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn binary_exit_codes() {
    let path = |code: &str, variant: &str| fixture(code, variant).display().to_string();
    // An error finding: exit 1.
    assert_eq!(exit_code(&[&path("depth-limit", "fail")]), 1);
    // No finding: exit 0.
    assert_eq!(exit_code(&[&path("depth-limit", "pass")]), 0);
    // Warnings only: exit 0, unless --deny-warnings.
    let warnings = path("disabled-principal-assignment", "fail");
    assert_eq!(exit_code(&[&warnings]), 0);
    assert_eq!(exit_code(&["--deny-warnings", &warnings]), 1);
    assert_eq!(
        exit_code(&[
            "--deny-warnings",
            &path("disabled-principal-assignment", "pass")
        ]),
        0
    );
    // A bad canopy.toml: canopy cannot run, exit 2.
    assert_eq!(exit_code(&[&path("config", "fail")]), 2);
    // canopy.toml can raise a warning to an error: exit 1 without --deny-warnings.
    assert_eq!(exit_code(&[&path("config", "effect")]), 1);
}

#[test]
fn binary_json_matches_the_library() {
    let tree = fixture("duplicate-assignment", "fail");
    let out = canopy_check(&["--format", "json", &tree.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let a = load(&tree);
    assert_eq!(
        printed["diagnostics"],
        canopy::report::json::document(&a)["diagnostics"]
    );
}
