//! `--format junit`: JUnit XML for Azure Pipelines' test results (`PublishTestResults@2`) and
//! every CI that reads it. One test suite per file, one test case per check per file (named by
//! the check's code), so the results page shows which checks each file passes. A case fails on
//! findings that fail the run (errors; warnings too with `--deny-warnings`); other warnings
//! are written to the case's output, so they show without turning the run red.
//! Written with quick-junit (cargo-nextest's JUnit writer).

use super::{Report, position};
use crate::check::RULES;
use crate::diag::Finding;
use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};

fn describe(r: &Report, findings: &[&Finding]) -> String {
    let mut text = String::new();
    for f in findings {
        let p = position(r.files, f.primary.span);
        text.push_str(&format!(
            "{}:{}:{}: {} [{}]: {}\n",
            p.file, p.line, p.column, f.severity, f.code, f.message
        ));
        if let Some(h) = &f.help {
            text.push_str(&format!("  help: {h}\n"));
        }
    }
    text
}

pub fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let mut report = quick_junit::Report::new("canopy check");
    // Findings are sorted by file, so each file's findings are one run.
    let mut by_file: Vec<Vec<&Finding>> = vec![Vec::new(); r.files.len()];
    let ids: Vec<_> = r.files.iter().map(|(id, _)| id).collect();
    for f in r.findings {
        if let Ok(i) = ids.binary_search(&f.primary.span.file) {
            by_file[i].push(f);
        }
    }
    for ((_, file), findings) in r.files.iter().zip(&by_file) {
        let name = super::display_path(&file.path);
        let mut suite = TestSuite::new(name.clone());
        for rule in RULES.iter() {
            let mine: Vec<&Finding> = findings
                .iter()
                .copied()
                .filter(|f| f.code == rule.code)
                .collect();
            let failing: Vec<&Finding> = mine
                .iter()
                .copied()
                .filter(|f| r.fails(f.severity))
                .collect();
            let status = if failing.is_empty() {
                TestCaseStatus::success()
            } else {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_type(rule.code.as_str());
                s.set_message(failing[0].message.clone());
                s.set_description(describe(r, &failing));
                s
            };
            let mut case = TestCase::new(rule.code.as_str(), status);
            case.set_classname(name.clone());
            let passing: Vec<&Finding> = mine
                .iter()
                .copied()
                .filter(|f| !r.fails(f.severity))
                .collect();
            if !passing.is_empty() {
                case.set_system_out(describe(r, &passing));
            }
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(io::Error::other)?;
    w.write_all(xml.as_bytes())?;
    if !xml.ends_with('\n') {
        writeln!(w)?;
    }
    Ok(())
}
