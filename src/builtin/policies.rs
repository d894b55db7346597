//! Azure Policy built-in definitions canopy ships: "Allowed locations", "Allowed locations
//! for resource groups", "Allowed resource types" and "Not allowed resource types", with their
//! real GUIDs, modes, parameters and rules. Kept in canopy's own tree format in
//! `data/builtin-policies.yaml` (facts only, no Microsoft descriptions), embedded and parsed on
//! first use; `tests/builtin_policies.rs` proves them equal to Azure's published definitions.

use crate::load::kinds::{Doc, PolicyDefinitionDoc};
use crate::source::FileId;
use std::sync::LazyLock;

/// The embedded definitions, as YAML documents.
pub const TEXT: &str = include_str!("../../data/builtin-policies.yaml");

/// The file id built-in definitions' spans use: not a file of the tree. A caller that reports
/// on a built-in definition registers [`TEXT`] under this id first.
pub const FILE: FileId = FileId(u32::MAX);

static POLICIES: LazyLock<Vec<PolicyDefinitionDoc>> = LazyLock::new(|| {
    let (docs, findings) = crate::load::parse_text(FILE, TEXT);
    assert!(
        findings.is_empty(),
        "canopy's embedded built-in policy definitions do not load: {findings:?}"
    );
    docs.into_iter()
        .filter_map(|d| match d {
            Doc::PolicyDefinition(p) => Some(*p),
            _ => None,
        })
        .collect()
});

/// Every built-in policy definition canopy ships.
pub fn policies() -> &'static [PolicyDefinitionDoc] {
    &POLICIES
}

/// A built-in definition by name or GUID (they are the same for built-ins) or display name,
/// case-insensitively, as assignments may name them.
pub fn policy(reference: &str) -> Option<&'static PolicyDefinitionDoc> {
    policies().iter().find(|p| {
        p.name.value.eq_ignore_ascii_case(reference)
            || p.display_name
                .as_ref()
                .is_some_and(|d| d.value.eq_ignore_ascii_case(reference))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_builtins_load_and_resolve_by_guid_and_display_name() {
        assert_eq!(policies().len(), 4);
        let by_guid = policy("E56962A6-4747-49CD-B67B-BF8B01975C4C").unwrap();
        let by_name = policy("allowed locations").unwrap();
        assert_eq!(by_guid.name, by_name.name);
        assert!(policy("Allowed locations for resource groups").is_some());
        assert!(policy("Allowed resource types").is_some());
        assert!(policy("Not allowed resource types").is_some());
    }

    #[test]
    fn every_builtin_parses_with_canopys_policy_evaluator() {
        for p in policies() {
            let parsed = crate::policy::parse_definition(
                p.mode.as_ref(),
                p.parameters.as_ref(),
                &p.policy_rule,
            );
            assert!(parsed.is_ok(), "{}: {:?}", p.name.value, parsed.err());
        }
    }
}
