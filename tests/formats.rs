//! Every findings format of `canopy check` on `examples/broken`, as snapshots, and the SARIF
//! output validated against the SARIF 2.1.0 JSON Schema (the copy serde-sarif publishes on
//! crates.io, found through `cargo metadata`, so no network and nothing copied into the
//! repository). `INSTA_UPDATE=always cargo test --test formats` rewrites the snapshots.

use serde_json::Value;
use std::process::{Command, Output};

const AT: &str = "2026-11-25T00:00:00Z";

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

fn broken(format: &str) -> String {
    let o = canopy(&["check", "examples/broken", "--format", format, "--at", AT]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout(&o)
}

#[test]
fn broken_as_json() {
    insta::assert_snapshot!("broken_json", broken("json"));
}

#[test]
fn broken_as_sarif() {
    insta::assert_snapshot!("broken_sarif", broken("sarif"));
}

#[test]
fn broken_as_github_workflow_commands() {
    insta::assert_snapshot!("broken_github", broken("github"));
}

#[test]
fn broken_as_junit() {
    insta::assert_snapshot!("broken_junit", broken("junit"));
}

#[test]
fn broken_as_markdown() {
    insta::assert_snapshot!("broken_markdown", broken("markdown"));
}

#[test]
fn quiet_prints_only_the_summary() {
    let out = {
        let o = canopy(&["check", "examples/broken", "--quiet", "--at", AT]);
        assert_eq!(o.status.code(), Some(1));
        stdout(&o)
    };
    assert_eq!(out.lines().count(), 1, "{out}");
    let full = broken("human");
    assert_eq!(out.trim_end(), full.trim_end().lines().last().unwrap());
    let o = canopy(&[
        "check",
        "examples/broken",
        "--quiet",
        "--format",
        "github",
        "--at",
        AT,
    ]);
    assert!(!stdout(&o).contains("::error"), "{}", stdout(&o));
    // A format without a summary refuses --quiet instead of printing half a document.
    let o = canopy(&["check", "examples/broken", "--quiet", "--format", "sarif"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).is_empty());
}

/// The directory of a dependency's sources, from `cargo metadata`.
fn package_dir(name: &str) -> std::path::PathBuf {
    // Only this platform's packages: others' sources may never have been downloaded.
    let rustc = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    let host = String::from_utf8_lossy(&rustc.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .expect("rustc -vV names the host");
    let o = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: Value = serde_json::from_slice(&o.stdout).expect("cargo metadata JSON");
    let manifest = v["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["manifest_path"].as_str())
        .unwrap_or_else(|| panic!("{name} is not a dependency"));
    std::path::Path::new(manifest)
        .parent()
        .expect("a manifest has a folder")
        .to_path_buf()
}

#[test]
fn sarif_is_valid_against_the_sarif_2_1_0_schema() {
    let schema_path = package_dir("serde-sarif").join("src/schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).expect("schema readable"))
            .expect("schema is JSON");
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    // The published schema's `language` patterns have a stray `]` that the meta-schema check
    // rejects as a regex. canopy writes no `language`, so the patterns are replaced, in
    // memory, by what the specification means (a language tag such as `en` or `en-US`).
    let bad = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    let text = schema.to_string();
    assert!(text.contains(bad), "the schema changed; drop this repair");
    let schema: Value =
        serde_json::from_str(&text.replace(bad, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#)).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for tree in [
        "examples/broken",
        "examples/contoso",
        "examples/broken-no-root",
    ] {
        let o = canopy(&["check", tree, "--format", "sarif", "--at", AT]);
        let sarif: Value = serde_json::from_slice(&o.stdout).expect("SARIF is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{tree}: {errors:#?}");
        // The validator does reject what the schema forbids.
        let mut wrong = sarif.clone();
        wrong["runs"][0]["columnKind"] = Value::from("bytes");
        assert!(!validator.is_valid(&wrong));
        // And serde-sarif's typed model reads it back.
        let typed: serde_sarif::sarif::Sarif =
            serde_json::from_value(sarif.clone()).expect("serde-sarif reads canopy's SARIF");
        assert_eq!(typed.runs.len(), 1);
        // What GitHub code scanning needs: a rule for every result, relative URIs, regions.
        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
            let loc = &r["locations"][0]["physicalLocation"];
            let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
            assert!(uri.starts_with(tree), "{uri}");
            assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
            assert!(r["partialFingerprints"]["canopyFinding/v1"].is_string());
        }
    }
}

#[test]
fn suppressed_findings_are_kept_with_their_reason() {
    let json: Value = serde_json::from_str(&broken("json")).unwrap();
    let suppressed = json["suppressed"].as_array().expect("a suppressed list");
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["code"], "expired-assignment");
    assert_eq!(
        suppressed[0]["reason"],
        "kept until the 2026-Q1 access review closes (SEC-412)"
    );
    assert_eq!(json["summary"]["suppressed"], 1);
    // SARIF keeps the result, marked as suppressed in source, so code scanning shows it
    // as dismissed rather than losing it.
    let sarif: Value = serde_json::from_str(&broken("sarif")).unwrap();
    let marked: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0]["suppressions"][0]["kind"], "inSource");
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("formats")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies `examples/broken` (but not its deliberately dangling symbolic link) into `to`.
fn copy_broken(to: &std::path::Path) {
    fn copy(from: &std::path::Path, to: &std::path::Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            let kind = e.file_type().unwrap();
            if kind.is_dir() {
                copy(&e.path(), &to.join(e.file_name()));
            } else if kind.is_file() {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }
    copy(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/broken"),
        to,
    );
}

#[test]
fn a_baseline_hides_known_findings_and_reports_new_ones() {
    let dir = scratch("baseline");
    let tree = dir.join("tree");
    copy_broken(&tree);
    let baseline = dir.join("canopy-baseline.json");
    let (t, b) = (tree.to_str().unwrap(), baseline.to_str().unwrap());
    let o = canopy(&["check", t, "--write-baseline", b, "--at", AT]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let recorded: Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    let n = recorded["findings"].as_array().unwrap().len();
    assert!(n > 20, "{recorded:#}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains(&format!("recorded {n} findings")),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(recorded["version"], 1);
    // Paths are relative to the tree, so the file works wherever canopy runs from.
    assert!(
        recorded["findings"][0]["file"]
            .as_str()
            .unwrap()
            .ends_with(".yaml")
    );
    assert!(
        !recorded["findings"][0]["file"]
            .as_str()
            .unwrap()
            .contains("tree/")
    );

    // Nothing new: exit 0, and the summary says what the baseline hid.
    let o = canopy(&["check", t, "--baseline", b, "--at", AT]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let summary = stdout(&o);
    assert!(
        summary.starts_with("canopy check: no problems in ")
            && summary
                .trim_end()
                .ends_with(&format!("; 1 suppressed inline, {n} known in the baseline")),
        "{summary}"
    );

    // Lines move (a comment added at the top of a file): still nothing new.
    let file = tree.join("assignments/role-assignments.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("# moved down\n\n{text}")).unwrap();
    let o = canopy(&["check", t, "--baseline", b, "--at", AT]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // A new mistake is reported; a fixed one is counted as fixed.
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replace("role: Reder", "role: Reader")
        + "---\nkind: RoleAssignment\nprincipal: web-team\nrole: Contribtor\nscope: /subscriptions/fabrikam-prod\n";
    std::fs::write(&file, text).unwrap();
    let o = canopy(&["check", t, "--baseline", b, "--format", "json", "--at", AT]);
    assert_eq!(o.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let codes: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["role `Contribtor` is not declared in the tree"]);
    assert_eq!(v["summary"]["baseline"]["hidden"], n - 1);
    assert_eq!(v["summary"]["baseline"]["fixed"], 1);
}

#[test]
fn a_bad_baseline_is_refused_with_the_reason() {
    let dir = scratch("bad-baseline");
    let b = dir.join("baseline.json");
    std::fs::write(&b, "{\"version\": 1, \"findings\": [{\"file\": 3}]}").unwrap();
    let o = canopy(&[
        "check",
        "examples/contoso",
        "--baseline",
        b.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is not a canopy baseline"), "{err}");
    assert!(err.contains("line 1"), "{err}");
    let o = canopy(&[
        "check",
        "examples/contoso",
        "--baseline",
        "/nonexistent/b.json",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read baseline"));
}

#[test]
fn sarif_uris_are_relative_to_the_repository_root_wherever_canopy_runs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join(".git").exists() {
        return; // not in a repository (a source tarball): URIs stay relative to the folder
    }
    let o = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .current_dir(root.join("examples/broken"))
        .args(["check", ".", "--format", "sarif", "--at", AT])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(uri.starts_with("examples/broken/"), "{uri}");
    }
}
