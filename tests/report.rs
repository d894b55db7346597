//! `canopy report`: the audit report's data on `examples/contoso` as a snapshot, the HTML
//! page parsed (every section present, hostile names escaped), and the page run in headless
//! Chromium (its script ran without errors and rendered each section; a screenshot is
//! saved).
//!
//! The browser test needs Debian's `chromium` (`.ci/run` installs it). Without it the test
//! says so and passes, unless `CANOPY_REQUIRE_BROWSER=1` (set by `.ci/run`), when it fails.
//! `CANOPY_UPDATE_SCREENSHOT=1` also writes the README's screenshot, `docs/report-contoso.png`.

#[path = "support/browser.rs"]
mod browser;

use browser::headless;
use scraper::{Html, Selector};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AT: &str = "2026-11-25T00:00:00Z";

fn canopy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canopy"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("canopy runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the HTML report of `tree` to `dir/report.html`.
fn html_report(tree: &str, dir: &Path) -> (PathBuf, String) {
    let file = dir.join("report.html");
    let o = canopy(&["report", "--html", file.to_str().unwrap(), tree, "--at", AT]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(&file).unwrap();
    (file, text)
}

/// A tree whose names try to be markup and script.
fn hostile_tree(dir: &Path) -> PathBuf {
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(
        tree.join("tree.yaml"),
        r#"kind: ManagementGroup
name: root
displayName: "<img src=x onerror=alert(1)>"
---
kind: Subscription
name: "sub</script><script>window.pwned=1</script>"
---
kind: User
name: "<script>window.pwned=2</script>@contoso.com"
---
kind: Group
name: "\"><b onmouseover=alert(3)>team"
members: ["<script>window.pwned=2</script>@contoso.com"]
---
kind: RoleAssignment
principal: "\"><b onmouseover=alert(3)>team"
role: Owner
scope: /providers/Microsoft.Management/managementGroups/root
"#,
    )
    .unwrap();
    tree
}

#[test]
fn contoso_report_data() {
    let a = canopy::load_with(
        "examples/contoso",
        &canopy::Options {
            now: Some(AT.parse().unwrap()),
        },
    )
    .unwrap();
    let origin = canopy::audit::Origin {
        tree: "examples/contoso".into(),
        generated: AT.into(),
        ..Default::default()
    };
    let data = canopy::audit::AuditData::build(&a, origin, AT.parse().unwrap());
    // Every grant's assignment, path and principal refer to real rows.
    for g in &data.grants {
        assert!((g[1] as usize) < data.role_assignments.len());
        let principals = std::iter::once(&g[0]).chain(&g[2..]);
        assert!(
            principals
                .into_iter()
                .all(|p| (*p as usize) < data.principals.name.len())
        );
    }
    // What `canopy access report` says of the same tenant: every person's roles are here.
    let brad = data
        .principals
        .name
        .iter()
        .position(|n| n == "brad.adams@contoso.com")
        .unwrap() as u32;
    assert!(data.grants.iter().any(|g| g[0] == brad));
    insta::assert_json_snapshot!("contoso_report_data", data);

    // `canopy report --format json` prints the same document.
    let o = canopy(&["report", "--format", "json", "examples/contoso", "--at", AT]);
    assert_eq!(o.status.code(), Some(0));
    let mut printed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut built = serde_json::to_value(&data).unwrap();
    for v in [&mut printed, &mut built] {
        v["origin"] = serde_json::Value::Null;
    }
    assert_eq!(printed, built);
}

#[test]
fn the_page_has_every_section_and_its_data() {
    let dir = scratch("sections");
    let (_, text) = html_report("examples/contoso", &dir);
    let doc = Html::parse_document(&text);
    let one = |css: &str| {
        doc.select(&Selector::parse(css).unwrap())
            .next()
            .unwrap_or_else(|| panic!("no `{css}` in the page"))
    };
    for id in ["hierarchy", "access", "compliance", "findings"] {
        one(&format!("section#{id}"));
        one(&format!("nav a[href='#{id}']"));
    }
    for id in [
        "#tree",
        "#matrix",
        "#policy-assignments",
        "#policy-subscriptions",
        "#findings-table",
    ] {
        one(id);
    }
    // The header's totals, rendered without the script.
    let totals: Vec<String> = doc
        .select(&Selector::parse(".totals dt").unwrap())
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(
        totals,
        [
            "management groups",
            "subscriptions",
            "resource groups",
            "resources",
            "principals",
            "role assignments",
            "policy assignments",
            "findings"
        ]
    );
    // Self-contained: no external script, stylesheet, image or frame.
    for css in ["script[src]", "link", "img", "iframe"] {
        assert!(
            doc.select(&Selector::parse(css).unwrap()).next().is_none(),
            "{css}"
        );
    }
    let data: serde_json::Value = serde_json::from_str(&one("script#canopy-data").inner_html())
        .expect("the embedded data is JSON");
    assert_eq!(data["totals"]["managementGroups"], 12);
    assert!(
        one("meta[http-equiv='Content-Security-Policy']")
            .value()
            .attr("content")
            .unwrap()
            .starts_with("default-src 'none'")
    );
}

#[test]
fn hostile_names_are_escaped() {
    let dir = scratch("hostile");
    let tree = hostile_tree(&dir);
    let (_, text) = html_report(tree.to_str().unwrap(), &dir);
    let doc = Html::parse_document(&text);
    // Only the page's own two scripts, and no element a name could have made.
    let scripts: Vec<_> = doc.select(&Selector::parse("script").unwrap()).collect();
    assert_eq!(scripts.len(), 2, "{text}");
    for css in ["img", "b"] {
        assert!(
            doc.select(&Selector::parse(css).unwrap()).next().is_none(),
            "{css}"
        );
    }
    // The data still holds the names exactly, for the script to show as text.
    let data: serde_json::Value =
        serde_json::from_str(&scripts[0].inner_html()).expect("the embedded data is JSON");
    let names = data["principals"]["name"].to_string();
    assert!(names.contains("<script>window.pwned=2</script>@contoso.com"));
    assert!(!scripts[0].inner_html().contains('<'));
    // The tree's name in the header is escaped by the template.
    assert!(text.contains("<title>canopy report: "));
}

fn chromium() -> Option<PathBuf> {
    let found = browser::find();
    if found.is_none() {
        assert!(
            std::env::var_os("CANOPY_REQUIRE_BROWSER").is_none(),
            "CANOPY_REQUIRE_BROWSER is set but no Chromium is installed (apt-get install chromium)"
        );
        eprintln!("no Chromium under /usr/bin: the browser test is skipped");
    }
    found
}

#[test]
fn the_page_runs_in_a_real_browser() {
    let Some(browser) = chromium() else { return };
    for (name, tree) in [("contoso", None), ("hostile", Some(()))] {
        let dir = scratch(&format!("browser-{name}"));
        let tree = match tree {
            None => "examples/contoso".to_string(),
            Some(()) => hostile_tree(&dir).to_str().unwrap().to_string(),
        };
        let (file, _) = html_report(&tree, &dir);
        let url = format!("file://{}", file.display());
        // `#selftest`: the page clicks through itself (groups expanded and collapsed, a
        // column opened and closed, a cell explained, a policy drilled into, a scope found).
        let selftest = format!("{url}#selftest");
        let o = headless(&browser, &dir.join("profile"), &["--dump-dom", &selftest]);
        let dom = String::from_utf8_lossy(&o.stdout);
        let log = String::from_utf8_lossy(&o.stderr);
        // The page marks itself once its script has run, with the errors it caught.
        assert!(
            dom.contains(r#"data-canopy="ready""#) && dom.contains(r#"data-errors="[]""#),
            "{name}: the script did not finish cleanly:\n{}\n{log}",
            &dom[..dom.len().min(2000)]
        );
        assert!(
            dom.contains(r#"data-selftest="ok""#),
            "{name}: the page's self-test: {}",
            dom.split("data-selftest=")
                .nth(1)
                .unwrap_or("never ran")
                .chars()
                .take(300)
                .collect::<String>()
        );
        let console_errors: Vec<&str> = log
            .lines()
            // The page logs nothing: any console line is an error or a warning.
            .filter(|l| l.contains(":CONSOLE"))
            .collect();
        assert!(console_errors.is_empty(), "{name}: {console_errors:#?}");
        let rendered = Html::parse_document(&dom);
        let count = |css: &str| rendered.select(&Selector::parse(css).unwrap()).count();
        assert!(count("#tree li") > 0, "{name}: the tree rendered nothing");
        assert!(
            count("#matrix tbody tr") > 0,
            "{name}: the matrix rendered nothing"
        );
        assert!(count("#scope-detail h4") > 0, "{name}: no scope detail");
        if name == "contoso" {
            assert!(count("#tree li") >= 7, "two levels are open");
            assert!(count("#policy-assignments tr.clickable") == 4);
            assert!(count("#policy-subscriptions tr.clickable") > 0);
            assert!(
                count("#findings-table tr") == 3,
                "two findings and a heading"
            );
            assert!(count(".chip.priv") > 0, "privileged access is highlighted");
            assert!(count(".badge.guest") > 0 && count(".badge.sp") > 0);
        } else {
            // The hostile names were shown as text: no element came from them, and the
            // script's marker is the only one set.
            assert_eq!(count("body script"), 2);
            assert_eq!(count("main img") + count("main b[onmouseover]"), 0);
            assert!(
                !dom.contains("<script>window.pwned"),
                "a name became a script"
            );
            let text: String = rendered.root_element().text().collect();
            assert!(text.contains("<script>window.pwned=2</script>@contoso.com"));
        }
        if name == "contoso" {
            let shot = dir.join("report.png");
            let o = headless(
                &browser,
                &dir.join("profile-shot"),
                &[
                    "--window-size=1400,1600",
                    &format!("--screenshot={}", shot.display()),
                    &url,
                ],
            );
            assert!(
                shot.exists(),
                "no screenshot: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            if std::env::var_os("CANOPY_UPDATE_SCREENSHOT").is_some() {
                let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
                std::fs::create_dir_all(&docs).unwrap();
                std::fs::copy(&shot, docs.join("report-contoso.png")).unwrap();
            }
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "CI")
        .env("GIT_AUTHOR_EMAIL", "ci@contoso.com")
        .env("GIT_COMMITTER_NAME", "CI")
        .env("GIT_COMMITTER_EMAIL", "ci@contoso.com")
        .env("GIT_AUTHOR_DATE", "2026-11-20T10:00:00Z")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// `--rev` reports the tree at a commit; without it the working tree, with its commit and
/// whether it has uncommitted changes.
#[test]
fn a_report_at_a_git_revision() {
    let dir = scratch("rev");
    git(&dir, &["init", "-q", "-b", "main"]);
    let tree = dir.join("infra");
    std::fs::create_dir_all(&tree).unwrap();
    let yaml = "kind: ManagementGroup\nname: root\n---\nkind: User\nname: jill@contoso.com\n---\nkind: RoleAssignment\nprincipal: jill@contoso.com\nrole: Reader\nscope: /providers/Microsoft.Management/managementGroups/root\n";
    std::fs::write(tree.join("tree.yaml"), yaml).unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "one assignment"]);
    let head = git(&dir, &["rev-parse", "HEAD"]);
    // Not committed: a second assignment.
    std::fs::write(
        tree.join("tree.yaml"),
        format!("{yaml}---\nkind: RoleAssignment\nprincipal: jill@contoso.com\nrole: Owner\nscope: /providers/Microsoft.Management/managementGroups/root\n"),
    )
    .unwrap();
    let report = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "report",
            "--format",
            "json",
            tree.to_str().unwrap(),
            "--at",
            AT,
        ];
        args.extend_from_slice(extra);
        let o = canopy(&args);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let now = report(&[]);
    assert_eq!(now["origin"]["commit"], head.as_str());
    assert_eq!(now["origin"]["uncommittedChanges"], true);
    assert_eq!(now["totals"]["roleAssignments"], 2);
    let then = report(&["--rev", "HEAD"]);
    assert_eq!(then["origin"]["commit"], head.as_str());
    assert_eq!(then["origin"]["commitDate"], "2026-11-20T10:00:00Z");
    assert_eq!(then["origin"]["uncommittedChanges"], false);
    assert_eq!(then["totals"]["roleAssignments"], 1);
    // A revision that is not a commit cannot be reported on.
    let o = canopy(&[
        "report",
        "--format",
        "json",
        tree.to_str().unwrap(),
        "--rev",
        "nope",
    ]);
    assert_eq!(o.status.code(), Some(2));
    // Nothing to make is a usage error.
    let o = canopy(&["report", tree.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--html FILE"));
}
