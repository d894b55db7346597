//! The files that fit canopy into pipelines: `.pre-commit-hooks.yaml` and the CI templates
//! in `examples/ci/`. Each must parse, and every canopy command in them must be one that
//! canopy's own argument parser accepts, so a renamed flag cannot leave them broken.

use clap::Parser;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn yaml(path: &str) -> Value {
    serde_saphyr::from_str(&read(path)).unwrap_or_else(|e| panic!("{path} is not YAML: {e}"))
}

/// Parses a canopy command line as canopy would, with shell variables filled in.
fn parses(line: &str, from: &str) {
    let mut words = vec!["canopy".to_string()];
    for w in line.split_whitespace().skip(1) {
        if matches!(w, ">" | "||" | "\\" | "|" | ";") || w.starts_with('>') {
            break;
        }
        let w = w.trim_matches('"');
        let w = match w {
            "$TREE" | "$(TREE)" => "infra/azure",
            "$base" => "origin/main",
            other => other,
        };
        words.push(w.to_string());
    }
    if let Err(e) = canopy::cli::Cli::try_parse_from(&words) {
        panic!("{from}: `{}` does not parse:\n{e}", words.join(" "));
    }
}

#[test]
fn pre_commit_hooks_parse_and_name_real_commands() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().expect("a list of hooks");
    assert!(!hooks.is_empty());
    let manifest = read("Cargo.toml");
    assert!(
        manifest.contains("[[bin]]\nname = \"canopy\""),
        "`language: rust` installs the package's binaries; the hooks call `canopy`"
    );
    for h in hooks {
        for key in ["id", "name", "entry", "language"] {
            assert!(h[key].is_string(), "hook {h} has no `{key}`");
        }
        assert_eq!(h["language"], "rust", "{h}");
        assert_eq!(
            h["pass_filenames"], false,
            "canopy reads the whole tree: {h}"
        );
        let entry = h["entry"].as_str().unwrap();
        assert!(entry.starts_with("canopy "), "{entry}");
        // With the arguments the header comment tells users to add.
        let args = match h["id"].as_str().unwrap() {
            "canopy-check" => " infra/azure",
            "canopy-diff" => " --tree infra/azure",
            other => panic!("hook `{other}` is not documented in the header"),
        };
        parses(&format!("{entry}{args}"), ".pre-commit-hooks.yaml");
        assert!(
            read(".pre-commit-hooks.yaml")
                .contains(&format!("- id: {}", h["id"].as_str().unwrap())),
            "{h}"
        );
    }
    // The check hook really runs, and is quiet on a clean tree.
    let o = Command::new(env!("CARGO_BIN_EXE_canopy"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["check", "--quiet", "examples/contoso"])
        .args(["--at", "2026-11-25T00:00:00Z"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 1);
}

#[test]
fn ci_templates_parse_and_run_real_commands() {
    for path in [
        "examples/ci/github-actions.yml",
        "examples/ci/azure-pipelines.yml",
    ] {
        let doc = yaml(path);
        assert!(doc.is_object(), "{path}");
        let text = read(path);
        let commands: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter_map(|l| {
                let i = l.find("canopy check").or_else(|| l.find("canopy diff"))?;
                // Not in a comment.
                (!l[..i].contains('#')).then(|| &l[i..])
            })
            .filter(|l| !l.starts_with("canopy check (") && !l.starts_with("canopy diff\""))
            .collect();
        assert!(
            commands.iter().any(|c| c.contains("--format sarif")),
            "{path}"
        );
        assert!(
            commands.iter().any(|c| c.contains("--format markdown")),
            "{path}"
        );
        for c in commands {
            // Steps' display names ("canopy check") are not commands.
            if c.split_whitespace().count() > 2 {
                parses(c, path);
            }
        }
    }
    let gha = yaml("examples/ci/github-actions.yml");
    assert_eq!(gha["permissions"]["security-events"], "write");
    let azp = yaml("examples/ci/azure-pipelines.yml");
    assert!(read("examples/ci/azure-pipelines.yml").contains("--format junit"));
    assert!(
        azp["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["task"] == "PublishTestResults@2")
    );
}

#[test]
fn the_readme_shows_the_ci_templates_as_they_are() {
    let readme = read("README.md");
    for path in [
        "examples/ci/github-actions.yml",
        "examples/ci/azure-pipelines.yml",
    ] {
        assert!(
            readme.contains(&read(path)),
            "README.md must show {path} exactly as committed; paste it again"
        );
    }
}
