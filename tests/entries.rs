//! A tree given as files in memory (as a Git revision gives it) loads exactly as the same tree
//! read from its directory.

use canopy::{Entry, Options};
use std::path::Path;

fn entries_of(root: &Path) -> Vec<Entry> {
    let mut out = Vec::new();
    for e in walkdir(root) {
        let name = e
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        out.push(Entry {
            name,
            bytes: std::fs::read(&e).unwrap(),
        });
    }
    out
}

fn walkdir(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walkdir(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}

fn options() -> Options {
    Options {
        now: Some("2026-11-25T00:00:00Z".parse().unwrap()),
    }
}

#[test]
fn in_memory_tree_loads_like_the_directory() {
    for example in ["examples/contoso", "examples/broken"] {
        let root = Path::new(example);
        let from_disk = canopy::load_with(root, &options()).unwrap();
        let from_memory = canopy::load_entries(root, entries_of(root), &options()).unwrap();
        let disk = canopy::report::json::document(&from_disk);
        let memory = canopy::report::json::document(&from_memory);
        // The broken example's dangling symlink cannot be read from disk; in memory it is
        // simply absent. Everything else is identical.
        let strip = |v: &serde_json::Value| {
            let mut v = v.clone();
            v["diagnostics"]
                .as_array_mut()
                .unwrap()
                .retain(|d| d["code"] != "unreadable-file");
            v["summary"]["errors"] = 0.into();
            v["summary"]["files"] = 0.into();
            v
        };
        assert_eq!(strip(&disk), strip(&memory), "{example}");
    }
}

#[test]
fn in_memory_tree_honours_canopy_toml_hidden_paths_and_yaml_extensions() {
    let root = "kind: ManagementGroup\nname: root\n";
    let entries = vec![
        Entry {
            name: "root.yaml".into(),
            bytes: root.into(),
        },
        Entry {
            name: "canopy.toml".into(),
            bytes: b"exclude = [\"drafts/**\"]\n".to_vec(),
        },
        Entry {
            name: "drafts/broken.yaml".into(),
            bytes: b"not: [valid\n".to_vec(),
        },
        Entry {
            name: ".github/workflow.yml".into(),
            bytes: b"on: push\n".to_vec(),
        },
        Entry {
            name: "README.md".into(),
            bytes: b"# notes\n".to_vec(),
        },
    ];
    let a = canopy::load_entries("tenant", entries, &options()).unwrap();
    assert_eq!(a.files.len(), 1);
    assert!(a.findings.is_empty(), "{:?}", a.findings);
    let bad = vec![Entry {
        name: "canopy.toml".into(),
        bytes: b"max-depth = 9\n".to_vec(),
    }];
    assert!(matches!(
        canopy::load_entries("tenant", bad, &options()),
        Err(canopy::Error::Config { .. })
    ));
}
