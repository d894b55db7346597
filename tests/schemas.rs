//! The JSON Schema in `schemas/` is generated from canopy's format table and must say what canopy
//! says: the committed file equals the generator's output, it is a valid draft 2020-12 schema,
//! it accepts every example and valid document of every kind (with every field), and it rejects
//! the documents canopy rejects for their shape.
//!
//! Regenerate the committed file with `CANOPY_REGENERATE_SCHEMAS=1 cargo test --test schemas`.

use canopy::load::json_schema;
use canopy::load::schema::{Field, KINDS, Ty};
use serde_json::Value;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const REGENERATE: &str = "CANOPY_REGENERATE_SCHEMAS=1 cargo test --test schemas";

fn crate_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The schema, compiled as editors use it: draft 2020-12, with `format` checked (the YAML
/// language server checks `date-time`).
fn validator() -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&json_schema::json_schema())
        .expect("the generated schema compiles")
}

/// Every document of a YAML text as JSON, read as canopy reads YAML (1.2: `yes` is a string).
/// Empty documents are skipped, as canopy skips them.
fn yaml_documents(text: &str) -> Result<Vec<Value>, serde_saphyr::Error> {
    serde_saphyr::from_multiple_with_options::<Value>(
        text,
        serde_saphyr::options! { strict_booleans: true },
    )
}

/// Every validation error of one document, one per line.
fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| {
            format!(
                "{e} (at `{}`, schema `{}`)",
                e.instance_path(),
                e.schema_path()
            )
        })
        .collect()
}

fn temp_root() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("schemas-{}", std::process::id()))
}

/// A fresh, empty directory under the target's temporary directory, apart from those of other
/// test processes sharing the target directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = temp_root().join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `schema` findings canopy reports for a tree of these files, as `file: message` lines.
fn canopy_schema_findings(dir_name: &str, files: &[(&str, &str)]) -> Vec<String> {
    let dir = temp_dir(dir_name);
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let analysis = canopy::load_with(&dir, &canopy::Options::default())
        .unwrap_or_else(|e| panic!("canopy cannot load {}: {e}", dir.display()));
    let _ = std::fs::remove_dir_all(&dir);
    analysis
        .findings
        .iter()
        .filter(|f| f.code.as_str() == "schema")
        .map(|f| {
            let file = analysis.files.get(f.primary.span.file);
            format!("{}: {}", file.name, f.message)
        })
        .collect()
}

#[test]
fn schema_file_is_generated_from_the_code() {
    let path = crate_root().join(json_schema::SCHEMA_PATH);
    let generated = json_schema::to_pretty_string();
    if std::env::var_os("CANOPY_REGENERATE_SCHEMAS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = match std::fs::read_to_string(&path) {
        Ok(text) => text.replace("\r\n", "\n"),
        Err(e) => panic!(
            "cannot read {}: {e}\ngenerate it with `{REGENERATE}`",
            path.display()
        ),
    };
    if committed != generated {
        let (line, (want, have)) = generated
            .lines()
            .chain(std::iter::repeat("<end of file>"))
            .zip(committed.lines().chain(std::iter::repeat("<end of file>")))
            .enumerate()
            .find(|(_, (g, c))| g != c)
            .unwrap_or((0, ("", "")));
        panic!(
            "{} is not what src/load/schema.rs generates; regenerate it with `{REGENERATE}` \
             and commit it.\nfirst difference, line {}:\n  generated: {want}\n  committed: {have}",
            json_schema::SCHEMA_PATH,
            line + 1,
        );
    }
}

