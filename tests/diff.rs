//! `canopy diff` and `canopy log` on real Git repositories built in temporary folders with the
//! `git` command: the seeds' access scenario as commits, a hierarchy move, a role definition
//! edit, a group membership change, a new VM in East US under Production, a tree in a
//! subfolder and at the top, a shallow clone, and revisions that do not exist.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const AT: &str = "--at=2026-11-25T00:00:00Z";
const PROD: &str = "/subscriptions/contoso-prod/resourceGroups/Prod";
const TESTDB: &str = "/subscriptions/contoso-prod/resourceGroups/Test/providers/Microsoft.Sql/servers/sql-test/databases/TestDB";

/// A Git repository in a temporary folder, with deterministic commits.
struct Repo {
    dir: PathBuf,
    commits: u32,
}

fn git_env(c: &mut Command) -> &mut Command {
    c.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_COMMITTER_NAME", "CI")
        .env("GIT_COMMITTER_EMAIL", "ci@contoso.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
}

fn git_in(dir: &Path, args: &[&str]) -> String {
    let o = git_env(&mut Command::new("git"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

impl Repo {
    fn new(name: &str) -> Repo {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join("diff")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        git_in(&dir, &["init", "-q", "-b", "main"]);
        Repo { dir, commits: 0 }
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(&self.dir, args)
    }

    /// examples/contoso copied to `to` (a folder of the repository).
    fn contoso(&self, to: &str) {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso");
        copy_dir(&src, &self.dir.join(to));
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    fn read(&self, file: &str) -> String {
        std::fs::read_to_string(self.path(file)).unwrap()
    }

    fn write(&self, file: &str, text: &str) {
        let p = self.path(file);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Replaces text in a file, insisting that it is there.
    fn edit(&self, file: &str, from: &str, to: &str) {
        let s = self.read(file);
        assert!(s.contains(from), "{file} has no `{from}`");
        self.write(file, &s.replacen(from, to, 1));
    }

    /// Drops the YAML documents of a file that contain `needle`.
    fn drop_documents(&self, file: &str, needle: &str) {
        let s = self.read(file);
        let docs: Vec<&str> = s.split("\n---\n").collect();
        let kept: Vec<&str> = docs
            .iter()
            .copied()
            .filter(|d| !d.contains(needle))
            .collect();
        assert!(
            kept.len() < docs.len(),
            "{file} has no document with `{needle}`"
        );
        self.write(file, &kept.join("\n---\n"));
    }

    /// Commits everything as `author`, at a fixed date a day after the previous commit.
    fn commit(&mut self, author: &str, message: &str) -> String {
        self.commits += 1;
        let date = format!("2026-11-{:02}T10:00:00Z", self.commits);
        self.git(&["add", "-A"]);
        let o = git_env(&mut Command::new("git"))
            .args(["commit", "-q", "-m", message])
            .env("GIT_AUTHOR_NAME", author)
            .env(
                "GIT_AUTHOR_EMAIL",
                format!("{}@contoso.com", author.to_lowercase()),
            )
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        self.git(&["rev-parse", "HEAD"])
    }

    fn canopy(&self, args: &[&str]) -> (i32, String, String) {
        canopy_in(&self.dir, args)
    }

    fn json(&self, args: &[&str]) -> Value {
        let (code, out, err) = self.canopy(args);
        assert!(code == 0 || code == 1, "exit {code}: {err}");
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
    }
}

fn canopy_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = git_env(&mut Command::new(env!("CARGO_BIN_EXE_canopy")))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PAGER")
        .output()
        .expect("canopy runs");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// `(principal, role, scope)` of every entry of a JSON list.
fn triples(list: &Value) -> Vec<(String, String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["principal"].as_str().unwrap().to_string(),
                e["role"].as_str().unwrap().to_string(),
                e["scope"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn t(p: &str, r: &str, s: &str) -> (String, String, String) {
    (p.into(), r.into(), s.into())
}

const PROD_FILE: &str = "infra/azure/assignments/contoso-prod.yaml";

/// `canopy diff BASE HEAD --tree infra/azure --format json` at the fixed time.
fn diff_args<'a>(base: &'a str, head: &'a str) -> [&'a str; 8] {
    [
        "diff",
        base,
        head,
        "--tree",
        "infra/azure",
        "--format",
        "json",
        AT,
    ]
}

/// Contoso committed, then one edit committed: the repository and both commits.
fn one_edit(name: &str, file: &str, from: &str, to: &str) -> (Repo, String, String) {
    let mut r = Repo::new(name);
    r.contoso("infra/azure");
    let c1 = r.commit("Alice", "base");
    r.edit(file, from, to);
    let c2 = r.commit("Bob", &format!("edit {file}"));
    (r, c1, c2)
}

/// The seeds' scenario as history: the tree without Jill's team's and Brock's access; then
/// Jill's team is added (Bob), Brock is added (Carol), and Brad is removed (Dave).
fn seed_history(name: &str) -> (Repo, Vec<String>) {
    let mut r = Repo::new(name);
    r.contoso("infra/azure");
    let full = r.read(PROD_FILE);
    r.drop_documents(PROD_FILE, "principal: jill-team\n");
    r.drop_documents(PROD_FILE, "principal: brock@contoso.com\n");
    let c1 = r.commit("Alice", "Contoso tenant as it stands");
    r.write(PROD_FILE, &full);
    r.drop_documents(PROD_FILE, "principal: brock@contoso.com\n");
    let c2 = r.commit("Bob", "Give Jill's team access to production");
    r.write(PROD_FILE, &full);
    let c3 = r.commit("Carol", "Brock runs the production workload");
    r.drop_documents(PROD_FILE, "role: acdd72a7-3385-48ef-bd42-f606fba81ae7");
    let c4 = r.commit("Dave", "Brad no longer needs TestDB");
    (r, vec![c1, c2, c3, c4])
}

#[test]
fn adding_jills_team_reaches_every_member_through_nested_groups() {
    let (r, c) = seed_history("seed-jill");
    let d = r.json(&diff_args(&c[0], &c[1]));
    let gained = triples(&d["access"]["gained"]);
    let sub = "/subscriptions/contoso-prod";
    let test = "/subscriptions/contoso-prod/resourceGroups/Test";
    for who in [
        "jill.santos@contoso.com",
        "omar.haddad@contoso.com",
        "sam.rivera@contoso.com",
    ] {
        assert!(
            gained.contains(&t(who, "Reader", sub)),
            "{who}: {gained:#?}"
        );
        assert!(
            gained.contains(&t(who, "Contributor", test)),
            "{who}: {gained:#?}"
        );
    }
    assert_eq!(gained.len(), 6, "{gained:#?}");
    assert!(d["access"]["lost"].as_array().unwrap().is_empty());
    // Sam is in Jill's team through the contractors group: the path says so.
    let sam = d["access"]["gained"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["principal"] == "sam.rivera@contoso.com")
        .unwrap();
    assert_eq!(
        sam["via"],
        serde_json::json!([
            "sam.rivera@contoso.com",
            "jill-team-contractors",
            "jill-team"
        ])
    );
    assert_eq!(sam["assignedTo"], "jill-team");
    assert_eq!(sam["file"], "infra/azure/assignments/contoso-prod.yaml");
    // The two assignments are listed as such, and nobody escalates.
    assert_eq!(d["roleAssignments"].as_array().unwrap().len(), 2);
    assert!(d["escalations"].as_array().unwrap().is_empty());
    assert_eq!(d["failed"], false);
    assert_eq!(d["base"]["commit"], c[0].as_str());
    assert_eq!(d["head"]["revision"], c[1].as_str());
}

#[test]
fn adding_brock_and_removing_brad_are_gained_and_lost_access() {
    let (r, c) = seed_history("seed-brock-brad");
    let d = r.json(&diff_args(&c[1], &c[2]));
    assert_eq!(
        triples(&d["access"]["gained"]),
        vec![t("brock@contoso.com", "Contributor", PROD)]
    );
    assert!(d["access"]["lost"].as_array().unwrap().is_empty());
    let d = r.json(&diff_args(&c[2], &c[3]));
    assert_eq!(
        triples(&d["access"]["lost"]),
        vec![t("brad.adams@contoso.com", "Reader", TESTDB)]
    );
    assert!(d["access"]["gained"].as_array().unwrap().is_empty());
    assert_eq!(d["roleAssignments"][0]["change"], "removed");
}

#[test]
fn log_answers_when_brock_got_contributor_and_who_removed_brad() {
    let (r, c) = seed_history("seed-log");
    // "When did Brock get Contributor on Prod, and in which commit?"
    let log = r.json(&[
        "log",
        "--tree",
        "infra/azure",
        "--principal",
        "brock@contoso.com",
        "--role",
        "contributor",
        "--scope",
        PROD,
        "--format",
        "json",
        AT,
    ]);
    let commits = log["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 1, "{log:#}");
    assert_eq!(commits[0]["commit"], c[2].as_str());
    assert_eq!(commits[0]["author"], "Carol");
    assert_eq!(commits[0]["date"], "2026-11-03T10:00:00Z");
    assert_eq!(
        triples(&commits[0]["access"]["gained"]),
        vec![t("brock@contoso.com", "Contributor", PROD)]
    );
    // "Who removed Brad Adams from Reader on TestDB?" (newest first, as git log lists).
    let log = r.json(&[
        "log",
        "--tree",
        "infra/azure",
        "--principal",
        "brad.adams@contoso.com",
        "--role",
        "Reader",
        "--scope",
        TESTDB,
        "--format",
        "json",
        AT,
    ]);
    let commits = log["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 2, "{log:#}");
    assert_eq!(commits[0]["author"], "Dave");
    assert_eq!(commits[0]["subject"], "Brad no longer needs TestDB");
    assert_eq!(
        triples(&commits[0]["access"]["lost"]),
        vec![t("brad.adams@contoso.com", "Reader", TESTDB)]
    );
    assert_eq!(
        commits[1]["commit"],
        c[0].as_str(),
        "granted in the first commit"
    );
    // The whole log lists every commit that changes the tree, newest first.
    let all = r.json(&["log", "--tree", "infra/azure", "--format", "json", AT]);
    let ids: Vec<&str> = all["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["commit"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![&c[3], &c[2], &c[1], &c[0]]);
    // --since, as git log takes it.
    let since = r.json(&[
        "log",
        "--tree",
        "infra/azure",
        "--since",
        "2026-11-03T00:00:00Z",
        "--format",
        "json",
        AT,
    ]);
    let authors: Vec<&str> = since["commits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["author"].as_str().unwrap())
        .collect();
    assert_eq!(authors, vec!["Dave", "Carol"]);
    // A range, as git takes it.
    let range = format!("{}..{}", c[1], c[3]);
    let some = r.json(&[
        "log",
        &range,
        "--tree",
        "infra/azure",
        "--format",
        "json",
        AT,
    ]);
    assert_eq!(some["commits"].as_array().unwrap().len(), 2);
}

#[test]
fn log_human_output_for_one_principal() {
    let (r, c) = seed_history("seed-log-human");
    let (code, out, err) = r.canopy(&[
        "log",
        "--tree",
        "infra/azure",
        "--principal",
        "brad.adams@contoso.com",
        "--scope",
        TESTDB,
        AT,
    ]);
    assert_eq!(code, 0, "{err}");
    let out = c.iter().enumerate().fold(out, |o, (i, id)| {
        o.replace(&id[..10], &format!("<commit {}>", i + 1))
    });
    insta::assert_snapshot!("log_brad", out);
}

#[test]
fn a_subscription_moved_under_another_group_changes_inherited_access_and_escalates() {
    let (r, c1, c2) = one_edit(
        "move",
        "infra/azure/subscriptions/landing-zones.yaml",
        "parent: production",
        "parent: platform",
    );
    let args = diff_args(&c1, &c2);
    let d = r.json(&args);
    let h = &d["hierarchy"][0];
    assert_eq!(h["change"], "moved");
    assert_eq!(h["kind"], "subscription");
    assert_eq!(h["from"], "production");
    assert_eq!(h["to"], "platform");
    // The platform team's Owner on `platform` now reaches the subscription.
    let gained = triples(&d["access"]["gained"]);
    for who in ["lee.chen@contoso.com", "priya.nair@contoso.com"] {
        assert!(
            gained.contains(&t(who, "Owner", "/subscriptions/contoso-prod")),
            "{gained:#?}"
        );
    }
    let lee = &d["access"]["gained"][0];
    assert_eq!(
        lee["inheritedFrom"],
        "/providers/Microsoft.Management/managementGroups/platform"
    );
    // Both become Owner, able to grant access and assign policy: escalations, first.
    let esc = d["escalations"].as_array().unwrap();
    assert_eq!(esc.len(), 2, "{esc:#?}");
    assert_eq!(
        esc[0]["capabilities"],
        serde_json::json!(["roleAssignmentsWrite", "policyAssignmentsWrite", "owner"])
    );
    // The DR resource group's exemption names an assignment made at `production`, which no
    // longer applies there: the move breaks it, and that error is the change's.
    let introduced = d["findings"]["introduced"].as_array().unwrap();
    assert_eq!(introduced.len(), 1, "{introduced:#?}");
    assert_eq!(introduced[0]["code"], "unknown-reference");
    assert_eq!(
        introduced[0]["file"],
        "infra/azure/policies/exemptions.yaml"
    );
    // --fail-on chooses what fails the change.
    assert_eq!(r.canopy(&args).0, 1);
    let fail = |on: &str| {
        r.canopy(&[
            "diff",
            &c1,
            &c2,
            "--tree",
            "infra/azure",
            "--fail-on",
            on,
            AT,
        ])
        .0
    };
    assert_eq!(fail("escalation"), 1);
    assert_eq!(fail("any-access-change"), 1);
    assert_eq!(fail("errors,escalation"), 1);
    assert_eq!(fail("never"), 0);
}

#[test]
fn a_role_definition_edit_widens_everyone_holding_the_role() {
    let mut r = Repo::new("role-edit");
    r.contoso("infra/azure");
    let c1 = r.commit("Alice", "base");
    let role = "infra/azure/roles/vm-operator.yaml";
    r.edit(
        role,
        "  - Microsoft.Insights/alertRules/*\n",
        "  - Microsoft.Insights/alertRules/*\n  - Microsoft.Compute/virtualMachines/delete\n",
    );
    let c2 = r.commit("Bob", "Operators may delete machines");
    let d = r.json(&diff_args(&c1, &c2));
    let c = &d["roleDefinitions"][0];
    assert_eq!(c["role"], "Contoso Virtual Machine Operator");
    assert_eq!(c["change"], "modified");
    assert_eq!(
        c["actionsAdded"],
        serde_json::json!(["Microsoft.Compute/virtualMachines/delete"])
    );
    assert_eq!(
        c["effectiveActionsGained"],
        serde_json::json!(["Microsoft.Compute/virtualMachines/delete"])
    );
    let holders: Vec<(String, String)> = c["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["principal"].as_str().unwrap().into(),
                h["scope"].as_str().unwrap().into(),
            )
        })
        .collect();
    for who in ["brock@contoso.com", "lee.chen@contoso.com"] {
        assert!(holders.contains(&(who.into(), PROD.into())), "{holders:?}");
        assert!(
            holders.contains(&(who.into(), "/subscriptions/contoso-corp-apps".into())),
            "{holders:?}"
        );
    }
    assert!(d["escalations"].as_array().unwrap().is_empty());
    // The people keep the same (principal, scope, role), but the role grants them more: the
    // access section says so, one line per holding.
    assert!(d["access"]["gained"].as_array().unwrap().is_empty());
    let widened = triples(&d["access"]["widened"]);
    assert_eq!(widened.len(), 4, "{widened:#?}");
    assert!(widened.contains(&t(
        "brock@contoso.com",
        "Contoso Virtual Machine Operator",
        PROD
    )));
    assert_eq!(d["access"]["widened"][0]["actions"], 1);
    assert_eq!(d["summary"]["accessWidened"], 4);
    let (code, _, _) = r.canopy(&[
        "diff",
        &c1,
        &c2,
        "--tree",
        "infra/azure",
        "--fail-on",
        "any-access-change",
        AT,
    ]);
    assert_eq!(code, 1, "a widened role is an access change");
    // Widening it to role assignments makes every holder able to grant access.
    r.edit(
        role,
        "  - Microsoft.Compute/virtualMachines/delete\n",
        "  - Microsoft.Compute/virtualMachines/delete\n  - Microsoft.Authorization/roleAssignments/write\n",
    );
    let c3 = r.commit("Carol", "Operators may grant access");
    let d = r.json(&diff_args(&c2, &c3));
    let esc: Vec<(String, String)> = d["escalations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert_eq!(
                e["capabilities"],
                serde_json::json!(["roleAssignmentsWrite"])
            );
            (
                e["principal"].as_str().unwrap().into(),
                e["scope"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(esc.len(), 4, "{esc:?}");
    assert!(esc.contains(&("brock@contoso.com".into(), PROD.into())));
    let (code, _, _) = r.canopy(&[
        "diff",
        &c2,
        &c3,
        "--tree",
        "infra/azure",
        "--fail-on",
        "escalation",
        AT,
    ]);
    assert_eq!(code, 1);
}

#[test]
fn a_group_membership_change_reaches_the_new_member_through_nested_groups() {
    let (r, c1, c2) = one_edit(
        "membership",
        "infra/azure/principals/groups.yaml",
        "  - sam.rivera@contoso.com\n",
        "  - brock@contoso.com\n",
    );
    let d = r.json(&diff_args(&c1, &c2));
    let p = &d["principals"][0];
    assert_eq!(p["principal"], "jill-team-contractors");
    assert_eq!(p["membersAdded"], serde_json::json!(["brock@contoso.com"]));
    assert_eq!(
        p["membersRemoved"],
        serde_json::json!(["sam.rivera@contoso.com"])
    );
    let gained = triples(&d["access"]["gained"]);
    let lost = triples(&d["access"]["lost"]);
    let sub = "/subscriptions/contoso-prod";
    assert!(
        gained.contains(&t("brock@contoso.com", "Reader", sub)),
        "{gained:#?}"
    );
    assert!(
        lost.contains(&t("sam.rivera@contoso.com", "Reader", sub)),
        "{lost:#?}"
    );
    assert_eq!(
        gained.len(),
        lost.len(),
        "the same three roles move from Sam to Brock"
    );
    assert!(gained.iter().all(|g| g.0 == "brock@contoso.com"));
}

#[test]
fn a_new_vm_in_east_us_under_production_is_a_new_violation_and_fails() {
    let (r, c1, c2) = one_edit(
        "east-us-vm",
        "infra/azure/subscriptions/landing-zones.yaml",
        "      - name: vm-web-01_OsDisk_1\n",
        "      - name: vm-web-02\n        type: Microsoft.Compute/virtualMachines\n        location: eastus\n      - name: vm-web-01_OsDisk_1\n",
    );
    let args = diff_args(&c1, &c2);
    let d = r.json(&args);
    let v = &d["policy"]["newViolations"];
    assert_eq!(v.as_array().unwrap().len(), 1, "{v:#}");
    assert_eq!(
        v[0]["scope"],
        format!("{PROD}/providers/Microsoft.Compute/virtualMachines/vm-web-02")
    );
    assert_eq!(v[0]["assignment"], "allowed-locations-production");
    assert_eq!(v[0]["effect"], "deny");
    assert_eq!(v[0]["enforced"], true);
    assert_eq!(d["hierarchy"][0]["change"], "added");
    assert_eq!(d["hierarchy"][0]["kind"], "resource");
    let introduced = d["findings"]["introduced"].as_array().unwrap();
    assert_eq!(introduced.len(), 1);
    assert_eq!(introduced[0]["code"], "policy-violation");
    // Findings already on the base (contoso's audit warnings) are not the change's.
    assert!(d["findings"]["fixed"].as_array().unwrap().is_empty());
    assert_eq!(d["failed"], true);
    assert_eq!(r.canopy(&args).0, 1);
}

#[test]
fn markdown_for_a_pull_request_comment() {
    let mut r = Repo::new("markdown");
    r.contoso("infra/azure");
    r.commit("Alice", "base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    // A pull request: Brock joins the contractors, a VM lands in East US, Brad loses TestDB,
    // and a new guest gets Owner of the sandbox.
    r.edit(
        "infra/azure/principals/groups.yaml",
        "  - sam.rivera@contoso.com\n",
        "  - sam.rivera@contoso.com\n  - brock@contoso.com\n",
    );
    r.edit(
        "infra/azure/subscriptions/landing-zones.yaml",
        "      - name: vm-web-01_OsDisk_1\n",
        "      - name: vm-web-02\n        type: Microsoft.Compute/virtualMachines\n        location: eastus\n      - name: vm-web-01_OsDisk_1\n",
    );
    r.drop_documents(PROD_FILE, "role: acdd72a7-3385-48ef-bd42-f606fba81ae7");
    r.write(
        "infra/azure/assignments/sandbox.yaml",
        "kind: RoleAssignment\nprincipal: brock@contoso.com\nrole: Owner\nscope: /providers/Microsoft.Management/managementGroups/sandbox\n",
    );
    // Default: the merge base with main, against the working tree (uncommitted changes too).
    let (code, out, err) = r.canopy(&["diff", "--tree", "infra/azure", "--format", "markdown", AT]);
    assert_eq!(code, 1, "{err}");
    let base = r.git(&["rev-parse", "main"]);
    let out = out.replace(&base[..10], "<base>");
    insta::assert_snapshot!("diff_markdown", out);
    // The same change, committed, gives the same report between two revisions.
    let head = r.commit("Bob", "feature");
    let (_, committed, _) = r.canopy(&[
        "diff",
        "main",
        "HEAD",
        "--tree",
        "infra/azure",
        "--format",
        "markdown",
        AT,
    ]);
    let committed = committed
        .replace(&base[..10], "<base>")
        .replace(&format!("**HEAD ({})**", &head[..10]), "**working tree**")
        .replace("**main (<base>)**", "**merge base with main (<base>)**");
    assert_eq!(committed, out);
    // And the terminal text.
    let (_, human, _) = r.canopy(&["diff", "main", "HEAD", "--tree", "infra/azure", AT]);
    let human = human
        .replace(&base[..10], "<base>")
        .replace(&head[..10], "<head>");
    insta::assert_snapshot!("diff_human", human);
}

#[test]
fn a_tree_at_the_top_of_the_repository_and_from_inside_its_folder() {
    let mut r = Repo::new("top");
    r.contoso(".");
    let c1 = r.commit("Alice", "base");
    r.drop_documents(
        "assignments/contoso-prod.yaml",
        "principal: brock@contoso.com\n",
    );
    let c2 = r.commit("Bob", "Brock leaves");
    let d = r.json(&["diff", &c1, &c2, "--format", "json", AT]);
    assert_eq!(d["tree"], ".");
    assert_eq!(
        triples(&d["access"]["lost"]),
        vec![t("brock@contoso.com", "Contributor", PROD)]
    );
    assert_eq!(
        d["access"]["lost"][0]["file"],
        "assignments/contoso-prod.yaml"
    );
    // Run from a subfolder of a tree that lives in a subfolder: --tree is relative to the
    // current directory, as paths are.
    let mut r = Repo::new("sub");
    r.contoso("infra/azure");
    let c1 = r.commit("Alice", "base");
    r.drop_documents(PROD_FILE, "principal: brock@contoso.com\n");
    let c2 = r.commit("Bob", "Brock leaves");
    let (code, out, err) = canopy_in(
        &r.dir.join("infra/azure"),
        &["diff", &c1, &c2, "--format", "json", AT],
    );
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["tree"], "infra/azure");
    assert_eq!(d["access"]["lost"].as_array().unwrap().len(), 1);
    let (_, out, _) = canopy_in(
        &r.dir.join("infra"),
        &["diff", &c1, &c2, "--tree", "azure", "--format", "json", AT],
    );
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["tree"], "infra/azure");
    assert_eq!(
        d["access"]["lost"][0]["file"],
        "azure/assignments/contoso-prod.yaml"
    );
}

#[test]
fn a_tree_added_or_deleted_is_everything_gained_or_lost() {
    let mut r = Repo::new("added");
    r.write("README.md", "nothing yet\n");
    let c1 = r.commit("Alice", "empty");
    r.contoso("infra/azure");
    let c2 = r.commit("Bob", "tree");
    let d = r.json(&diff_args(&c1, &c2));
    assert_eq!(d["base"]["treeExists"], false);
    assert!(d["access"]["gained"].as_array().unwrap().len() > 20);
    assert!(d["access"]["lost"].as_array().unwrap().is_empty());
    std::fs::remove_dir_all(r.path("infra")).unwrap();
    let c3 = r.commit("Carol", "gone");
    let d = r.json(&diff_args(&c2, &c3));
    assert!(d["access"]["gained"].as_array().unwrap().is_empty());
    assert!(d["access"]["lost"].as_array().unwrap().len() > 20);
    assert_eq!(
        d["failed"], true,
        "deleting the root management group is an error"
    );
    assert!(d["errors"][0].as_str().unwrap().contains("is deleted"));
    // Neither side has the folder: a mistyped --tree is a clear error, not an empty diff.
    let (code, _, err) = r.canopy(&["diff", &c1, &c3, "--tree", "infra/azur"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no canopy tree at `infra/azur` in either revision"),
        "{err}"
    );
}

#[test]
fn moving_the_root_management_group_is_an_error() {
    let (r, c1, c2) = one_edit(
        "root-move",
        "infra/azure/hierarchy/management-groups.yaml",
        "displayName: Tenant Root Group\n",
        "displayName: Tenant Root Group\nparent: new-top\n---\nkind: ManagementGroup\nname: new-top\n",
    );
    let (code, out, _) = r.canopy(&["diff", &c1, &c2, "--tree", "infra/azure", AT]);
    assert_eq!(code, 1);
    assert!(
        out.contains("the root management group `72f988bf-86f1-41af-91ab-2d7cd011db47` is moved under `new-top`"),
        "{out}"
    );
}

#[test]
fn a_shallow_clone_with_the_base_fetched() {
    let mut origin = Repo::new("shallow-origin");
    origin.contoso("infra/azure");
    origin.commit("Alice", "base");
    origin.git(&["checkout", "-q", "-b", "feature"]);
    origin.drop_documents(PROD_FILE, "role: acdd72a7-3385-48ef-bd42-f606fba81ae7");
    origin.commit("Bob", "Brad leaves");
    origin.git(&["checkout", "-q", "main"]);
    // What a CI job has: the pull request's head, one commit deep, then the base fetched.
    let clone = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diff/shallow-clone");
    let _ = std::fs::remove_dir_all(&clone);
    let url = format!("file://{}", origin.dir.display());
    git_in(
        origin.dir.parent().unwrap(),
        &[
            "clone",
            "-q",
            "--depth=1",
            "--branch",
            "feature",
            &url,
            "shallow-clone",
        ],
    );
    git_in(
        &clone,
        &[
            "fetch",
            "-q",
            "--depth=1",
            "origin",
            "main:refs/remotes/origin/main",
        ],
    );
    // No merge base can be found in so little history: say what to do.
    let (code, _, err) = canopy_in(&clone, &["diff", "--tree", "infra/azure", AT]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("shallow clone") && err.contains("fetch more history"),
        "{err}"
    );
    // With the base named, the diff works from the object database alone.
    let (code, out, err) = canopy_in(
        &clone,
        &[
            "diff",
            "origin/main",
            "HEAD",
            "--tree",
            "infra/azure",
            "--format",
            "json",
            AT,
        ],
    );
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        triples(&d["access"]["lost"]),
        vec![t("brad.adams@contoso.com", "Reader", TESTDB)]
    );
    // Deepened, the default base works too.
    git_in(&clone, &["fetch", "-q", "--deepen=1", "origin", "feature"]);
    let (code, out, err) = canopy_in(
        &clone,
        &["diff", "--tree", "infra/azure", "--format", "json", AT],
    );
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["access"]["lost"].as_array().unwrap().len(), 1);
    // The log of a shallow clone says where its history stops instead of inventing a change.
    let fresh = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diff/shallow-log");
    let _ = std::fs::remove_dir_all(&fresh);
    git_in(
        origin.dir.parent().unwrap(),
        &[
            "clone",
            "-q",
            "--depth=1",
            "--branch",
            "feature",
            &url,
            "shallow-log",
        ],
    );
    let (code, out, err) = canopy_in(
        &fresh,
        &["log", "--tree", "infra/azure", "--format", "json", AT],
    );
    assert_eq!(code, 0, "{err}");
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["commits"].as_array().unwrap().len(), 1);
    assert_eq!(log["commits"][0]["shallowBoundary"], true);
    assert!(
        log["commits"][0]["access"]["gained"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn revisions_that_do_not_exist_and_folders_outside_git_are_clear_errors() {
    let mut r = Repo::new("bad-rev");
    r.contoso("infra/azure");
    r.commit("Alice", "base");
    let (code, out, err) = r.canopy(&["diff", "nope", "HEAD", "--tree", "infra/azure"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.contains("`nope` is not a commit in this repository"),
        "{err}"
    );
    let (code, out, _) = r.canopy(&["diff", "HEAD", "no-such-branch", "--format", "json"]);
    assert_eq!(code, 2);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("`no-such-branch` is not a commit")
    );
    let (code, _, err) = r.canopy(&["log", "nope..HEAD", "--tree", "infra/azure"]);
    assert_eq!(code, 2);
    assert!(err.contains("`nope` is not a commit"), "{err}");
    // An option-shaped revision is a revision, never an option to git.
    let (code, _, err) = r.canopy(&["diff", "--tree", "infra/azure", "--", "--output=x", "HEAD"]);
    assert_eq!(code, 2);
    assert!(err.contains("`--output=x` is not a commit"), "{err}");
    assert!(!r.path("x").exists());
    // No default branch to compare with.
    r.git(&["branch", "-m", "main", "trunk"]);
    let (code, _, err) = r.canopy(&["diff", "--tree", "infra/azure"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("neither `origin/main` nor `main` exists"),
        "{err}"
    );
    // Outside any repository.
    let outside = std::env::temp_dir().join(format!("canopy-not-a-repo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).unwrap();
    let (code, _, err) = canopy_in(&outside, &["diff", "--tree", "."]);
    assert_eq!(code, 2);
    assert!(err.contains("is not inside a Git repository"), "{err}");
}

#[test]
fn staged_and_unstaged_changes_both_count_and_nothing_is_touched() {
    let mut r = Repo::new("worktree");
    r.contoso("infra/azure");
    r.commit("Alice", "base");
    r.drop_documents(PROD_FILE, "principal: brock@contoso.com\n");
    r.git(&["add", PROD_FILE]);
    r.drop_documents(PROD_FILE, "role: acdd72a7-3385-48ef-bd42-f606fba81ae7");
    let status = r.git(&["status", "--porcelain"]);
    let index = std::fs::read(r.dir.join(".git/index")).unwrap();
    let d = r.json(&["diff", "--tree", "infra/azure", "--format", "json", AT]);
    assert_eq!(d["head"]["revision"], "working tree");
    assert_eq!(d["head"]["commit"], Value::Null);
    let lost = triples(&d["access"]["lost"]);
    assert_eq!(lost.len(), 2, "{lost:#?}");
    assert_eq!(r.git(&["status", "--porcelain"]), status);
    assert_eq!(std::fs::read(r.dir.join(".git/index")).unwrap(), index);
    // No change at all: says so, exits 0.
    r.git(&["checkout", "-q", "--", "."]);
    r.git(&["reset", "-q", "--hard"]);
    let (code, out, _) = r.canopy(&["diff", "--tree", "infra/azure", AT]);
    assert_eq!(code, 0);
    assert!(
        out.contains("no changes to access, policy, hierarchy or findings"),
        "{out}"
    );
}

/// Every kind of change, one commit each, for comparing the fast diff with the exhaustive one.
fn every_kind_of_change(name: &str) -> (Repo, Vec<String>) {
    let mut r = Repo::new(name);
    r.contoso("infra/azure");
    let mut c = vec![r.commit("A", "base")];
    let subs = "infra/azure/subscriptions/landing-zones.yaml";
    let steps: Vec<(&str, &str, &str)> = vec![
        // The subscription ID changes; the deployment pipeline's assignment (in an unchanged
        // file) names the subscription by its old ID, so it no longer resolves.
        (
            subs,
            "id: f08e60be-73d7-4dc3-b013-a1c745791741",
            "id: f08e60be-73d7-4dc3-b013-a1c745791742",
        ),
        (subs, "parent: production", "parent: platform"),
        (
            "infra/azure/principals/groups.yaml",
            "  - sam.rivera@contoso.com\n",
            "  - brock@contoso.com\n",
        ),
        (
            "infra/azure/roles/vm-operator.yaml",
            "  - Microsoft.Insights/alertRules/*\n",
            "  - Microsoft.Authorization/*\n",
        ),
        (
            "infra/azure/principals/users.yaml",
            "name: brock@contoso.com\n",
            "name: brock@contoso.com\nenabled: false\n",
        ),
        (
            "infra/azure/assignments/deny.yaml",
            "principals: [Everyone]",
            "principals: [jill-team]",
        ),
        (
            "infra/azure/policies/exemptions.yaml",
            "2026-06-30",
            "2027-06-30",
        ),
        (
            subs,
            "      - name: vm-web-01_OsDisk_1\n",
            "      - name: vm-web-02\n        type: Microsoft.Compute/virtualMachines\n        location: eastus\n      - name: vm-web-01_OsDisk_1\n",
        ),
    ];
    for (file, from, to) in steps {
        r.edit(file, from, to);
        c.push(r.commit("B", &format!("edit {file}")));
    }
    (r, c)
}

#[test]
fn the_fast_diff_agrees_with_comparing_everything() {
    use canopy::diff::{DiffOptions, compare};
    let (r, c) = every_kind_of_change("fast-vs-exhaustive");
    let repo = canopy::git::Repo::discover(&r.dir.join("infra/azure")).unwrap();
    let mut reader = canopy::git::TreeReader::new(repo).unwrap();
    let now: jiff::Timestamp = "2026-11-25T00:00:00Z".parse().unwrap();
    let options = canopy::Options { now: Some(now) };
    let revisions: Vec<_> = c
        .iter()
        .map(|id| reader.load(id, &options).unwrap())
        .collect();
    // Every pair, not only neighbours: several changes at once must agree too.
    for i in 0..revisions.len() {
        for j in 0..revisions.len() {
            let run = |exhaustive| {
                let o = DiffOptions {
                    now,
                    findings: true,
                    exhaustive,
                };
                serde_json::to_value(compare(&revisions[i], &revisions[j], o)).unwrap()
            };
            assert_eq!(run(false), run(true), "revision {i} → {j}");
            // Narrowed to one principal, effective access is the full answer's entries for
            // the people it stands for, and nothing else.
            let o = DiffOptions {
                now,
                findings: false,
                exhaustive: false,
            };
            let full = compare(&revisions[i], &revisions[j], o);
            for who in ["brock@contoso.com", "jill-team"] {
                let some = canopy::diff::compare_for(&revisions[i], &revisions[j], o, Some(who));
                for (part, all) in [
                    (&some.access.gained, &full.access.gained),
                    (&some.access.lost, &full.access.lost),
                ] {
                    assert!(part.iter().all(|e| all.contains(e)), "{i} → {j} for {who}");
                    let mine = |e: &&canopy::diff::AccessEntry| {
                        e.principal == who || e.via.iter().any(|v| v == who)
                    };
                    assert_eq!(
                        part.iter().filter(mine).count(),
                        all.iter().filter(mine).count(),
                        "{i} → {j} for {who}"
                    );
                }
            }
        }
    }
    // The subscription ID change is seen although the assignment's own file did not change.
    let d = compare(
        &revisions[0],
        &revisions[1],
        DiffOptions {
            now,
            findings: true,
            exhaustive: false,
        },
    );
    assert!(
        d.role_assignments
            .iter()
            .any(|a| a.principal == "sp-deploy-pipeline"
                && a.change == canopy::diff::Change::Removed),
        "{:#?}",
        d.role_assignments
    );
    assert!(
        d.findings
            .introduced
            .iter()
            .any(|f| f.code == "unknown-reference")
    );
}

#[test]
fn log_skips_merges_or_follows_first_parents() {
    let mut r = Repo::new("merges");
    r.contoso("infra/azure");
    r.commit("Alice", "base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.drop_documents(PROD_FILE, "role: acdd72a7-3385-48ef-bd42-f606fba81ae7");
    r.commit("Bob", "Brad leaves");
    r.drop_documents(PROD_FILE, "principal: brock@contoso.com\n");
    r.commit("Carol", "Brock leaves");
    r.git(&["checkout", "-q", "main"]);
    let o = git_env(&mut Command::new("git"))
        .args(["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"])
        .env("GIT_AUTHOR_NAME", "Merger")
        .env("GIT_AUTHOR_EMAIL", "merger@contoso.com")
        .current_dir(&r.dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let subjects = |args: &[&str]| -> Vec<String> {
        let log = r.json(args);
        log["commits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["subject"].as_str().unwrap().to_string())
            .collect()
    };
    // Each change once, by its author; the merge commit itself changes nothing more.
    assert_eq!(
        subjects(&["log", "--tree", "infra/azure", "--format", "json", AT]),
        vec!["Brock leaves", "Brad leaves", "base"]
    );
    // First parents: the merge stands for both changes.
    let log = r.json(&[
        "log",
        "--tree",
        "infra/azure",
        "--first-parent",
        "--format",
        "json",
        AT,
    ]);
    let merge = &log["commits"][0];
    assert_eq!(merge["subject"], "Merge feature");
    assert_eq!(merge["author"], "Merger");
    assert_eq!(merge["access"]["lost"].as_array().unwrap().len(), 2);
    assert_eq!(log["commits"].as_array().unwrap().len(), 2);
}
