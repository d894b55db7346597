//! `canopy import EXPORTS --out DIR`: write a canopy tree from Azure CLI exports.

use super::{EXIT_CANNOT_RUN, EXIT_OK};
use crate::import::{self, inventory::Inventory};
use crate::report::plural;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// A folder of JSON files, each the unmodified output of one Azure CLI command (or one
    /// such file).
    pub exports: PathBuf,
    /// With --check: the tree to compare the exports with.
    pub tree: Option<PathBuf>,
    /// The tree's folder to write. Files canopy import wrote before are rewritten; files a
    /// person wrote are never touched.
    #[arg(long, required_unless_present = "check", conflicts_with = "check")]
    pub out: Option<PathBuf>,
    /// Write into a folder that holds files canopy import did not write (they stay as they are).
    #[arg(long)]
    pub force: bool,
    /// Write nothing: compare the exports with TREE and print the drift (exit 1 when they
    /// differ).
    #[arg(long, requires = "tree")]
    pub check: bool,
    /// The drift's format (with --check).
    #[arg(long, value_enum, default_value_t = DriftFormat::Human)]
    pub format: DriftFormat,
    /// Judge expiry as of this RFC 3339 time instead of now (with --check).
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<jiff::Timestamp>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriftFormat {
    Human,
    Json,
    Markdown,
}

fn counts(inv: &Inventory) -> Vec<String> {
    let users = inv
        .principals
        .values()
        .filter(|p| p.kind == import::inventory::PrincipalKind::User)
        .count();
    let groups = inv
        .principals
        .values()
        .filter(|p| p.kind == import::inventory::PrincipalKind::Group)
        .count();
    let sps = inv.principals.len() - users - groups;
    vec![
        plural(inv.management_groups.len(), "management group"),
        plural(inv.subscriptions.len(), "subscription"),
        plural(inv.resource_groups.len(), "resource group"),
        plural(inv.resources.len(), "resource"),
        plural(users, "user"),
        plural(groups, "group"),
        plural(sps, "service principal"),
        plural(inv.custom_roles.len(), "custom role"),
        plural(inv.role_assignments.len(), "role assignment"),
        plural(inv.policy_definitions.len(), "policy definition"),
        plural(inv.policy_assignments.len(), "policy assignment"),
        plural(inv.policy_exemptions.len(), "policy exemption"),
    ]
}

