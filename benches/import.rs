//! `cargo bench --bench import`: exports of a generated tenant at Azure's limits (10,000
//! management groups, 10,000 subscriptions, 200,000 role assignments, 100,000 users), as the
//! Azure CLI would print them, then `canopy import` of them timed as a whole process, with
//! its peak memory when `/usr/bin/time` is there. Prints only; asserts nothing about time.
//!
//! Environment: `CANOPY_IMPORT_SCALE` (default 1) multiplies the counts; the tree and
//! exports are kept in `target/bench-import/` for reuse by hand.

#[path = "../tests/support/export.rs"]
mod export;
#[allow(dead_code)]
mod generate;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn main() {
    let scale = generate::env_scale("CANOPY_IMPORT_SCALE");
    let params = generate::Params::limits(scale);
    let base = generate::bench_dir("bench-import");
    let (tree, exports, out) = (
        base.join("tree"),
        base.join("exports"),
        base.join("imported"),
    );
    for d in [&tree, &exports, &out] {
        let _ = std::fs::remove_dir_all(d);
        std::fs::create_dir_all(d).expect("bench folders");
    }
    println!("canopy import benchmark: {params:?}");
    let t = Instant::now();
    let summary = generate::generate(&tree, &params).expect("tree generated");
    println!(
        "  generated the tree: {} files, {} documents, {:.1} MB in {:.1} s",
        summary.files,
        summary.documents,
        summary.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let a = canopy::load(&tree).expect("tree loads");
    export::export(&a.tenant, &exports);
    let (files, bytes) = generate::folder_size(&exports);
    println!(
        "  exported: {files} files, {:.1} MB in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    drop(a);

    let canopy = env!("CARGO_BIN_EXE_canopy");
    let os = |p: &Path| p.as_os_str().to_owned();
    let rss = |line: Option<String>| {
        line.map(|l| format!(", {l} (elapsed, peak RSS)"))
            .unwrap_or_default()
    };
    for run in 1..=2 {
        let (o, wall, line) = generate::run_timed(
            canopy,
            &[
                "import".as_ref(),
                &os(&exports),
                "--out".as_ref(),
                &os(&out),
            ],
            &[],
        );
        let stdout = String::from_utf8_lossy(&o.stdout);
        let stderr = String::from_utf8_lossy(&o.stderr);
        let summary = stdout
            .lines()
            .find(|l| l.starts_with("canopy import:"))
            .unwrap_or("");
        let wrote = stdout
            .lines()
            .find(|l| l.starts_with("wrote "))
            .unwrap_or("");
        println!(
            "  import run {run} ({}): {wall:.2} s wall{}",
            if run == 1 {
                "into an empty folder"
            } else {
                "again: nothing changed"
            },
            rss(line)
        );
        println!("    {summary}\n    {wrote}");
        if !o.status.success() {
            println!("    exit {:?}: {}", o.status.code(), stderr);
        }
    }
    // The same facts as Resource Graph pages of 1,000 rows (with the `az ad` lists): each
    // object once, not once per subscription that inherits it.
    let graph = base.join("graph");
    let _ = std::fs::remove_dir_all(&graph);
    std::fs::create_dir_all(&graph).expect("bench folders");
    let t = Instant::now();
    export::to_graph(&exports, &graph, 1000);
    let (files, bytes) = generate::folder_size(&graph);
    println!(
        "  rewritten as Resource Graph pages: {files} files, {:.1} MB in {:.1} s",
        bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let graph_out = base.join("imported-graph");
    let _ = std::fs::remove_dir_all(&graph_out);
    let (o, wall, line) = generate::run_timed(
        canopy,
        &[
            "import".as_ref(),
            &os(&graph),
            "--out".as_ref(),
            &os(&graph_out),
        ],
        &[],
    );
    println!(
        "  import of the Resource Graph pages: {wall:.2} s wall{}, exit {:?}",
        rss(line),
        o.status.code()
    );

    let t = Instant::now();
    let o = Command::new(canopy)
        .args(["import", "--check"])
        .arg(&exports)
        .arg(&out)
        .output()
        .expect("canopy import --check runs");
    println!(
        "  import --check against the imported tree: {:.2} s, exit {:?}",
        t.elapsed().as_secs_f64(),
        o.status.code()
    );
}
