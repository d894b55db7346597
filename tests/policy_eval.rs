//! Azure Policy evaluation through canopy's public API.
//!
//! The table ports the 79 cases a throwaway prototype agreed with Azure on: the published
//! built-in definitions (loaded verbatim from `/work/shared/reference/policy-definitions`, or
//! `CANOPY_POLICY_DEFINITIONS`) and one custom rule per construct. Semantics cited from
//! <https://learn.microsoft.com/azure/governance/policy/concepts/definition-structure-policy-rule>:
//! "String comparisons are made using InvariantCultureIgnoreCase"; "Location fields are
//! normalized to support various formats. For example, East US 2 is considered equal to
//! eastus2."

use canopy::load::yaml::{Entry, Node, Value, parse_chunk, split_documents};
use canopy::policy::{
    Effect, ErrorKind, Mode, PolicyError, Resource, ResourceKind, Site, applies_to, bind,
    parse_definition,
};
use canopy::source::{FileId, Span, Spanned, Text};
use serde_json::{Value as J, json};
use std::path::PathBuf;

// ---------------------------------------------------------------- helpers

/// A serde_json value as a YAML node with zero spans.
fn node_from_json(v: &J) -> Node<'static> {
    let value = match v {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().expect("number")),
        },
        J::String(s) => Value::Str(s.clone().into()),
        J::Array(items) => Value::Seq(items.iter().map(node_from_json).collect()),
        J::Object(o) => Value::Map(
            o.iter()
                .map(|(k, v)| Entry {
                    key: k.clone().into(),
                    key_start: 0,
                    key_end: 0,
                    value: node_from_json(v),
                })
                .collect(),
        ),
    };
    Node {
        start: 0,
        end: 0,
        value,
    }
}

fn text(s: &str) -> Text {
    Spanned::new(s.into(), Span::new(FileId(0), 0, 0))
}

fn defs_dir() -> PathBuf {
    std::env::var_os("CANOPY_POLICY_DEFINITIONS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared/reference/policy-definitions"))
}

/// A published definition, verbatim.
fn load_def(file: &str) -> J {
    let path = defs_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("definition is JSON")
}

fn custom(mode: &str, params: J, rule: J) -> J {
    json!({"properties": {"mode": mode, "parameters": params, "policyRule": rule}})
}

fn res(name: &str, ty: &str, loc: &str, tags: J) -> J {
    json!({"id": format!("/subscriptions/0000/resourceGroups/rg1/providers/{ty}/{name}"), "name": name, "type": ty, "location": loc, "tags": tags})
}

/// Parses and binds a definition (`{properties: {mode, parameters, policyRule}}`).
fn parse_and_bind(def: &J, params: &J) -> Result<canopy::policy::Bound, Vec<PolicyError>> {
    let p = def.get("properties").unwrap_or(def);
    let mode = p.get("mode").and_then(J::as_str).map(text);
    let parameters = p.get("parameters").map(node_from_json);
    let rule = node_from_json(&p["policyRule"]);
    let parsed = parse_definition(mode.as_ref(), parameters.as_ref(), &rule)?;
    let values: Vec<(Text, Node)> = params
        .as_object()
        .expect("params object")
        .iter()
        .map(|(k, v)| (text(k), node_from_json(v)))
        .collect();
    bind(&parsed, &values)
}