pub fn run(args: &ImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if args.check {
        return check(args, out, err);
    }
    let Some(dir) = &args.out else {
        let _ = writeln!(
            err,
            "canopy: say where to write the tree with --out DIR (or compare with --check)"
        );
        return EXIT_CANNOT_RUN;
    };
    let (inv, tree, notes) = match plan(args, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    for (file, shape) in &inv.files {
        let _ = writeln!(out, "read {file}: {shape}");
    }
    for n in &notes {
        let _ = writeln!(out, "{}: {}: {}", n.kind.as_str(), n.origin, n.message);
    }
    let _ = writeln!(
        out,
        "canopy import: {} from {}",
        counts(&inv).join(", "),
        plural(inv.files.len(), "export file")
    );
    if import::has_errors(&inv) {
        let _ = writeln!(
            err,
            "canopy: the exports have errors (above); nothing was written, so no partial tree is left"
        );
        return EXIT_CANNOT_RUN;
    }
    match import::write::write(dir, &tree, args.force) {
        Ok(w) => {
            let _ = writeln!(
                out,
                "wrote {} into `{}` ({} unchanged, {} removed)",
                plural(w.written, "file"),
                dir.display(),
                w.unchanged,
                w.removed
            );
            EXIT_OK
        }
        Err(e) => {
            let _ = writeln!(err, "canopy: {e}");
            EXIT_CANNOT_RUN
        }
    }
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct DriftJson<'a> {
    version: u32,
    exports: String,
    tree: String,
    differs: bool,
    /// In `drift`, "added" means in Azure (the exports) only, "removed" in the tree only.
    drift: &'a crate::diff::TenantDiff,
    notes: Vec<NoteJson>,
}

#[derive(serde::Serialize)]
struct NoteJson {
    kind: &'static str,
    file: String,
    path: String,
    message: String,
}

/// Reads the exports and lays out the tree they make, with every note (the inventory's and
/// the layout's), sorted.
fn plan(
    args: &ImportArgs,
    err: &mut dyn Write,
) -> Result<(Inventory, import::write::Tree, Vec<import::inventory::Note>), u8> {
    let mut inv = match import::read_exports(&args.exports) {
        Ok(inv) => inv,
        Err(e) => {
            let _ = writeln!(err, "canopy: {e}");
            return Err(EXIT_CANNOT_RUN);
        }
    };
    import::check_tenant(&mut inv);
    let (tree, mut notes) = import::write::tree(&inv);
    notes.extend(inv.notes.iter().cloned());
    notes.sort();
    notes.dedup();
    Ok((inv, tree, notes))
}

/// `--check`: the drift between the exports and the tree.
fn check(args: &ImportArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let tree_dir = args.tree.as_ref().expect("clap requires TREE with --check");
    let (inv, tree, notes) = match plan(args, err) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if import::has_errors(&inv) {
        for n in notes
            .iter()
            .filter(|n| n.kind == import::inventory::NoteKind::Error)
        {
            let _ = writeln!(err, "canopy: {}: {}", n.origin, n.message);
        }
        let _ = writeln!(err, "canopy: the exports have errors; nothing was compared");
        return EXIT_CANNOT_RUN;
    }
    let options = crate::Options { now: args.at };
    let base = match crate::load_with(tree_dir, &options) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(err, "canopy: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    let head = match import::drift::azure_side(tree_dir, &tree, &options) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(err, "canopy: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    let d = crate::diff::compare(
        &base,
        &head,
        crate::diff::DiffOptions {
            now: options.now.unwrap_or_else(jiff::Timestamp::now),
            findings: false,
            exhaustive: true,
        },
    );
    let differs = d.summary.differs();
    let exports = crate::report::display_path(&args.exports);
    let tree_name = crate::report::display_path(tree_dir);
    let written = match args.format {
        DriftFormat::Json => {
            let doc = DriftJson {
                version: 1,
                exports,
                tree: tree_name,
                differs,
                drift: &d,
                notes: notes
                    .iter()
                    .map(|n| NoteJson {
                        kind: n.kind.as_str(),
                        file: n.origin.file.clone(),
                        path: n.origin.path.clone(),
                        message: n.message.clone(),
                    })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut *out, &doc)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
        }
        DriftFormat::Markdown => {
            let heading = format!(
                "exports `{exports}` (Azure) against tree `{tree_name}`: **+** is in Azure and not in the tree, **−** in the tree and not in Azure"
            );
            let verdict = if differs {
                "❌ Azure and the tree differ."
            } else {
                "✅ Azure and the tree agree."
            };
            let mut s = String::new();
            crate::report::diff::write_markdown_titled(
                &d,
                "canopy: drift between Azure and the tree",
                &heading,
                verdict,
                &mut s,
            );
            out.write_all(s.as_bytes())
        }
        DriftFormat::Human => {
            let mut s = format!(
                "canopy import --check: exports `{exports}` (Azure) against tree `{tree_name}`\n+ is in Azure and not in the tree, - is in the tree and not in Azure\n"
            );
            for n in &notes {
                s.push_str(&format!(
                    "{}: {}: {}\n",
                    n.kind.as_str(),
                    n.origin,
                    n.message
                ));
            }
            crate::report::diff::write_human(&d, &mut s, "", true);
            s.push('\n');
            s.push_str(&format!(
                "canopy import --check: {}\n",
                if differs {
                    crate::report::diff::summary_line(&d)
                } else {
                    "Azure and the tree agree".to_string()
                }
            ));
            out.write_all(s.as_bytes())
        }
    };
    if written.is_err() {
        return EXIT_CANNOT_RUN;
    }
    if differs {
        super::EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
