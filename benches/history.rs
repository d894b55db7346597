//! `cargo bench --bench history`: `canopy diff` and `canopy log` on a Git history of the
//! benchmark tenant (1,000 management groups, 1,000 subscriptions, 40,000 role assignments;
//! see `benches/generate/mod.rs`). Builds `target/bench-history`, a repository with the tree in
//! `infra/azure` and 200 further commits, each a small, realistic change of one or two files
//! (an assignment added or removed, a group member added, a subscription moved, a custom role
//! widened, a resource added), then runs the release binary as a user would and prints median
//! wall times. Prints only; asserts nothing about time.
//!
//! Environment: `CANOPY_BENCH_SCALE` (default 1), `CANOPY_BENCH_RUNS` (default 5),
//! `CANOPY_BENCH_COMMITS` (default 200).

#[allow(dead_code)] // the generator's summary helpers serve the check bench
mod generate;

use generate::{Params, Rng};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn env_parse<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.parse().ok()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@contoso.com")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@contoso.com")
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Values of `key: value` lines at the start of a line in a file.
fn values(file: &Path, key: &str) -> Vec<String> {
    let prefix = format!("{key}: ");
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix).map(str::to_string))
        .collect()
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

fn replace_once(path: &Path, from: &str, to: &str) -> bool {
    let s = std::fs::read_to_string(path).unwrap();
    if !s.contains(from) {
        return false;
    }
    std::fs::write(path, s.replacen(from, to, 1)).unwrap();
    true
}

/// Makes one small change to the tree; returns the commit message.
fn change(tree: &Path, i: usize, rng: &mut Rng, names: &Names) -> String {
    let subs = files(&tree.join("subscriptions"));
    let assignment_files = files(&tree.join("assignments"));
    match i % 6 {
        0 => {
            let sub = rng.pick(&names.subscriptions).clone();
            let user = rng.pick(&names.users).clone();
            let role = *rng.pick(&[
                "Reader",
                "Contributor",
                "Owner",
                "User Access Administrator",
            ]);
            let file = tree.join(format!("assignments/{sub}.yaml"));
            let mut s = std::fs::read_to_string(&file).unwrap_or_default();
            if !s.is_empty() {
                s.push_str("---\n");
            }
            s.push_str(&format!(
                "kind: RoleAssignment\nprincipal: {user}\nrole: {role}\nscope: /subscriptions/{sub}\n"
            ));
            std::fs::write(&file, s).unwrap();
            format!("Grant {user} {role} on {sub}")
        }
        1 => {
            let file = rng.pick(&assignment_files).clone();
            let s = std::fs::read_to_string(&file).unwrap();
            let mut docs: Vec<&str> = s.split("\n---\n").collect();
            if docs.len() > 1 {
                docs.pop();
            }
            std::fs::write(&file, docs.join("\n---\n") + "\n").unwrap();
            format!("Remove an assignment from {}", file.display())
        }
        2 => {
            let groups = files(&tree.join("principals"))
                .into_iter()
                .filter(|p| p.to_string_lossy().contains("groups-"))
                .collect::<Vec<_>>();
            let file = rng.pick(&groups).clone();
            let user = rng.pick(&names.users).clone();
            replace_once(&file, "members:\n", &format!("members:\n  - {user}\n"));
            format!("Add {user} to a group")
        }
        3 => {
            let file = rng.pick(&subs).clone();
            let parents = values(&file, "parent");
            let to = rng.pick(&names.leaf_groups).clone();
            if let Some(from) = parents.first() {
                replace_once(
                    &file,
                    &format!("parent: {from}\n"),
                    &format!("parent: {to}\n"),
                );
            }
            format!("Move {} under {to}", file.display())
        }
        4 => {
            let roles = files(&tree.join("roles"));
            let file = rng.pick(&roles).clone();
            let action = "  - Microsoft.Compute/virtualMachines/restart/action\n";
            if !replace_once(&file, action, "") {
                replace_once(&file, "actions:\n", &format!("actions:\n{action}"));
            }
            format!("Edit {}", file.display())
        }
        _ => {
            let file = rng.pick(&subs).clone();
            let location = *rng.pick(&["westeurope", "eastus", "northeurope"]);
            replace_once(
                &file,
                "    resources:\n",
                &format!(
                    "    resources:\n      - name: vm-bench-{i}\n        type: Microsoft.Compute/virtualMachines\n        location: {location}\n"
                ),
            );
            format!("A VM in {location}")
        }
    }
}