#[test]
fn schema_is_valid_json_schema() {
    let schema = json_schema::json_schema();
    assert_eq!(
        schema["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "the schema declares draft 2020-12"
    );
    if let Err(e) = jsonschema::meta::validate(&schema) {
        panic!(
            "the generated schema does not fit its meta-schema: {e} (at `{}`)",
            e.instance_path()
        );
    }
    jsonschema::draft202012::new(&schema).expect("the generated schema compiles");
    validator();
    // The committed text is the same schema.
    let reparsed: Value = serde_json::from_str(&json_schema::to_pretty_string()).unwrap();
    assert_eq!(reparsed, schema);
}

#[test]
fn schema_accepts_every_example_document() {
    let validator = validator();
    let mut failures = String::new();
    let mut checked = 0;
    let mut check = |origin: &str, text: &str| {
        let docs = match yaml_documents(text) {
            Ok(docs) => docs,
            Err(e) => {
                // Being written, or not YAML at all: canopy reports that, the schema cannot.
                eprintln!("skipping {origin}: not YAML: {e}");
                return;
            }
        };
        for (i, doc) in docs.iter().enumerate() {
            checked += 1;
            let errors = schema_errors(&validator, doc);
            if !errors.is_empty() {
                let _ = writeln!(failures, "{origin}, document {}:", i + 1);
                for e in errors {
                    let _ = writeln!(failures, "    {e}");
                }
            }
        }
    };
    for (name, text) in VALID {
        check(&format!("tests/schemas.rs VALID {name}"), text);
    }
    let examples = crate_root().join("examples");
    let walker = walkdir::WalkDir::new(&examples)
        .sort_by_file_name()
        .into_iter()
        // `examples/broken` is broken on purpose; `examples/ci` holds CI templates, not trees.
        .filter_entry(|e| e.depth() != 1 || (e.file_name() != "broken" && e.file_name() != "ci"));
    for entry in walker.filter_map(Result::ok) {
        let path = entry.path();
        let yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
        if !entry.file_type().is_file() || !yaml {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipping {}: not UTF-8 text", path.display());
            continue;
        };
        let origin = path.strip_prefix(crate_root()).unwrap_or(path).display();
        check(&origin.to_string(), &text);
    }
    assert!(checked > 0);
    assert!(
        failures.is_empty(),
        "the schema rejects documents that canopy accepts:\n{failures}"
    );
}

#[test]
fn schema_rejects_what_canopy_rejects() {
    let validator = validator();

    // Rejected by both.
    let mut problems = String::new();
    for (i, (what, text)) in INVALID.iter().enumerate() {
        let docs = yaml_documents(text).unwrap_or_else(|e| panic!("{what}: not YAML: {e}"));
        assert_eq!(docs.len(), 1, "{what}: one document per case");
        if validator.is_valid(&docs[0]) {
            let _ = writeln!(problems, "the schema accepts {what}:\n{text}");
        }
        let findings = canopy_schema_findings(&format!("invalid-{i}"), &[("doc.yaml", text)]);
        if findings.is_empty() {
            let _ = writeln!(
                problems,
                "canopy has no `schema` finding for {what}:\n{text}"
            );
        }
    }

    // Accepted by both, every kind with every field.
    for (name, text) in VALID {
        for (i, doc) in yaml_documents(text).unwrap().iter().enumerate() {
            let errors = schema_errors(&validator, doc);
            if !errors.is_empty() {
                let _ = writeln!(
                    problems,
                    "the schema rejects {name}, document {}:\n    {}",
                    i + 1,
                    errors.join("\n    ")
                );
            }
        }
    }
    let findings = canopy_schema_findings("valid", VALID);
    let _ = std::fs::remove_dir(temp_root());
    if !findings.is_empty() {
        let _ = writeln!(
            problems,
            "canopy has `schema` findings for the valid documents:\n    {}",
            findings.join("\n    ")
        );
    }
    assert!(problems.is_empty(), "{problems}");

    // The valid documents use every field of every kind, nested ones included, so that a
    // field added to the table without a valid example here fails this test.
    let mut used = BTreeSet::new();
    for (_, text) in VALID {
        for doc in yaml_documents(text).unwrap() {
            let kind = doc["kind"].as_str().unwrap();
            let spec = KINDS.iter().find(|k| k.kind == kind).unwrap();
            fields_used(&doc, spec.fields, kind, &mut used);
        }
    }
    let mut all = BTreeSet::new();
    for spec in KINDS {
        table_fields(spec.fields, spec.kind, &mut all);
    }
    let missing: Vec<_> = all.difference(&used).collect();
    assert!(
        missing.is_empty(),
        "add valid documents using these fields to VALID in tests/schemas.rs: {missing:?}"
    );
}

/// Every field of a table, as `Kind.field` and `Kind.list[].field` paths.
fn table_fields(fields: &[Field], prefix: &str, out: &mut BTreeSet<String>) {
    for f in fields {
        let path = format!("{prefix}.{}", f.name);
        if let Ty::Objects(nested) = f.ty {
            table_fields(nested, &format!("{path}[]"), out);
        }
        out.insert(path);
    }
}

/// The fields of a table that a document uses, as [`table_fields`] names them.
fn fields_used(value: &Value, fields: &[Field], prefix: &str, out: &mut BTreeSet<String>) {
    let Some(map) = value.as_object() else { return };
    for f in fields {
        let Some(v) = map.get(f.name) else { continue };
        let path = format!("{prefix}.{}", f.name);
        if let (Ty::Objects(nested), Some(items)) = (f.ty, v.as_array()) {
            for item in items {
                fields_used(item, nested, &format!("{path}[]"), out);
            }
        }
        out.insert(path);
    }
}

/// Documents canopy reports a `schema` finding for, one per case.
const INVALID: &[(&str, &str)] = &[
    ("an unknown kind", "kind: ManagmentGroup\nname: sandbox\n"),
    (
        "a kind in the wrong case",
        "kind: managementGroup\nname: sandbox\n",
    ),
    (
        "a document without a kind",
        "name: sandbox\nparent: contoso\n",
    ),
    (
        "a document that is a list",
        "- kind: ManagementGroup\n  name: online\n",
    ),
    (
        "an unknown field",
        "kind: ManagementGroup\nname: platform\nparnet: contoso\n",
    ),
    (
        "a field in the wrong case",
        "kind: ManagementGroup\nname: platform\ndisplayname: Platform\n",
    ),
    (
        "a missing required name",
        "kind: ManagementGroup\ndisplayName: Platform\nparent: contoso\n",
    ),
    (
        "a missing required scope",
        "kind: RoleAssignment\nprincipal: jill@contoso.com\nrole: Reader\n",
    ),
    (
        "a null string",
        "kind: ManagementGroup\nname: platform\ndisplayName:\n",
    ),
    (
        "a mapping for a string",
        "kind: ManagementGroup\nname: {id: platform}\n",
    ),
    (
        "`enabled: yes` (a string in YAML 1.2)",
        "kind: User\nname: jill@contoso.com\nenabled: yes\n",
    ),
    (
        "a quoted boolean",
        "kind: Group\nname: g\nsecurityEnabled: \"true\"\n",
    ),
    (
        "a malformed GUID",
        "kind: User\nname: jill@contoso.com\nobjectId: 4f2c9b1e-77aa-4c10-9d3e\n",
    ),
    (
        "a GUID with braces",
        "kind: Subscription\nname: s\nid: \"{f08e60be-73d7-4dc3-b013-a1c745791741}\"\n",
    ),
    (
        "a word outside the enum",
        "kind: User\nname: jill@contoso.com\nuserType: Visitor\n",
    ),
    (
        "an enum word with extra text",
        "kind: PolicyAssignment\nname: a\nscope: /\npolicy: p\nenforcementMode: Default \
         mode\n",
    ),
    (
        "a missing required enum",
        "kind: PolicyExemption\nname: e\npolicyAssignment: a\nscope: /\n",
    ),
    (
        "a date without a time",
        "kind: PolicyExemption\nname: e\npolicyAssignment: a\nscope: /\ncategory: Waiver\n\
         expiresOn: 2026-12-31\n",
    ),
    (
        "a time without an offset",
        "kind: PolicyExemption\nname: e\npolicyAssignment: a\nscope: /\ncategory: Waiver\n\
         expiresOn: 2026-12-31T00:00:00\n",
    ),
    (
        "a timestamp finer than nanoseconds",
        "kind: PolicyExemption\nname: e\npolicyAssignment: a\nscope: /\ncategory: Waiver\n\
         expiresOn: 2026-12-31T00:00:00.1234567891Z\n",
    ),
    (
        "a timestamp on a day that does not exist",
        "kind: PolicyExemption\nname: e\npolicyAssignment: a\nscope: /\ncategory: Waiver\n\
         expiresOn: 2026-02-30T00:00:00Z\n",
    ),
    (
        "a string for a list",
        "kind: RoleDefinition\nname: r\nactions: \"*\"\nassignableScopes: [/]\n",
    ),
    (
        "an empty selector",
        "kind: AccessRule\nname: r\nexpect: deny\nprincipals: [{}]\nroles: [Owner]\nscopes: [/]\n",
    ),
    (
        "a selector with an unknown field",
        "kind: AccessRule\nname: r\nexpect: deny\nprincipals: [{group: x}]\nroles: [Owner]\nscopes: [/]\n",
    ),
    (
        "an unknown expectation",
        "kind: AccessRule\nname: r\nexpect: forbid\nprincipals: [x]\nroles: [Owner]\nscopes: [/]\n",
    ),
    (
        "a mapping in a list of strings",
        "kind: Group\nname: g\nmembers:\n  - name: jill\n",
    ),
    (
        "a missing required list",
        "kind: RoleDefinition\nname: r\nactions: [\"*/read\"]\n",
    ),
    (
        "a list for tags",
        "kind: Subscription\nname: s\nresourceGroups:\n  - name: rg\n    tags: [prod]\n",
    ),
    (
        "a list as a tag value",
        "kind: Subscription\nname: s\nresourceGroups:\n  - name: rg\n    tags:\n      \
         env: [prod]\n",
    ),
    (
        "a mapping for a list of resource groups",
        "kind: Subscription\nname: s\nresourceGroups:\n  name: rg\n",
    ),
    (
        "a resource group that is not a mapping",
        "kind: Subscription\nname: s\nresourceGroups:\n  - rg\n",
    ),
    (
        "an unknown field in a resource group",
        "kind: Subscription\nname: s\nresourceGroups:\n  - name: rg\n    locaton: westus\n",
    ),
    (
        "a resource missing its type",
        "kind: Subscription\nname: s\nresourceGroups:\n  - name: rg\n    resources:\n      \
         - name: vm1\n",
    ),
    (
        "an unknown field in a resource",
        "kind: Subscription\nname: s\nresourceGroups:\n  - name: rg\n    resources:\n      \
         - name: vm1\n        type: Microsoft.Compute/virtualMachines\n        sku: B2s\n",
    ),
    (
        "a field of another kind",
        "kind: ServicePrincipal\nname: sp\nuserType: Member\n",
    ),
];

/// Documents canopy accepts without a `schema` finding: every kind, every field, and the
/// spellings canopy accepts that a schema could easily get wrong (numbers and booleans read
/// as text, enum words in any case, nulls in tags, `{value: ...}` parameters).
const VALID: &[(&str, &str)] = &[
    (
        "hierarchy.yaml",
        "\
kind: ManagementGroup
name: 72f988bf-86f1-41af-91ab-2d7cd011db47
displayName: Tenant Root Group
---
kind: ManagementGroup
name: contoso
displayName: Contoso
parent: 72f988bf-86f1-41af-91ab-2d7cd011db47
---
# Numbers and booleans are text as written.
kind: ManagementGroup
name: 007
displayName: true
parent: contoso
",
    ),
    (
        "subscriptions.yaml",
        "\
kind: Subscription
name: contoso-prod
id: F08E60BE-73D7-4DC3-B013-A1C745791741
parent: contoso
resourceGroups:
  - name: Prod
    location: westus
    tags:
      env: prod
      costCenter: 4711
      critical: true
      reviewed:
    resources:
      - name: vm-web-01
        type: Microsoft.Compute/virtualMachines
        location: westus
        tags: {role: web}
      - name: vnet-prod/default
        type: Microsoft.Network/virtualNetworks/subnets
  - name: Test
    resources: []
---
kind: Subscription
name: contoso-sandbox
coAdministrators: [jill@contoso.com]
",
    ),
    (
        "principals.yaml",
        "\
kind: User
name: jill@contoso.com
objectId: a3df7586-3892-4c70-8bd8-6aaa2ec98527
displayName: Jill Santos
userType: Member
enabled: true
---
kind: User
name: partner_fabrikam.com#EXT#@contoso.onmicrosoft.com
userType: guest
enabled: false
---
kind: Group
name: jill-team
objectId: 9aaac58f-94a4-4e62-802b-e6221fe55c15
displayName: Jill's team
securityEnabled: true
mailEnabled: false
members:
  - jill@contoso.com
  - a3df7586-3892-4c70-8bd8-6aaa2ec98527
---
kind: Group
name: all-staff
securityEnabled: false
mailEnabled: true
members: []
---
kind: ServicePrincipal
name: sp-deploy
objectId: db40877f-9a68-4196-b623-1fb4437cc9f7
displayName: Deployment pipeline
enabled: true
",
    ),
    (
        "roles.yaml",
        "\
kind: RoleDefinition
name: Contoso Virtual Machine Operator
id: 5f0ac3c1-9b2e-4d6f-8f3a-2c7d1e4b6a90
description: Starts and stops virtual machines.
actions:
  - Microsoft.Compute/virtualMachines/read
  - Microsoft.Compute/virtualMachines/start/action
notActions: [Microsoft.Compute/virtualMachines/delete]
dataActions: [Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read]
notDataActions: []
assignableScopes:
  - /subscriptions/contoso-prod
---
kind: RoleAssignment
principal: jill-team
role: Reader
scope: /subscriptions/contoso-prod
description: Jill's team reads production.
---
kind: RoleAssignment
principal: sp-deploy
role: acdd72a7-3385-48ef-bd42-f606fba81ae7
scope: /subscriptions/contoso-prod/resourceGroups/Prod
---
kind: RoleAssignment
principal: jill@contoso.com
role: Storage Blob Data Reader
scope: /subscriptions/contoso-prod
condition: \"@Resource[Microsoft.Storage/storageAccounts/blobServices/containers:name] StringEquals 'logs'\"
conditionVersion: '2.0'
type: eligible
endDateTime: 2099-12-31T00:00:00Z
---
kind: DenyAssignment
name: protect-prod-network
scope: /subscriptions/contoso-prod
principals: [Everyone]
excludePrincipals: [sp-deploy]
actions: ['Microsoft.Network/*/delete']
notActions: [Microsoft.Network/networkSecurityGroups/delete]
dataActions: ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/delete']
notDataActions: []
doNotApplyToChildScopes: false
description: Nobody but the pipeline deletes production networking.
",
    ),
    (
        "policies.yaml",
        "\
kind: PolicyDefinition
name: allowed-locations
displayName: Allowed locations
id: 3007ee8b-4cb1-4a03-bde9-a7d437228c5e
description: Restricts where resources may be deployed.
mode: indexed
metadata: {category: General, version: 1.1.0}
policyType: Custom
version: 1.1.0
versions: [1.1.0, 1.0.0]
parameters:
  listOfAllowedLocations:
    type: Array
    metadata: {displayName: Allowed locations, strongType: location}
policyRule:
  if:
    field: location
    notIn: \"[parameters('listOfAllowedLocations')]\"
  then:
    effect: deny
---
kind: PolicyDefinition
name: audit-everything
mode: All
policyRule: {if: {field: type, exists: true}, then: {effect: audit}}
---
kind: PolicyAssignment
name: allowed-locations-prod
displayName: Production stays in West US
scope: /subscriptions/contoso-prod
policy: allowed-locations
parameters:
  listOfAllowedLocations:
    value: [westus]
notScopes:
  - /subscriptions/contoso-prod/resourceGroups/Test
enforcementMode: Default
description: Data residency.
---
kind: PolicyAssignment
name: audit-everything
scope: /providers/Microsoft.Management/managementGroups/contoso
policy: audit-everything
parameters:
enforcementMode: donotenforce
---
kind: PolicyExemption
name: test-rg
displayName: Test resource group
policyAssignment: allowed-locations-prod
scope: /subscriptions/contoso-prod/resourceGroups/Test
category: Waiver
expiresOn: 2099-12-31T23:59:59.5+02:00
description: Tests run in every region.
---
kind: PolicyExemption
name: test-rg-mitigated
policyAssignment: allowed-locations-prod
scope: /subscriptions/contoso-prod/resourceGroups/Test
category: MITIGATED
expiresOn: 2099-06-30T00:00:00Z
---
kind: PolicyExemption
name: test-rg-lowercase
policyAssignment: allowed-locations-prod
scope: /subscriptions/contoso-prod/resourceGroups/Test
category: waiver
expiresOn: 2099-06-30t00:00:00.123456789z
",
    ),
    (
        "access-rules.yaml",
        "\
kind: AccessRule
name: guests-never-write
description: Invited external users may look, never change anything.
expect: deny
principals:
  - type: Guest
  - partner@fabrikam.com
  - {type: User, memberOf: contractors}
except:
  - memberOf: platform-team
actions: ['*/write']
dataActions: [Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write]
roles: [Owner]
scopes: ['/']
message: guests never hold write access
severity: Warning
",
    ),
];
