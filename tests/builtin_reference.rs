//! Proves that canopy's embedded built-in catalogue (`data/`) is exactly Azure's published data,
//! and regenerates it.
//!
//! Azure's data (`../shared/reference/`, as `az role definition list` and
//! `az provider operation list` return it) is read only here, never at run time.
//!
//! * `cargo test --test builtin_reference` checks that the data files are exactly what the
//!   generator writes, and that the tables `build.rs` makes of the embedded copy (what canopy
//!   runs on) hold every role (GUID, name, each permission block's four lists in order,
//!   condition, conditionVersion) and every operation (name as spelled, isDataAction) of the
//!   reference, in order.
//! * `CANOPY_REGENERATE_BUILTIN=1 cargo test --test builtin_reference` rewrites `data/` from the
//!   reference (and proves the new files decode back to it); run the tests again without the
//!   variable to check the newly embedded copy.
//!
//! Only facts are kept: names, GUIDs, permission lists, conditions and data-action flags, not
//! Microsoft's descriptions or display names.

use std::fs;
use std::path::PathBuf;
use std::time::Instant;

use canopy::builtin;
use canopy::builtin::format::{self, Operation, Permission, Role};
use serde::Deserialize;

const REFERENCE_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference");
const DATA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");
const ROLES_FILE: &str = "builtin-roles.txt";
const OPERATIONS_FILE: &str = "provider-operations.txt";
const REGENERATE_VAR: &str = "CANOPY_REGENERATE_BUILTIN";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceRole {
    name: String,
    role_name: String,
    permissions: Vec<ReferencePermission>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferencePermission {
    actions: Vec<String>,
    not_actions: Vec<String>,
    data_actions: Vec<String>,
    not_data_actions: Vec<String>,
    condition: Option<String>,
    condition_version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReferenceOperation {
    name: String,
    is_data_action: bool,
}

fn regenerating() -> bool {
    std::env::var(REGENERATE_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn read_reference<T: for<'de> Deserialize<'de>>(file: &str) -> T {
    let path = PathBuf::from(REFERENCE_DIR).join(file);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read Azure's reference data {} ({e}). These tests need the `shared/reference` \
             folder next to the crate (CI provides it).",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not valid: {e}", path.display()))
}

fn boxed(list: Vec<String>) -> Vec<Box<str>> {
    list.into_iter().map(String::into_boxed_str).collect()
}

/// Azure's roles in canopy's shape and documented order (by name, case-insensitively).
fn reference_roles() -> Vec<Role> {
    let mut roles: Vec<Role> = read_reference::<Vec<ReferenceRole>>("builtin-roles.json")
        .into_iter()
        .map(|role| Role {
            id: role.name.into(),
            name: role.role_name.into(),
            permissions: role
                .permissions
                .into_iter()
                .map(|p| Permission {
                    actions: boxed(p.actions),
                    not_actions: boxed(p.not_actions),
                    data_actions: boxed(p.data_actions),
                    not_data_actions: boxed(p.not_data_actions),
                    condition: p.condition.map(String::into_boxed_str),
                    condition_version: p.condition_version.map(String::into_boxed_str),
                })
                .collect(),
        })
        .collect();
    roles.sort_by_cached_key(|role| role.name.to_ascii_lowercase());
    roles
}

/// Azure's operations, in Azure's order.
fn reference_operations() -> Vec<Operation> {
    read_reference::<Vec<ReferenceOperation>>("provider-operations.json")
        .into_iter()
        .map(|op| Operation {
            name: op.name.into(),
            is_data_action: op.is_data_action,
        })
        .collect()
}

/// Fails with the first differing line rather than dumping half a megabyte.
fn assert_same_text(actual: &str, expected: &str, file: &str) {
    let actual = actual.replace("\r\n", "\n");
    if actual == expected {
        return;
    }
    let line = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e);
    let detail = match line {
        Some(i) => format!(
            "line {}: found {:?}, expected {:?}",
            i + 1,
            actual.lines().nth(i).unwrap_or_default(),
            expected.lines().nth(i).unwrap_or_default()
        ),
        None => format!(
            "{} lines found, {} expected",
            actual.lines().count(),
            expected.lines().count()
        ),
    };
    panic!(
        "data/{file} is not what the generator writes from Azure's reference data ({detail}).\n\
         Regenerate it: {REGENERATE_VAR}=1 cargo test --test builtin_reference"
    );
}

fn skip_while_regenerating(test: &str) -> bool {
    if regenerating() {
        eprintln!("{test}: skipped while regenerating (this build embeds the previous data/)");
    }
    regenerating()
}

/// Writes `data/` from the reference when regenerating; otherwise proves the files are exactly
/// what the generator would write (so regenerating from unchanged data is a no-op).
#[test]
fn data_files_are_generated_from_the_reference() {
    let roles = reference_roles();
    let operations = reference_operations();
    let roles_text = format::encode_roles(&roles);
    let operations_text = format::encode_operations(&operations);

    // Whatever we write must decode back to exactly the reference.
    assert!(format::decode_roles(&roles_text).expect("generated roles decode") == roles);
    assert!(
        format::decode_operations(&operations_text).expect("generated ops decode") == operations
    );

    for (file, text) in [
        (ROLES_FILE, &roles_text),
        (OPERATIONS_FILE, &operations_text),
    ] {
        let path = PathBuf::from(DATA_DIR).join(file);
        if regenerating() {
            fs::write(&path, text).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
            eprintln!("wrote {} ({} bytes)", path.display(), text.len());
        } else {
            let on_disk = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            assert_same_text(&on_disk, text, file);
        }
    }
}

#[test]
fn embedded_roles_are_exactly_azures() {
    if skip_while_regenerating("embedded_roles_are_exactly_azures") {
        return;
    }
    let expected = reference_roles();
    let actual = builtin::roles();
    assert_eq!(actual.len(), expected.len(), "number of roles");
    assert_eq!(actual.len(), 928);
    for (ours, azure) in actual.iter().zip(&expected) {
        // Same order, and every field: GUID, name, each block's four lists in order (duplicates
        // included), condition and conditionVersion.
        assert_eq!(ours, azure, "role {:?}", azure.name);
        let by_id = builtin::role_by_id(&azure.id).expect("found by id");
        assert!(std::ptr::eq(by_id, ours), "role_by_id({:?})", azure.id);
        let by_name = builtin::role_by_name(&azure.name.to_uppercase()).expect("found by name");
        assert!(
            std::ptr::eq(by_name, ours),
            "role_by_name({:?})",
            azure.name
        );
    }
    let multi_block = actual
        .iter()
        .filter(|role| role.permissions.len() > 1)
        .count();
    assert_eq!(multi_block, 16, "roles with more than one permission block");
}

#[test]
fn embedded_operations_are_exactly_azures() {
    if skip_while_regenerating("embedded_operations_are_exactly_azures") {
        return;
    }
    let expected = reference_operations();
    let actual = builtin::operations();
    assert_eq!(actual.len(), expected.len(), "number of operations");
    assert_eq!(actual.len(), 24_680);
    // Same order as Azure publishes them, each name exactly as spelled, with its flag.
    for (index, (ours, azure)) in actual.iter().zip(&expected).enumerate() {
        assert_eq!(ours, azure, "operation #{index}");
    }
    let distinct = actual
        .iter()
        .map(|op| op.name.to_ascii_lowercase())
        .collect::<std::collections::HashSet<_>>()
        .len();
    assert_eq!(
        distinct, 22_497,
        "case-insensitively distinct names (all spellings are kept)"
    );
}

/// The build script printed exactly what the decoder reads from `data/` (every string escaped
/// right), whatever the reference: this holds while regenerating too.
#[test]
fn generated_tables_are_the_data_files() {
    let mut roles = format::decode_roles(format::ROLES_TEXT).expect("embedded roles decode");
    roles.sort_by(|a, b| format::cmp_ignore_ascii_case(&a.name, &b.name));
    let ours = builtin::roles();
    assert_eq!(ours.len(), roles.len());
    assert!(ours.iter().zip(&roles).all(|(a, b)| a == b));
    let operations =
        format::decode_operations(format::OPERATIONS_TEXT).expect("embedded ops decode");
    let ours = builtin::operations();
    assert_eq!(ours.len(), operations.len());
    assert!(ours.iter().zip(&operations).all(|(a, b)| a == b));
}

/// Not an assertion: prints the data sizes and decode times (`-- --nocapture` to see them),
/// which is what `build.rs` spares every run.
#[test]
fn report_sizes_and_decode_times() {
    let start = Instant::now();
    let roles = format::decode_roles(format::ROLES_TEXT).expect("embedded roles decode");
    let roles_time = start.elapsed();
    let start = Instant::now();
    let operations =
        format::decode_operations(format::OPERATIONS_TEXT).expect("embedded ops decode");
    let operations_time = start.elapsed();
    eprintln!(
        "data/{ROLES_FILE}: {} bytes, {} roles, decoded in {roles_time:?}",
        format::ROLES_TEXT.len(),
        roles.len()
    );
    eprintln!(
        "data/{OPERATIONS_FILE}: {} bytes, {} operations, decoded in {operations_time:?}",
        format::OPERATIONS_TEXT.len(),
        operations.len()
    );
}
