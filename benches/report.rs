//! `cargo bench --bench report`: `canopy report --html` on a generated tenant at Azure's
//! limits (10,000 management groups, 10,000 subscriptions, 200,000 role assignments, 100,000
//! users), timed as a whole process with its peak memory, the file's size, and, when Debian's
//! Chromium is installed, how long the page takes to be ready in it (the page records that in
//! `data-ready-ms`). Prints only; asserts nothing about time.
//!
//! `CANOPY_REPORT_SCALE` (default 1) multiplies the counts. The tree is kept in
//! `target/bench-report/`.

#[path = "../tests/support/browser.rs"]
mod browser;
#[allow(dead_code)]
mod generate;

use std::time::Instant;

fn main() {
    let scale = generate::env_scale("CANOPY_REPORT_SCALE");
    let params = generate::Params::limits(scale);
    let base = generate::bench_dir("bench-report");
    let tree = base.join("tree");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&tree).expect("bench folder");
    println!("canopy report benchmark: {params:?}");
    let t = Instant::now();
    let summary = generate::generate(&tree, &params).expect("tree generated");
    println!(
        "  generated the tree: {} files, {} documents, {:.1} MB in {:.1} s",
        summary.files,
        summary.documents,
        summary.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    let canopy = env!("CARGO_BIN_EXE_canopy");
    let page = base.join("report.html");
    for run in 1..=2 {
        let (o, wall, line) = generate::run_timed(
            canopy,
            &[
                "report".as_ref(),
                "--html".as_ref(),
                page.as_os_str(),
                tree.as_os_str(),
            ],
            &[],
        );
        println!(
            "  canopy report --html, run {run}: {wall:.2} s wall{}\n    {}",
            line.map(|l| format!(", {l} (elapsed, peak RSS)"))
                .unwrap_or_default(),
            String::from_utf8_lossy(&o.stdout).trim()
        );
    }
    let size = std::fs::metadata(&page).map_or(0, |m| m.len());
    println!("  the page: {:.1} MB", size as f64 / 1e6);
    let Some(browser) = browser::find() else {
        println!("  no Chromium under /usr/bin: the page's load time is not measured");
        return;
    };
    let t = Instant::now();
    let url = format!("file://{}", page.display());
    let o = browser::headless(&browser, &base.join("profile"), &["--dump-dom", &url]);
    let dom = String::from_utf8_lossy(&o.stdout);
    let attr = |name: &str| {
        let key = format!("{name}=\"");
        dom.find(&key).map(|i| {
            let rest = &dom[i + key.len()..];
            rest[..rest.find('"').unwrap_or(0)].to_string()
        })
    };
    println!(
        "  headless Chromium: ready after {} ms ({}, errors {}); load and DOM dump {:.1} s",
        attr("data-ready-ms").unwrap_or_else(|| "?".into()),
        attr("data-canopy").unwrap_or_else(|| "never ready".into()),
        attr("data-errors").unwrap_or_default(),
        t.elapsed().as_secs_f64()
    );
}