/// "deny" / "audit" / "disabled" when the condition matches, "none" when not (or when the
/// mode skips the resource), "error" for an invalid definition or assignment, "unsupported"
/// for valid Azure outside canopy's subset.
fn outcome(def: &J, r: &J, params: &J, rg_loc: &str) -> String {
    let bound = match parse_and_bind(def, params) {
        Ok(b) => b,
        Err(errors) if errors.iter().all(|e| e.kind == ErrorKind::Unsupported) => {
            return "unsupported".into();
        }
        Err(_) => return "error".into(),
    };
    let tags: Vec<(String, String)> = r
        .get("tags")
        .and_then(J::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default();
    let s = |k: &str| r.get(k).and_then(J::as_str).unwrap_or("");
    let type_ = s("type");
    let kind = if type_.eq_ignore_ascii_case("Microsoft.Resources/subscriptions/resourceGroups") {
        ResourceKind::ResourceGroup
    } else {
        ResourceKind::Resource
    };
    let resource = Resource {
        name: s("name"),
        type_,
        location: r.get("location").and_then(J::as_str),
        id: s("id").into(),
        tags: &tags,
        resource_group_location: Some(rg_loc),
        kind,
    };
    if !bound.applies_to(&resource) {
        return "none".into();
    }
    let o = bound.evaluate(&resource);
    assert_eq!(
        o.applies,
        bound.matches(&resource),
        "evaluate and matches agree"
    );
    if o.applies {
        o.effect.to_string()
    } else {
        "none".into()
    }
}

struct Case {
    label: &'static str,
    def: J,
    res: J,
    params: J,
    rg_loc: &'static str,
    want: &'static str,
}

fn cases() -> Vec<Case> {
    let vm_t = "Microsoft.Compute/virtualMachines";
    let rg_t = "Microsoft.Resources/subscriptions/resourceGroups";
    let mut v = vec![];
    let al = load_def("AllowedLocations_Deny.json");
    let p_w = json!({"listOfAllowedLocations": ["westus"]});
    v.push(Case {
        label: "AllowedLocations vm eastus, allowed [westus] -> deny",
        def: al.clone(),
        res: res("vm1", vm_t, "eastus", json!({})),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "deny",
    });
    v.push(Case {
        label: "AllowedLocations vm westus -> none",
        def: al.clone(),
        res: res("vm1", vm_t, "westus", json!({})),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedLocations vm WestUS (case) -> none",
        def: al.clone(),
        res: res("vm1", vm_t, "WestUS", json!({})),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedLocations vm 'West US' (display name; Azure normalises) -> none",
        def: al.clone(),
        res: res("vm1", vm_t, "West US", json!({})),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedLocations vm westus, allowed ['West US'] (Azure normalises) -> none",
        def: al.clone(),
        res: res("vm1", vm_t, "westus", json!({})),
        params: json!({"listOfAllowedLocations": ["West US"]}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedLocations global -> none",
        def: al.clone(),
        res: res("dns1", "Microsoft.Network/dnszones", "global", json!({})),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedLocations Global (case) -> none",
        def: al.clone(),
        res: res("dns1", "Microsoft.Network/dnszones", "Global", json!({})),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedLocations b2cDirectories eastus -> none",
        def: al.clone(),
        res: res(
            "b2c",
            "Microsoft.AzureActiveDirectory/b2cDirectories",
            "eastus",
            json!({}),
        ),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedLocations effect=Audit via param -> audit",
        def: al.clone(),
        res: res("vm1", vm_t, "eastus", json!({})),
        params: json!({"listOfAllowedLocations": ["westus"], "effect": "Audit"}),
        rg_loc: "westus",
        want: "audit",
    });
    v.push(Case {
        label: "AllowedLocations effect=Disabled via param -> disabled/none",
        def: al.clone(),
        res: res("vm1", vm_t, "eastus", json!({})),
        params: json!({"listOfAllowedLocations": ["westus"], "effect": "Disabled"}),
        rg_loc: "westus",
        want: "disabled",
    });
    v.push(Case { label: "AllowedLocations effect='Bogus' (not in allowedValues; Azure rejects assignment) -> error", def: al.clone(), res: res("vm1", vm_t, "eastus", json!({})), params: json!({"listOfAllowedLocations": ["westus"], "effect": "Bogus"}), rg_loc: "westus", want: "error" });
    v.push(Case {
        label: "AllowedLocations missing required param listOfAllowedLocations -> error",
        def: al.clone(),
        res: res("vm1", vm_t, "eastus", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "error",
    });

    let rgl = load_def("ResourceGroupAllowedLocations_Deny.json");
    v.push(Case { label: "RG AllowedLocations rg eastus -> deny", def: rgl.clone(), res: json!({"id":"/subscriptions/0000/resourceGroups/rg1","name":"rg1","type":rg_t,"location":"eastus"}), params: p_w.clone(), rg_loc: "eastus", want: "deny" });
    v.push(Case { label: "RG AllowedLocations rg westus -> none", def: rgl.clone(), res: json!({"id":"/subscriptions/0000/resourceGroups/rg1","name":"rg1","type":rg_t,"location":"westus"}), params: p_w.clone(), rg_loc: "westus", want: "none" });
    v.push(Case {
        label: "RG AllowedLocations vm eastus (not an RG) -> none",
        def: rgl.clone(),
        res: res("vm1", vm_t, "eastus", json!({})),
        params: p_w.clone(),
        rg_loc: "westus",
        want: "none",
    });

    let art = load_def("AllowedResourceTypes_Deny.json");
    let p_t = json!({"listOfResourceTypesAllowed": ["Microsoft.Compute/virtualMachines"]});
    v.push(Case {
        label: "AllowedResourceTypes vm allowed -> none",
        def: art.clone(),
        res: res("vm1", vm_t, "westus", json!({})),
        params: p_t.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedResourceTypes type case differs -> none",
        def: art.clone(),
        res: res(
            "vm1",
            "microsoft.compute/VIRTUALMACHINES",
            "westus",
            json!({}),
        ),
        params: p_t.clone(),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "AllowedResourceTypes storage not allowed -> deny",
        def: art.clone(),
        res: res(
            "st1",
            "Microsoft.Storage/storageAccounts",
            "westus",
            json!({}),
        ),
        params: p_t.clone(),
        rg_loc: "westus",
        want: "deny",
    });

    let irt = load_def("InvalidResourceTypes_Deny.json");
    let p_n = json!({"listOfResourceTypesNotAllowed": ["Microsoft.Storage/storageAccounts"]});
    v.push(Case {
        label: "NotAllowedResourceTypes storage -> deny",
        def: irt.clone(),
        res: res(
            "st1",
            "Microsoft.Storage/storageAccounts",
            "westus",
            json!({}),
        ),
        params: p_n.clone(),
        rg_loc: "westus",
        want: "deny",
    });
    v.push(Case {
        label: "NotAllowedResourceTypes vm -> none",
        def: irt.clone(),
        res: res("vm1", vm_t, "westus", json!({})),
        params: p_n.clone(),
        rg_loc: "westus",
        want: "none",
    });

    let rt = load_def("RequireTag_Deny.json");
    v.push(Case {
        label: "RequireTag costCenter present -> none",
        def: rt.clone(),
        res: res("vm1", vm_t, "westus", json!({"costCenter": "42"})),
        params: json!({"tagName": "costCenter"}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "RequireTag tag name case differs (CostCenter) -> none",
        def: rt.clone(),
        res: res("vm1", vm_t, "westus", json!({"CostCenter": "42"})),
        params: json!({"tagName": "costCenter"}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "RequireTag missing -> deny",
        def: rt.clone(),
        res: res("vm1", vm_t, "westus", json!({"env": "prod"})),
        params: json!({"tagName": "costCenter"}),
        rg_loc: "westus",
        want: "deny",
    });
    v.push(Case {
        label: "RequireTag no tags object at all -> deny",
        def: rt.clone(),
        res: json!({"name":"vm1","type":vm_t,"location":"westus"}),
        params: json!({"tagName": "costCenter"}),
        rg_loc: "westus",
        want: "deny",
    });
    v.push(Case {
        label: "RequireTag tag name with space/dot 'Cost.Center x' -> none",
        def: rt.clone(),
        res: res("vm1", vm_t, "westus", json!({"Cost.Center x": "1"})),
        params: json!({"tagName": "Cost.Center x"}),
        rg_loc: "westus",
        want: "none",
    });

    let rtv = load_def("RequireTagAndValue_Deny.json");
    v.push(Case {
        label: "RequireTagAndValue env=prod ok -> none",
        def: rtv.clone(),
        res: res("vm1", vm_t, "westus", json!({"env": "prod"})),
        params: json!({"tagName": "env", "tagValue": "prod"}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "RequireTagAndValue env=PROD (value case) -> none",
        def: rtv.clone(),
        res: res("vm1", vm_t, "westus", json!({"env": "PROD"})),
        params: json!({"tagName": "env", "tagValue": "prod"}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "RequireTagAndValue env=dev -> deny",
        def: rtv.clone(),
        res: res("vm1", vm_t, "westus", json!({"env": "dev"})),
        params: json!({"tagName": "env", "tagValue": "prod"}),
        rg_loc: "westus",
        want: "deny",
    });

    let rirg = load_def("ResourcesInResourceGroupLocation_Audit.json");
    v.push(Case {
        label: "InRGLocation vm eastus, rg westus -> audit",
        def: rirg.clone(),
        res: res("vm1", vm_t, "eastus", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "audit",
    });
    v.push(Case {
        label: "InRGLocation vm westus, rg westus -> none",
        def: rirg.clone(),
        res: res("vm1", vm_t, "westus", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "InRGLocation vm global -> none",
        def: rirg.clone(),
        res: res("vm1", vm_t, "global", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "InRGLocation vm 'West US', rg westus (Azure normalises) -> none",
        def: rirg.clone(),
        res: res("vm1", vm_t, "West US", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "none",
    });

    let us = load_def("USRegionsOnly_Deny.json");
    v.push(Case {
        label: "USRegionsOnly westeurope -> deny",
        def: us.clone(),
        res: res("vm1", vm_t, "westeurope", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "deny",
    });
    v.push(Case {
        label: "USRegionsOnly EastUS2 -> none",
        def: us.clone(),
        res: res("vm1", vm_t, "EastUS2", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "none",
    });
    v.push(Case {
        label: "USRegionsOnly 'East US 2' (doc example: == eastus2) -> none",
        def: us.clone(),
        res: res("vm1", vm_t, "East US 2", json!({})),
        params: json!({}),
        rg_loc: "westus",
        want: "none",
    });

    // ---- custom rules, one per construct ----
    let r = res(
        "Web-Prod-01",
        vm_t,
        "westus",
        json!({"Env": "Prod", "cost-center": "42"}),
    );
    let e = |rule: J| custom("All", json!({}), rule);
    let c = |label, rule: J, want: &'static str| Case {
        label,
        def: e(rule),
        res: r.clone(),
        params: json!({}),
        rg_loc: "westus",
        want,
    };
    v.push(c(
        "equals case-insensitive name",
        json!({"if": {"field": "name", "equals": "web-prod-01"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "notEquals case-insensitive",
        json!({"if": {"field": "name", "notEquals": "WEB-PROD-01"}, "then": {"effect": "audit"}}),
        "none",
    ));
    v.push(c(
        "like with * (case-insens.)",
        json!({"if": {"field": "name", "like": "web-*"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "like with * in middle",
        json!({"if": {"field": "name", "like": "web*01"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "like without * is equality",
        json!({"if": {"field": "name", "like": "web-prod-01"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "like '?' is literal in Azure (docs: only *) -> none",
        json!({"if": {"field": "name", "like": "web-prod-0?"}, "then": {"effect": "audit"}}),
        "none",
    ));
    v.push(c(
        "notLike",
        json!({"if": {"field": "name", "notLike": "db-*"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c("in case-insensitive", json!({"if": {"field": "location", "in": ["WESTUS", "eastus"]}, "then": {"effect": "audit"}}), "audit"));
    v.push(c(
        "notIn",
        json!({"if": {"field": "location", "notIn": ["eastus"]}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "contains substring case-insens.",
        json!({"if": {"field": "name", "contains": "PROD"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "notContains",
        json!({"if": {"field": "name", "notContains": "test"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "exists true on tags['env'] (tag key case)",
        json!({"if": {"field": "tags['env']", "exists": true}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "exists \"false\" (string) on missing tag",
        json!({"if": {"field": "tags['owner']", "exists": "false"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "tags.x dotted form",
        json!({"if": {"field": "tags.Env", "equals": "prod"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "tags[x] unquoted with hyphen",
        json!({"if": {"field": "tags[cost-center]", "equals": "42"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "containsKey on tags (case-insens.)",
        json!({"if": {"field": "tags", "containsKey": "ENV"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "notContainsKey on tags",
        json!({"if": {"field": "tags", "notContainsKey": "owner"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c("id like", json!({"if": {"field": "id", "like": "/subscriptions/*/resourceGroups/RG1/*"}, "then": {"effect": "audit"}}), "audit"));
    v.push(c("type equals", json!({"if": {"field": "type", "equals": "microsoft.compute/virtualmachines"}, "then": {"effect": "audit"}}), "audit"));
    v.push(c("allOf/anyOf/not nesting", json!({"if": {"allOf": [{"anyOf": [{"field": "location", "equals": "eastus"}, {"field": "location", "equals": "westus"}]}, {"not": {"field": "name", "like": "db-*"}}]}, "then": {"effect": "deny"}}), "deny"));
    v.push(c(
        "value [field('name')] like",
        json!({"if": {"value": "[field('name')]", "like": "Web-*"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "equals [field('name')] on RHS",
        json!({"if": {"field": "name", "equals": "[field('name')]"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c("concat in value", json!({"if": {"field": "name", "like": "[concat('web', '-*')]"}, "then": {"effect": "audit"}}), "audit"));
    v.push(c(
        "effect 'Disabled' literal",
        json!({"if": {"field": "name", "exists": true}, "then": {"effect": "Disabled"}}),
        "disabled",
    ));
    v.push(Case { label: "param defaultValue used + effect from param default", def: custom("Indexed", json!({"pfx": {"type": "String", "defaultValue": "web-"}, "effect": {"type": "String", "defaultValue": "Audit", "allowedValues": ["Audit", "Deny", "Disabled"]}}), json!({"if": {"field": "name", "like": "[concat(parameters('pfx'), '*')]"}, "then": {"effect": "[parameters('effect')]"}})), res: r.clone(), params: json!({}), rg_loc: "westus", want: "audit" });
    v.push(Case { label: "param override of default", def: custom("Indexed", json!({"pfx": {"type": "String", "defaultValue": "web-"}, "effect": {"type": "String", "defaultValue": "Audit"}}), json!({"if": {"field": "name", "like": "[concat(parameters('pfx'), '*')]"}, "then": {"effect": "[parameters('effect')]"}})), res: r.clone(), params: json!({"pfx": "db-", "effect": "Deny"}), rg_loc: "westus", want: "none" });
    v.push(Case { label: "param name case-insensitive parameters('EFFECT')", def: custom("Indexed", json!({"effect": {"type": "String", "defaultValue": "Audit"}}), json!({"if": {"field": "name", "exists": true}, "then": {"effect": "[parameters('EFFECT')]"}})), res: r.clone(), params: json!({}), rg_loc: "westus", want: "audit" });
    v.push(Case { label: "param of wrong type (Array given to String) -> error", def: custom("Indexed", json!({"pfx": {"type": "String"}}), json!({"if": {"field": "name", "like": "[parameters('pfx')]"}, "then": {"effect": "audit"}})), res: r.clone(), params: json!({"pfx": ["a"]}), rg_loc: "westus", want: "error" });
    v.push(Case { label: "undeclared parameter referenced -> error", def: custom("Indexed", json!({}), json!({"if": {"field": "name", "equals": "[parameters('nope')]"}, "then": {"effect": "audit"}})), res: r.clone(), params: json!({}), rg_loc: "westus", want: "error" });
    v.push(Case {
        label: "unsupported operator 'matchesRegex' -> error",
        def: custom(
            "Indexed",
            json!({}),
            json!({"if": {"field": "name", "matchesRegex": "x"}, "then": {"effect": "audit"}}),
        ),
        res: r.clone(),
        params: json!({}),
        rg_loc: "westus",
        want: "error",
    });
    v.push(Case { label: "unsupported function 'reference()' -> error", def: custom("Indexed", json!({}), json!({"if": {"field": "name", "equals": "[reference('x')]"}, "then": {"effect": "audit"}})), res: r.clone(), params: json!({}), rg_loc: "westus", want: "unsupported" });
    v.push(Case {
        label: "unknown effect 'explode' -> error",
        def: custom(
            "Indexed",
            json!({}),
            json!({"if": {"field": "name", "exists": true}, "then": {"effect": "explode"}}),
        ),
        res: r.clone(),
        params: json!({}),
        rg_loc: "westus",
        want: "error",
    });
    v.push(Case {
        label: "bad mode 'Whatever' -> error",
        def: custom(
            "Whatever",
            json!({}),
            json!({"if": {"field": "name", "exists": true}, "then": {"effect": "audit"}}),
        ),
        res: r.clone(),
        params: json!({}),
        rg_loc: "westus",
        want: "error",
    });
    v.push(Case { label: "unknown alias field (no registry) 'Microsoft.Compute/virtualMachines/sku.name' exists false", def: custom("Indexed", json!({}), json!({"if": {"field": "Microsoft.Compute/virtualMachines/sku.name", "exists": false}, "then": {"effect": "audit"}})), res: r.clone(), params: json!({}), rg_loc: "westus", want: "unsupported" });
    v.push(Case { label: "two logical keys in one node (allOf+anyOf) -> error", def: custom("Indexed", json!({}), json!({"if": {"allOf": [{"field":"name","exists":true}], "anyOf": [{"field":"name","exists":true}]}, "then": {"effect": "audit"}})), res: r.clone(), params: json!({}), rg_loc: "westus", want: "error" });
    v.push(Case {
        label: "RequireTagAndValue tag absent -> deny",
        def: rtv.clone(),
        res: res("vm1", vm_t, "westus", json!({})),
        params: json!({"tagName": "env", "tagValue": "prod"}),
        rg_loc: "westus",
        want: "deny",
    });
    v.push(c(
        "like with two * (Azure: shouldn't have more than one)",
        json!({"if": {"field": "name", "like": "*-prod-*"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "tags['''x'''] apostrophe escape: tag named 'Env' w/ quotes absent -> exists false",
        json!({"if": {"field": "tags['''Env''']", "exists": false}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c("value [field('location')] in list", json!({"if": {"value": "[field('location')]", "in": ["westus"]}, "then": {"effect": "audit"}}), "audit"));
    v.push(c(
        "missing field notEquals -> true",
        json!({"if": {"field": "tags['owner']", "notEquals": "x"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "missing field notIn -> true",
        json!({"if": {"field": "tags['owner']", "notIn": ["x"]}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "missing field like '*'",
        json!({"if": {"field": "tags['owner']", "like": "*"}, "then": {"effect": "audit"}}),
        "none",
    ));
    v.push(c(
        "field 'fullName' equals name",
        json!({"if": {"field": "fullName", "equals": "web-prod-01"}, "then": {"effect": "audit"}}),
        "audit",
    ));
    v.push(c(
        "unknown bare field 'foo' exists false",
        json!({"if": {"field": "foo", "exists": false}, "then": {"effect": "audit"}}),
        "unsupported",
    ));
    v
}

#[test]
fn prototype_table_agrees_with_azure() {
    let cases = cases();
    assert_eq!(cases.len(), 79);
    let mut failures = Vec::new();
    for c in &cases {
        let got = outcome(&c.def, &c.res, &c.params, c.rg_loc);
        if got != c.want {
            failures.push(format!("{}: want {}, got {got}", c.label, c.want));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------- parse errors, with spans

/// Parses a YAML document with top-level `mode`, `parameters` and `policyRule`.
fn parse_yaml(src: &str) -> Result<canopy::policy::Definition, Vec<PolicyError>> {
    let root = parse_chunk(src, split_documents(src)[0])
        .expect("YAML")
        .expect("a document")
        .root;
    let Value::Map(entries) = &root.value else {
        panic!("mapping")
    };
    let get = |k: &str| entries.iter().find(|e| e.key == k).map(|e| &e.value);
    let mode = get("mode").map(|n| match &n.value {
        Value::Str(s) => Spanned::new(s.as_ref().into(), Span::new(FileId(0), n.start, n.end)),
        _ => panic!("mode string"),
    });
    parse_definition(
        mode.as_ref(),
        get("parameters"),
        get("policyRule").expect("policyRule"),
    )
}

/// The single error of an invalid definition, with the source text it points at.
fn one_error(src: &str) -> (PolicyError, &str) {
    let errors = parse_yaml(src).expect_err("invalid");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors.into_iter().next().unwrap();
    let at = &src[e.start as usize..e.end as usize];
    (e, at)
}

#[test]
fn unknown_operator_suggests_the_nearest() {
    let src = "policyRule:\n  if: {field: name, equalz: x}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.message, "unknown operator `equalz`");
    assert_eq!(e.help.as_deref(), Some("did you mean `equals`?"));
    assert_eq!(at, "equalz");
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(e.site, Site::Definition);
}

#[test]
fn operator_keys_are_case_insensitive() {
    let src = "policyRule:\n  IF:\n    AllOf:\n      - {Field: Location, NOTIN: [westus]}\n  Then: {Effect: Deny}\n";
    let def = parse_yaml(src).expect("valid");
    assert_eq!(def.mode, Mode::Indexed, "Indexed when mode is absent");
}

#[test]
fn two_logical_operators_in_one_condition() {
    let src = "policyRule:\n  if:\n    allOf: [{field: name, exists: true}]\n    anyOf: [{field: name, exists: true}]\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(
        e.message,
        "`anyOf` next to `allOf`: a logical operator must be alone in its condition"
    );
    assert_eq!(at, "anyOf");
}

#[test]
fn logical_operator_next_to_a_field() {
    let src = "policyRule:\n  if:\n    not: {field: name, exists: true}\n    field: type\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(
        e.message,
        "`field` next to `not`: a logical operator must be alone in its condition"
    );
    assert_eq!(at, "field");
}

#[test]
fn two_operators_in_one_condition() {
    let src = "policyRule:\n  if: {field: name, equals: a, like: b}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(
        e.message,
        "`like` after `equals`: a condition has exactly one operator"
    );
    assert_eq!(at, "like");
}

#[test]
fn field_and_value_in_one_condition() {
    let src = "policyRule:\n  if: {field: name, value: x, equals: a}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(
        e.message,
        "`value` after `field`: a condition has exactly one `field` or `value`"
    );
    assert_eq!(at, "value");
}

#[test]
fn condition_without_operator() {
    let src = "policyRule:\n  if: {field: name}\n  then: {effect: audit}\n";
    let (e, _) = one_error(src);
    assert_eq!(e.message, "a condition needs an operator");
    // The YAML layer spans a flow mapping from its opening brace.
    assert!(src[e.start as usize..].starts_with("{field: name}"));
}

#[test]
fn aliases_are_unsupported() {
    let src = "policyRule:\n  if: {field: Microsoft.Compute/virtualMachines/sku.name, exists: false}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert_eq!(
        e.message,
        "field `Microsoft.Compute/virtualMachines/sku.name` is an alias; canopy does not evaluate aliases"
    );
    assert_eq!(at, "Microsoft.Compute/virtualMachines/sku.name");
}

#[test]
fn other_azure_operators_are_unsupported() {
    let src = "policyRule:\n  if: {field: name, match: 'web-##'}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert_eq!(e.message, "`match` is not evaluated by canopy");
    assert_eq!(at, "match");
}

#[test]
fn unsupported_function() {
    let src =
        "policyRule:\n  if: {field: name, equals: \"[reference('x')]\"}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert_eq!(
        e.message,
        "function `reference()` is not evaluated by canopy"
    );
    assert!(at.contains("[reference('x')]"), "{at:?}");
}

#[test]
fn malformed_template_expression() {
    let src =
        "policyRule:\n  if: {field: name, equals: \"[concat('a', ]\"}\n  then: {effect: audit}\n";
    let (e, _) = one_error(src);
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(
        e.message,
        "invalid template expression `[concat('a', ]`: expected a value"
    );
}

#[test]
fn undeclared_parameter_suggests_the_nearest() {
    let src = "parameters:\n  tagName: {type: String}\npolicyRule:\n  if: {field: \"[concat('tags[', parameters('tagNme'), ']')]\", exists: false}\n  then: {effect: deny}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.message, "parameter `tagNme` is not declared");
    assert_eq!(e.help.as_deref(), Some("did you mean `tagName`?"));
    assert!(at.contains("parameters('tagNme')"), "{at:?}");
}

#[test]
fn unknown_effect() {
    let src = "policyRule:\n  if: {field: name, exists: true}\n  then: {effect: Deni}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.message, "unknown effect `Deni`");
    assert_eq!(e.help.as_deref(), Some("did you mean `deny`?"));
    assert_eq!(at, "Deni");
}

#[test]
fn other_azure_effects_are_unsupported() {
    let src =
        "policyRule:\n  if: {field: name, exists: true}\n  then: {effect: deployIfNotExists}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert_eq!(
        e.message,
        "effect `deployIfNotExists` is not evaluated by canopy"
    );
    assert_eq!(at, "deployIfNotExists");
}

#[test]
fn effect_parameter_allowing_other_effects_is_unsupported() {
    let src = "parameters:\n  effect: {type: String, allowedValues: [Audit, AuditIfNotExists]}\npolicyRule:\n  if: {field: name, exists: true}\n  then: {effect: \"[parameters('effect')]\"}\n";
    let (e, _) = one_error(src);
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert_eq!(
        e.message,
        "effect parameter `effect` allows AuditIfNotExists, which canopy does not evaluate"
    );
}

#[test]
fn unknown_mode() {
    let src =
        "mode: Whatever\npolicyRule:\n  if: {field: name, exists: true}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(e.message, "unknown mode `Whatever`");
    assert_eq!(at, "Whatever");
    let src = "mode: Microsoft.Kubernetes.Data\npolicyRule:\n  if: {field: name, exists: true}\n  then: {effect: audit}\n";
    assert_eq!(one_error(src).0.kind, ErrorKind::Unsupported);
}

#[test]
fn policy_rule_without_then() {
    let src = "policyRule:\n  if: {field: name, exists: true}\n";
    let (e, _) = one_error(src);
    assert_eq!(e.message, "policyRule has no `then`");
}

#[test]
fn contains_key_on_a_string_field() {
    let src = "policyRule:\n  if: {field: name, containsKey: x}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(
        e.message,
        "`containsKey` needs an object field, and `name` is a string"
    );
    assert_eq!(at, "containsKey");
}

#[test]
fn every_problem_is_reported() {
    let src = "policyRule:\n  if:\n    allOf:\n      - {field: name, equalz: a}\n      - {field: foo/bar, exists: true}\n  then: {effect: explode}\n";
    let errors = parse_yaml(src).expect_err("invalid");
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "unknown operator `equalz`",
            "field `foo/bar` is an alias; canopy does not evaluate aliases",
            "unknown effect `explode`",
        ]
    );
}

#[test]
fn default_value_of_the_wrong_type() {
    let src = "parameters:\n  n: {type: Integer, defaultValue: ten}\npolicyRule:\n  if: {field: name, exists: true}\n  then: {effect: audit}\n";
    let (e, at) = one_error(src);
    assert_eq!(
        e.message,
        "defaultValue: parameter `n` is declared Integer but the value is a String"
    );
    assert_eq!(at, "ten");
}

// ---------------------------------------------------------------- parameter binding

const PARAMS: &str = "parameters:
  pfx: {type: String}
  list: {type: Array, defaultValue: [westus]}
  count: {type: Integer, defaultValue: 1}
  flag: {type: Boolean, defaultValue: true}
  obj: {type: Object, defaultValue: {a: 1}}
  effect: {type: String, defaultValue: Audit, allowedValues: [Audit, Deny, Disabled]}
policyRule:
  if:
    allOf:
      - {field: name, like: \"[concat(parameters('pfx'), '*')]\"}
      - {field: location, in: \"[parameters('list')]\"}
      - {value: \"[parameters('flag')]\", equals: true}
      - {value: \"[parameters('count')]\", equals: 1}
      - {value: \"[parameters('obj')]\", containsKey: A}
  then: {effect: \"[parameters('effect')]\"}
";

/// Assignment values parsed from YAML (`name: value` lines), spans into `src`.
fn assignment(src: &str) -> Vec<(Text, Node<'static>)> {
    if src.trim().is_empty() {
        return Vec::new();
    }
    let root = parse_chunk(src, split_documents(src)[0])
        .unwrap()
        .unwrap()
        .root;
    let Value::Map(entries) = root.value else {
        panic!("mapping")
    };
    entries
        .into_iter()
        .map(|e| {
            let name = Spanned::new(
                e.key.as_ref().into(),
                Span::new(FileId(1), e.key_start, e.key_end),
            );
            (name, e.value.into_owned())
        })
        .collect()
}

fn bind_errors(values: &str) -> Vec<(PolicyError, String)> {
    let def = parse_yaml(PARAMS).expect("valid");
    let errors = bind(&def, &assignment(values)).expect_err("invalid assignment");
    errors
        .into_iter()
        .map(|e| {
            let src = match e.site {
                Site::Assignment => values,
                Site::Definition => PARAMS,
            };
            let at = src[e.start as usize..e.end as usize].to_string();
            (e, at)
        })
        .collect()
}

fn vm(name: &str, location: &str) -> Resource<'static> {
    Resource {
        name: Box::leak(name.to_string().into_boxed_str()),
        type_: "Microsoft.Compute/virtualMachines",
        location: Some(Box::leak(location.to_string().into_boxed_str())),
        id: "/subscriptions/0000/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm"
            .into(),
        tags: &[],
        resource_group_location: Some("westus"),
        kind: ResourceKind::Resource,
    }
}

#[test]
fn defaults_fill_what_the_assignment_leaves_out() {
    let def = parse_yaml(PARAMS).expect("valid");
    let bound = bind(&def, &assignment("pfx: web-\n")).expect("valid");
    assert_eq!(bound.effect(), Effect::Audit);
    assert!(bound.matches(&vm("web-1", "West US")));
    assert!(!bound.matches(&vm("db-1", "westus")));
    let bound = bind(
        &def,
        &assignment("pfx: web-\nlist: [East US 2]\neffect: deny\n"),
    )
    .expect("valid");
    assert_eq!(bound.effect(), Effect::Deny);
    assert!(
        bound.matches(&vm("web-1", "eastus2")),
        "list entries normalised too"
    );
}

#[test]
fn missing_required_parameter_is_named() {
    let errors = bind_errors("");
    assert_eq!(errors.len(), 1);
    let (e, at) = &errors[0];
    assert_eq!(
        e.message,
        "parameter `pfx` has no value: the assignment gives none and the definition declares no defaultValue"
    );
    assert_eq!(e.site, Site::Definition);
    assert_eq!(at, "pfx");
}

#[test]
fn value_of_the_wrong_type() {
    for (values, message, at) in [
        (
            "pfx: [a]\n",
            "parameter `pfx` is declared String but the value is an Array",
            "[a]",
        ),
        (
            "pfx: a\nlist: westus\n",
            "parameter `list` is declared Array but the value is a String",
            "westus",
        ),
        (
            "pfx: a\ncount: '1'\n",
            "parameter `count` is declared Integer but the value is a String",
            "'1'",
        ),
        (
            "pfx: a\nflag: yes please\n",
            "parameter `flag` is declared Boolean but the value is a String",
            "yes please",
        ),
        (
            "pfx: a\nobj: [1]\n",
            "parameter `obj` is declared Object but the value is an Array",
            "[1]",
        ),
    ] {
        let errors = bind_errors(values);
        assert_eq!(errors.len(), 1, "{values}: {errors:?}");
        assert_eq!(errors[0].0.message, message);
        assert_eq!(errors[0].0.site, Site::Assignment);
        // The YAML layer spans a flow sequence from its opening bracket.
        assert!(
            values[errors[0].0.start as usize..].starts_with(at),
            "{values}"
        );
    }
}

#[test]
fn value_outside_allowed_values() {
    let errors = bind_errors("pfx: a\neffect: Bogus\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].0.message,
        "value Bogus for parameter `effect` is not one of its allowedValues [Audit, Deny, Disabled]"
    );
    assert_eq!(errors[0].1, "Bogus");
}

#[test]
fn undeclared_assignment_parameter() {
    let errors = bind_errors("pfx: a\nefect: Deny\n");
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].0.message,
        "parameter `efect` is not declared by the definition"
    );
    assert_eq!(errors[0].0.help.as_deref(), Some("did you mean `effect`?"));
    assert_eq!(errors[0].1, "efect");
}

#[test]
fn effect_parameter_without_allowed_values_is_checked_at_bind() {
    let src = "parameters:\n  effect: {type: String}\npolicyRule:\n  if: {field: name, exists: true}\n  then: {effect: \"[parameters('effect')]\"}\n";
    let def = parse_yaml(src).expect("valid");
    assert_eq!(
        bind(&def, &assignment("effect: Audit\n")).unwrap().effect(),
        Effect::Audit
    );
    let e = &bind(&def, &assignment("effect: Modify\n")).unwrap_err()[0];
    assert_eq!(e.kind, ErrorKind::Unsupported);
    let e = &bind(&def, &assignment("effect: explode\n")).unwrap_err()[0];
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert_eq!(
        e.message,
        "effect parameter `effect` is explode, not deny, audit or disabled"
    );
}

#[test]
fn in_needs_a_list_and_exists_a_boolean() {
    let src = "parameters:\n  x: {type: String}\npolicyRule:\n  if: {field: type, in: \"[parameters('x')]\"}\n  then: {effect: audit}\n";
    let def = parse_yaml(src).expect("valid");
    let e = &bind(&def, &assignment("x: a\n")).unwrap_err()[0];
    assert_eq!(e.message, "`in` needs a list, found a String");
    assert_eq!(
        &src[e.start as usize..e.end as usize],
        "\"[parameters('x')]\""
    );
    let src = "policyRule:\n  if: {field: name, exists: maybe}\n  then: {effect: audit}\n";
    let e = &bind(&parse_yaml(src).unwrap(), &[]).unwrap_err()[0];
    assert_eq!(e.message, "`exists` takes true or false, not maybe");
}

#[test]
fn computed_field_must_be_known() {
    let src = "parameters:\n  f: {type: String}\npolicyRule:\n  if: {field: \"[parameters('f')]\", exists: true}\n  then: {effect: audit}\n";
    let def = parse_yaml(src).expect("valid");
    assert!(bind(&def, &assignment("f: tags.env\n")).is_ok());
    let e = &bind(&def, &assignment("f: properties.x/y\n")).unwrap_err()[0];
    assert_eq!(e.kind, ErrorKind::Unsupported);
}

// ---------------------------------------------------------------- reasons and modes

fn bound_builtin(file: &str, params: J) -> canopy::policy::Bound {
    parse_and_bind(&load_def(file), &params).expect("binds")
}

#[test]
fn reasons_in_words() {
    let b = bound_builtin(
        "AllowedLocations_Deny.json",
        json!({"listOfAllowedLocations": ["westus"]}),
    );
    let o = b.evaluate(&vm("vm1", "eastus"));
    assert!(o.applies);
    assert_eq!(o.effect, Effect::Deny);
    assert!(
        o.reason.starts_with(
            "location eastus is not in [westus] and location eastus does not equal global"
        ),
        "{}",
        o.reason
    );
    let o = b.evaluate(&vm("vm1", "West US"));
    assert!(!o.applies);
    assert_eq!(o.reason, "location West US is in [westus]");

    let b = bound_builtin("RequireTag_Deny.json", json!({"tagName": "costCenter"}));
    let o = b.evaluate(&vm("vm1", "westus"));
    assert!(o.applies);
    assert_eq!(o.reason, "tag 'costcenter' does not exist");

    let b = bound_builtin("ResourcesInResourceGroupLocation_Audit.json", json!({}));
    let o = b.evaluate(&vm("vm1", "eastus"));
    assert_eq!(o.effect, Effect::Audit);
    assert!(
        o.reason
            .starts_with("location eastus does not equal resource group location westus"),
        "{}",
        o.reason
    );
}

#[test]
fn modes_select_resources() {
    let vm = "Microsoft.Compute/virtualMachines";
    assert!(applies_to(Mode::Indexed, ResourceKind::Resource, vm));
    assert!(!applies_to(
        Mode::Indexed,
        ResourceKind::ResourceGroup,
        "Microsoft.Resources/subscriptions/resourceGroups"
    ));
    assert!(!applies_to(
        Mode::Indexed,
        ResourceKind::Subscription,
        "Microsoft.Resources/subscriptions"
    ));
    assert!(!applies_to(
        Mode::Indexed,
        ResourceKind::Resource,
        "microsoft.authorization/roleAssignments"
    ));
    assert!(applies_to(
        Mode::All,
        ResourceKind::ResourceGroup,
        "Microsoft.Resources/subscriptions/resourceGroups"
    ));
    assert!(applies_to(
        Mode::All,
        ResourceKind::Subscription,
        "Microsoft.Resources/subscriptions"
    ));
}

#[test]
fn full_name_includes_parents() {
    let src =
        "policyRule:\n  if: {field: fullName, equals: MyServer/MyDb}\n  then: {effect: audit}\n";
    let b = bind(&parse_yaml(src).unwrap(), &[]).unwrap();
    let db = Resource {
        name: "MyDb",
        type_: "Microsoft.Sql/servers/databases",
        location: Some("westus"),
        id: "/subscriptions/0/resourceGroups/rg1/providers/Microsoft.Sql/servers/myServer/databases/myDb".into(),
        tags: &[],
        resource_group_location: Some("westus"),
        kind: ResourceKind::Resource,
    };
    assert!(b.matches(&db));
}

#[test]
fn resource_group_name_from_the_id() {
    let src = "policyRule:\n  if: {value: \"[resourceGroup().name]\", equals: RG1}\n  then: {effect: audit}\n";
    let b = bind(&parse_yaml(src).unwrap(), &[]).unwrap();
    assert!(b.matches(&vm("vm1", "westus")));
}
