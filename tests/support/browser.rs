//! Debian's Chromium, headless and offline, for the HTML report's browser test and its
//! benchmark. The flags are those this machine's notes give for a closed network: without
//! the background-networking ones Chromium keeps trying to reach Google's hosts.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The installed Chromium, if any.
pub fn find() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .map(|c| Path::new("/usr/bin").join(c))
        .find(|p| p.exists())
}

/// Runs Chromium headless with a fresh profile in `profile`, then `args`.
pub fn headless(browser: &Path, profile: &Path, args: &[&str]) -> Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}
