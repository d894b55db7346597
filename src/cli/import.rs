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
    /// The tree's folder. Files canopy import wrote before are rewritten; files a person
    /// wrote are never touched.
    #[arg(long)]
    pub out: PathBuf,
    /// Write into a folder that holds files canopy import did not write (they stay as they are).
    #[arg(long)]
    pub force: bool,
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
    let mut inv = match import::read_exports(&args.exports) {
        Ok(inv) => inv,
        Err(e) => {
            let _ = writeln!(err, "canopy: {e}");
            return EXIT_CANNOT_RUN;
        }
    };
    import::check_tenant(&mut inv);
    let (tree, mut notes) = import::write::tree(&inv);
    notes.extend(inv.notes.iter().cloned());
    notes.sort();
    notes.dedup();
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
    match import::write::write(&args.out, &tree, args.force) {
        Ok(w) => {
            let _ = writeln!(
                out,
                "wrote {} into `{}` ({} unchanged, {} removed)",
                plural(w.written, "file"),
                args.out.display(),
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
