//! canopy's built-in policy definitions (`data/builtin-policies.yaml`) equal Azure's published
//! ones in `../shared/reference/policy-definitions/`: GUID, display name, mode, every
//! parameter's type, default, allowed values and strong type, and the rule, exactly.

use canopy::builtin::policies::policies;
use serde_json::Value as Json;
use std::path::PathBuf;

fn reference(file: &str) -> Json {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/reference/policy-definitions")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read Azure's reference definition {} ({e}); CI provides ../shared/reference",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("reference JSON parses")
}

const SHIPPED: &[&str] = &[
    "AllowedLocations_Deny.json",
    "ResourceGroupAllowedLocations_Deny.json",
    "AllowedResourceTypes_Deny.json",
    "InvalidResourceTypes_Deny.json",
];

#[test]
fn each_builtin_equals_azures_published_definition() {
    assert_eq!(policies().len(), SHIPPED.len());
    for file in SHIPPED {
        let r = reference(file);
        let guid = r["name"].as_str().unwrap();
        let props = &r["properties"];
        let ours = policies()
            .iter()
            .find(|p| p.name.value == guid)
            .unwrap_or_else(|| panic!("{file}: canopy does not ship {guid}"));
        assert_eq!(
            ours.id.as_ref().map(|i| i.value.as_str()),
            Some(guid),
            "{file}: id"
        );
        assert_eq!(
            ours.display_name.as_ref().map(|d| d.value.as_str()),
            props["displayName"].as_str(),
            "{file}: displayName"
        );
        assert_eq!(
            ours.mode.as_ref().map(|m| m.value.as_str()),
            props["mode"].as_str(),
            "{file}: mode"
        );
        assert_eq!(
            ours.policy_rule.to_json(),
            props["policyRule"],
            "{file}: policyRule"
        );
        // Parameters: the facts (type, defaultValue, allowedValues, strongType), not the texts.
        let theirs = props["parameters"].as_object().unwrap();
        let ours_params = ours.parameters.as_ref().expect("parameters").to_json();
        let ours_params = ours_params.as_object().unwrap();
        assert_eq!(
            ours_params.keys().collect::<Vec<_>>(),
            theirs.keys().collect::<Vec<_>>(),
            "{file}: parameter names"
        );
        for (name, decl) in theirs {
            let ours = &ours_params[name];
            for key in ["type", "defaultValue", "allowedValues"] {
                assert_eq!(ours.get(key), decl.get(key), "{file}: {name}.{key}");
            }
            assert_eq!(
                ours.pointer("/metadata/strongType"),
                decl.pointer("/metadata/strongType"),
                "{file}: {name}.metadata.strongType"
            );
        }
    }
}