struct Names {
    users: Vec<String>,
    subscriptions: Vec<String>,
    /// Management groups that have no child group, so a subscription can sit there.
    leaf_groups: Vec<String>,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn canopy(repo: &Path, args: &[&str]) -> (String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .args(args)
        .current_dir(repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("CANOPY_LOG_STATS", "1")
        .output()
        .expect("canopy runs");
    assert!(
        o.status.code().is_some_and(|c| c <= 1),
        "canopy {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn main() {
    let scale: f64 = env_parse("CANOPY_BENCH_SCALE").unwrap_or(1.0);
    let runs: usize = env_parse::<usize>("CANOPY_BENCH_RUNS").unwrap_or(5).max(1);
    let commits: usize = env_parse("CANOPY_BENCH_COMMITS").unwrap_or(200);
    let params = Params::scaled(scale);
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let repo = target.join("bench-history");
    let _ = std::fs::remove_dir_all(&repo);
    let tree = repo.join("infra/azure");
    std::fs::create_dir_all(&tree).unwrap();
    println!("canopy diff/log benchmark: scale {scale}, {runs} run(s) each, {commits} commits");
    let t = Instant::now();
    let summary = generate::generate(&tree, &params).expect("generate");
    println!(
        "  tree: {} files, {} documents, {:.1} MiB, generated in {:.2?}",
        summary.files,
        summary.documents,
        summary.bytes as f64 / (1024.0 * 1024.0),
        t.elapsed()
    );
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "tenant"]);

    let mut users = Vec::new();
    for f in files(&tree.join("principals")) {
        if f.to_string_lossy().contains("users-") {
            users.extend(values(&f, "name"));
        }
    }
    let subscriptions: Vec<String> = files(&tree.join("subscriptions"))
        .iter()
        .flat_map(|f| values(f, "name").into_iter().take(1))
        .collect();
    let mut groups = Vec::new();
    let mut parents = std::collections::HashSet::new();
    for f in files(&tree.join("hierarchy")) {
        groups.extend(values(&f, "name"));
        parents.extend(values(&f, "parent"));
    }
    let leaf_groups: Vec<String> = groups
        .into_iter()
        .filter(|g| !parents.contains(g))
        .collect();
    let names = Names {
        users,
        subscriptions,
        leaf_groups,
    };
    let mut rng = Rng::new(0x005e_ed0f_c4a0);
    let t = Instant::now();
    for i in 0..commits {
        let message = change(&tree, i, &mut rng, &names);
        git(&repo, &["commit", "-q", "-a", "-m", &message]);
    }
    println!("  {commits} commits made in {:.2?}", t.elapsed());

    let base = "--at=2026-11-25T00:00:00Z";
    let tree_arg = ["--tree", "infra/azure"];
    let with = |extra: &[&str]| -> Vec<String> {
        extra
            .iter()
            .chain(tree_arg.iter())
            .chain(std::iter::once(&base))
            .map(|s| s.to_string())
            .collect()
    };
    let run = |args: &[String]| {
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        canopy(&repo, &a)
    };

    let check = vec!["check".to_string(), "infra/azure".into(), base.into()];
    let d = time(runs, || {
        run(&check);
    });
    println!("  canopy check (working tree, for reference): {d:.2?}");

    for (label, args) in [
        (
            "diff HEAD~1 HEAD (one commit: an assignment removed)",
            with(&["diff", "HEAD~1", "HEAD", "--format", "json"]),
        ),
        (
            "diff HEAD~6 HEAD (six commits, every kind of change)",
            with(&["diff", "HEAD~6", "HEAD", "--format", "json"]),
        ),
        (
            "diff HEAD~200 HEAD (the whole history at once)",
            with(&[
                "diff",
                &format!("HEAD~{commits}"),
                "HEAD",
                "--format",
                "json",
            ]),
        ),
        (
            "diff HEAD (HEAD against the working tree, unchanged)",
            with(&["diff", "HEAD"]),
        ),
        (
            "diff HEAD~6 HEAD --format markdown",
            with(&["diff", "HEAD~6", "HEAD", "--format", "markdown"]),
        ),
    ] {
        let (out, _) = run(&args);
        let d = time(runs, || {
            run(&args);
        });
        let summary = serde_json_summary(&out);
        println!("  canopy {label}: {d:.2?}{summary}");
    }
    for (label, args) in [
        ("log (every commit)", with(&["log", "--format", "json"])),
        (
            "log --principal <a user> (filtered)",
            with(&["log", "--principal", &names.users[0]]),
        ),
    ] {
        // A log takes a while: fewer runs, and the figures of the last.
        let mut err = String::new();
        let d = time(runs.min(2), || {
            err = run(&args).1;
        });
        println!("  canopy {label}: {d:.2?}  ({})", err.trim());
    }
}

/// A few counts from a JSON diff, for the printout.
fn serde_json_summary(out: &str) -> String {
    let key = |k: &str| -> Option<u64> {
        let at = out.find(&format!("\"{k}\": "))?;
        let rest = &out[at + k.len() + 4..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    match (key("accessGained"), key("accessLost"), key("escalations")) {
        (Some(g), Some(l), Some(e)) => format!("  ({g} access gained, {l} lost, {e} escalations)"),
        _ => String::new(),
    }
}
