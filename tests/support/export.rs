//! What the Azure CLI would print for a tenant: the exports `canopy import` reads, written
//! from a loaded tree. Shared by `tests/import.rs` (the round trip) and `benches/import.rs`
//! (exports of a generated tenant at Azure's limits). The shapes follow
//! `tests/exports/README.md`.

#![allow(dead_code)]

use canopy::model::{RoleRef, ScopeId, ScopeKind, Tenant};
use serde_json::{Value, json};
use std::path::Path;

/// A scope as Azure prints it: subscriptions by ID.
pub fn azure_scope(t: &Tenant, s: ScopeId) -> String {
    let path = t.scope_path(s).to_string();
    let sub = t.scopes.ancestors(s).find_map(|a| match t.scopes.kind(a) {
        ScopeKind::Subscription(id) => Some(t.sub(id)),
        _ => None,
    });
    match sub {
        Some(sub) => {
            let id = sub.id.as_ref().expect("contoso subscriptions have IDs");
            let prefix = format!("/subscriptions/{}", sub.name.value);
            let rest = &path[prefix.len().min(path.len())..];
            format!("/subscriptions/{}{rest}", id.value)
        }
        None => path,
    }
}

fn write(dir: &Path, name: &str, v: &Value) {
    std::fs::write(dir.join(name), serde_json::to_string_pretty(v).unwrap()).unwrap();
}

fn mg_id(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

/// Writes the exports of a tenant as the Azure CLI prints them.
pub fn export(t: &Tenant, dir: &Path) {
    let tenant_id = t.mg(t.root().expect("one root")).name.value.to_string();
    // az account management-group show --name ROOT --expand --recurse
    fn node(t: &Tenant, s: ScopeId) -> Value {
        match t.scopes.kind(s) {
            ScopeKind::ManagementGroup(id) => {
                let mg = t.mg(id);
                let children: Vec<Value> = t
                    .scopes
                    .children(s)
                    .iter()
                    .filter(|c| {
                        matches!(
                            t.scopes.kind(**c),
                            ScopeKind::ManagementGroup(_) | ScopeKind::Subscription(_)
                        )
                    })
                    .map(|c| node(t, *c))
                    .collect();
                json!({
                    "children": if children.is_empty() { Value::Null } else { Value::Array(children) },
                    "displayName": mg.display_name.as_ref().map_or(mg.name.value.to_string(), |d| d.value.to_string()),
                    "id": mg_id(&mg.name.value),
                    "name": mg.name.value,
                    "type": "Microsoft.Management/managementGroups",
                })
            }
            ScopeKind::Subscription(id) => {
                let sub = t.sub(id);
                let sid = &sub.id.as_ref().unwrap().value;
                json!({
                    "children": null,
                    "displayName": sub.name.value,
                    "id": format!("/subscriptions/{sid}"),
                    "name": sid,
                    "type": "/subscriptions",
                })
            }
            _ => Value::Null,
        }
    }
    let root = t.root().unwrap();
    let mut h = node(t, t.mg(root).scope);
    h["tenantId"] = json!(tenant_id);
    h["details"] = json!({"parent": null, "updatedBy": "00000000-0000-0000-0000-000000000000", "updatedTime": "2026-01-01T00:00:00Z", "version": 7});
    write(dir, "hierarchy.json", &h);

    // az account list --all
    let accounts: Vec<Value> = t
        .subscriptions
        .iter()
        .map(|s| {
            json!({
                "cloudName": "AzureCloud",
                "homeTenantId": tenant_id,
                "id": s.id.as_ref().unwrap().value,
                "isDefault": false,
                "managedByTenants": [],
                "name": s.name.value,
                "state": "Enabled",
                "tenantId": tenant_id,
                "user": {"name": "platform@contoso.com", "type": "user"},
            })
        })
        .collect();
    write(dir, "accounts.json", &Value::Array(accounts));

    // az group list / az resource list, one file per subscription.
    for s in &t.subscriptions {
        let sid = &s.id.as_ref().unwrap().value;
        let mut groups = Vec::new();
        let mut resources = Vec::new();
        for rg in &s.resource_groups {
            let rg = &t.resource_groups[rg.index()];
            let tags: serde_json::Map<String, Value> = rg
                .tags
                .iter()
                .map(|(k, v)| (k.value.to_string(), json!(v.value)))
                .collect();
            groups.push(json!({
                "id": format!("/subscriptions/{sid}/resourceGroups/{}", rg.name.value),
                "location": rg.location.as_ref().map(|l| l.value.to_string()),
                "managedBy": null,
                "name": rg.name.value,
                "properties": {"provisioningState": "Succeeded"},
                "tags": if tags.is_empty() { Value::Null } else { Value::Object(tags) },
                "type": "Microsoft.Resources/resourceGroups",
            }));
            for r in &rg.resources {
                let r = &t.resources[r.index()];
                let id = azure_scope(t, r.scope);
                let tags: serde_json::Map<String, Value> = r
                    .tags
                    .iter()
                    .map(|(k, v)| (k.value.to_string(), json!(v.value)))
                    .collect();
                resources.push(json!({
                    "changedTime": "2026-01-01T00:00:00Z",
                    "createdTime": "2025-01-01T00:00:00Z",
                    "extendedLocation": null,
                    "id": id,
                    "identity": null,
                    "kind": null,
                    "location": r.location.as_ref().map(|l| t.word(l.value)),
                    "managedBy": null,
                    "name": r.name.value,
                    "plan": null,
                    "properties": null,
                    "provisioningState": "Succeeded",
                    "resourceGroup": rg.name.value,
                    "sku": null,
                    "tags": if tags.is_empty() { Value::Null } else { Value::Object(tags) },
                    "type": t.word(r.resource_type.value),
                }));
            }
        }
        write(dir, &format!("groups-{sid}.json"), &Value::Array(groups));
        write(
            dir,
            &format!("resources-{sid}.json"),
            &Value::Array(resources),
        );
    }

    // az ad user list / group list / sp list, and a member list per group.
    use canopy::load::kinds::PrincipalKind as K;
    let oid = |p: &canopy::model::Principal| {
        p.object_id
            .as_ref()
            .expect("contoso principals have object IDs")
            .value
            .clone()
    };
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut sps = Vec::new();
    for p in &t.principals {
        let display = p
            .display_name
            .as_ref()
            .map_or(p.name.value.to_string(), |d| d.value.to_string());
        match p.kind {
            K::User => users.push(json!({
                "businessPhones": [],
                "displayName": display,
                "givenName": null,
                "id": oid(p),
                "jobTitle": null,
                "mail": null,
                "mobilePhone": null,
                "officeLocation": null,
                "preferredLanguage": null,
                "surname": null,
                "userPrincipalName": p.name.value,
                "accountEnabled": p.enabled.value,
                "userType": if p.guest { "Guest" } else { "Member" },
            })),
            K::Group => {
                groups.push(json!({
                    "displayName": p.name.value,
                    "groupTypes": [],
                    "id": oid(p),
                    "mailEnabled": p.mail_enabled.value,
                    "mailNickname": p.name.value,
                    "securityEnabled": p.security_enabled.value,
                }));
                let members: Vec<Value> = p
                    .members
                    .iter()
                    .map(|(_, m)| {
                        let m = t.principal(*m);
                        let ty = match m.kind {
                            K::User => "#microsoft.graph.user",
                            K::Group => "#microsoft.graph.group",
                            _ => "#microsoft.graph.servicePrincipal",
                        };
                        json!({"@odata.type": ty, "displayName": m.name.value, "id": oid(m)})
                    })
                    .collect();
                write(
                    dir,
                    &format!("members-{}.json", oid(p)),
                    &Value::Array(members),
                );
            }
            _ => sps.push(json!({
                "accountEnabled": p.enabled.value,
                "appId": "00000000-0000-0000-0000-00000000a001",
                "displayName": p.name.value,
                "id": oid(p),
                "servicePrincipalType": "Application",
            })),
        }
    }
    write(dir, "users.json", &Value::Array(users));
    write(dir, "groups.json", &Value::Array(groups));
    write(dir, "service-principals.json", &Value::Array(sps));

    // az role definition list --custom-role-only true
    let roles: Vec<Value> = t
        .custom_roles
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let id = r.id.as_ref().map_or(format!("00000000-0000-4000-9000-{i:012}"), |i| i.value.to_string());
            let texts = |v: &[canopy::source::Text]| v.iter().map(|t| t.value.to_string()).collect::<Vec<_>>();
            json!({
                "assignableScopes": r.assignable_scopes.iter().map(|(s, id)| id.map_or(s.value.to_string(), |id| azure_scope(t, id))).collect::<Vec<_>>(),
                "description": r.description.as_ref().map(|d| d.value.to_string()),
                "id": format!("/providers/Microsoft.Authorization/roleDefinitions/{id}"),
                "name": id,
                "permissions": [{
                    "actions": texts(&r.actions),
                    "notActions": texts(&r.not_actions),
                    "dataActions": texts(&r.data_actions),
                    "notDataActions": texts(&r.not_data_actions),
                }],
                "roleName": r.name.value,
                "roleType": "CustomRole",
                "type": "Microsoft.Authorization/roleDefinitions",
            })
        })
        .collect();
    write(dir, "roles.json", &Value::Array(roles));

    // az role assignment list: per subscription (--all) and per management group
    // (--scope); an assignment at a group shows in the group's list and in the list of
    // every subscription below it, as Azure's lists include inherited assignments.
    let assignment = |i: usize, a: &canopy::model::RoleAssignment| {
        let scope = azure_scope(t, a.scope);
        let p = t.principal(a.principal);
        let (role_name, role_id) = match a.role {
            RoleRef::BuiltIn(r) => (r.name.to_string(), r.id.to_string()),
            RoleRef::Custom(id) => {
                let r = t.custom_role(id);
                let fallback = format!("00000000-0000-4000-9000-{:012}", id.index());
                (
                    r.name.value.to_string(),
                    r.id.as_ref().map_or(fallback, |i| i.value.to_string()),
                )
            }
        };
        let name = format!("00000000-0000-4000-8000-{i:012}");
        json!({
            "condition": a.condition().map(|c| c.value.to_string()),
            "conditionVersion": a.condition_version().map(|c| c.value.to_string()),
            "createdBy": null,
            "createdOn": "2025-01-01T00:00:00Z",
            "delegatedManagedIdentityResourceId": null,
            "description": a.description.as_ref().map(|d| d.value.to_string()),
            "id": format!("{}/providers/Microsoft.Authorization/roleAssignments/{name}", if scope == "/" { "" } else { &scope }),
            "name": name,
            "principalId": oid(p),
            "principalName": p.name.value,
            "principalType": match p.kind { K::User => "User", K::Group => "Group", _ => "ServicePrincipal" },
            "roleDefinitionId": format!("/providers/Microsoft.Authorization/roleDefinitions/{role_id}"),
            "roleDefinitionName": role_name,
            "scope": scope,
            "type": "Microsoft.Authorization/roleAssignments",
            "updatedBy": null,
            "updatedOn": "2025-01-01T00:00:00Z",
        })
    };
    let active: Vec<(usize, &canopy::model::RoleAssignment)> = t
        .role_assignments
        .iter()
        .enumerate()
        .filter(|(_, a)| !a.eligible)
        .collect();
    for s in &t.subscriptions {
        let list: Vec<Value> = active
            .iter()
            .filter(|(_, a)| {
                t.scopes.contains(a.scope, s.scope) || t.scopes.contains(s.scope, a.scope)
            })
            .map(|(i, a)| assignment(*i, a))
            .collect();
        write(
            dir,
            &format!("role-assignments-{}.json", s.id.as_ref().unwrap().value),
            &Value::Array(list),
        );
    }
    for mg in &t.management_groups {
        let list: Vec<Value> = active
            .iter()
            .filter(|(_, a)| a.scope == mg.scope)
            .map(|(i, a)| assignment(*i, a))
            .collect();
        write(
            dir,
            &format!("role-assignments-mg-{}.json", mg.name.value),
            &Value::Array(list),
        );
    }

    // az policy definition list (custom ones), assignment list, exemption list.
    let defs: Vec<Value> = t
        .policy_definitions
        .iter()
        .filter(|d| !d.builtin)
        .map(|d| {
            json!({
                "description": d.description.as_ref().map(|x| x.value.to_string()),
                "displayName": d.display_name.as_ref().map(|x| x.value.to_string()),
                "id": format!("/providers/Microsoft.Management/managementGroups/{tenant_id}/providers/Microsoft.Authorization/policyDefinitions/{}", d.name.value),
                "metadata": {"category": "General"},
                "mode": d.mode.as_ref().map_or("Indexed".into(), |m| m.value.to_string()),
                "name": d.name.value,
                "parameters": d.parameters.as_ref().map(|p| p.to_json()),
                "policyRule": d.policy_rule.to_json(),
                "policyType": "Custom",
                "type": "Microsoft.Authorization/policyDefinitions",
            })
        })
        .collect();
    write(dir, "policy-definitions.json", &Value::Array(defs));
    let assignment_id = |a: &canopy::model::PolicyAssignment| {
        let scope = azure_scope(t, a.scope);
        format!(
            "{}/providers/Microsoft.Authorization/policyAssignments/{}",
            if scope == "/" { "" } else { &scope },
            a.name.value
        )
    };
    let pas: Vec<Value> = t
        .policy_assignments
        .iter()
        .map(|a| {
            let d = &t.policy_definitions[a.policy.index()];
            let def_id = if d.builtin {
                format!("/providers/Microsoft.Authorization/policyDefinitions/{}", d.id.as_ref().map_or(d.name.value.to_string(), |i| i.value.to_string()))
            } else {
                format!("/providers/Microsoft.Management/managementGroups/{tenant_id}/providers/Microsoft.Authorization/policyDefinitions/{}", d.name.value)
            };
            let params: serde_json::Map<String, Value> = a
                .parameters
                .iter()
                .map(|(k, v)| (k.value.to_string(), json!({"value": v.to_json()})))
                .collect();
            json!({
                "description": a.description.as_ref().map(|x| x.value.to_string()),
                "displayName": a.display_name.as_ref().map(|x| x.value.to_string()),
                "enforcementMode": if a.enforced { "Default" } else { "DoNotEnforce" },
                "id": assignment_id(a),
                "identity": null,
                "location": null,
                "metadata": {"createdBy": "00000000-0000-0000-0000-000000000000"},
                "name": a.name.value,
                "nonComplianceMessages": null,
                "notScopes": a.not_scopes.iter().map(|(_, s)| azure_scope(t, *s)).collect::<Vec<_>>(),
                "parameters": params,
                "policyDefinitionId": def_id,
                "scope": azure_scope(t, a.scope),
                "type": "Microsoft.Authorization/policyAssignments",
            })
        })
        .collect();
    write(dir, "policy-assignments.json", &Value::Array(pas));
    let exs: Vec<Value> = t
        .policy_exemptions
        .iter()
        .map(|e| {
            let scope = azure_scope(t, e.scope);
            json!({
                "description": e.description.as_ref().map(|x| x.value.to_string()),
                "displayName": e.display_name.as_ref().map(|x| x.value.to_string()),
                "exemptionCategory": e.category.value,
                "expiresOn": e.expires_on.as_ref().map(|x| x.value.to_string()),
                "id": format!("{scope}/providers/Microsoft.Authorization/policyExemptions/{}", e.name.value),
                "metadata": null,
                "name": e.name.value,
                "policyAssignmentId": assignment_id(&t.policy_assignments[e.policy_assignment.index()]),
                "policyDefinitionReferenceIds": [],
                "type": "Microsoft.Authorization/policyExemptions",
            })
        })
        .collect();
    write(dir, "policy-exemptions.json", &Value::Array(exs));
}

/// Rewrites the CLI exports in `cli` (as [`export`] names them) as the `az graph query`
/// pages of the same facts, `page` rows to a page, into `out`. The `az ad` exports have no
/// Resource Graph table and are copied. Rows follow Resource Graph's shapes: `type` in
/// lowercase, `properties` nested, role assignments without `roleDefinitionName` and
/// `principalName`, each object once.
pub fn to_graph(cli: &Path, out: &Path, page: usize) {
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(cli.join(name)).unwrap()).unwrap()
    };
    let tenant = read("hierarchy.json")["tenantId"].clone();
    let mut tables: std::collections::BTreeMap<&str, std::collections::BTreeMap<String, Value>> =
        Default::default();
    let mut add = |table: &'static str, row: Value| {
        let id = row["id"].as_str().unwrap().to_ascii_lowercase();
        tables.entry(table).or_default().insert(id, row);
    };
    // An ARM object as Resource Graph holds it: what is not id, name or type nested in
    // `properties`, the type lowercased.
    let arm = |o: &Value, drop: &[&str]| -> Value {
        let o = o.as_object().unwrap();
        let mut props = serde_json::Map::new();
        for (k, v) in o {
            if !["id", "name", "type"].contains(&k.as_str()) && !drop.contains(&k.as_str()) {
                props.insert(k.clone(), v.clone());
            }
        }
        json!({
            "id": o["id"],
            "name": o["name"],
            "type": o["type"].as_str().unwrap().to_ascii_lowercase(),
            "tenantId": tenant,
            "properties": props,
        })
    };
    let names: std::collections::BTreeMap<String, String> = read("accounts.json")
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The hierarchy: each group with its parent, each subscription with its ancestors.
    let mut stack = vec![(read("hierarchy.json"), Vec::<(String, String)>::new())];
    while let Some((n, ancestors)) = stack.pop() {
        let name = n["name"].as_str().unwrap().to_string();
        let display = n["displayName"].as_str().unwrap_or(&name).to_string();
        let chain: Vec<Value> = ancestors
            .iter()
            .rev()
            .map(|(n, d)| json!({"name": n, "displayName": d}))
            .collect();
        if n["type"] == "/subscriptions" {
            add(
                "resourcecontainers",
                json!({
                    "id": format!("/subscriptions/{name}"),
                    "name": names[&name],
                    "type": "microsoft.resources/subscriptions",
                    "tenantId": tenant,
                    "subscriptionId": name,
                    "resourceGroup": "",
                    "properties": {"managementGroupAncestorsChain": chain, "state": "Enabled"},
                    "tags": {},
                }),
            );
            continue;
        }
        let parent = ancestors
            .last()
            .map(|(p, d)| json!({"id": mg_id(p), "name": p, "displayName": d}));
        add(
            "resourcecontainers",
            json!({
                "id": mg_id(&name),
                "name": name,
                "type": "microsoft.management/managementgroups",
                "tenantId": tenant,
                "properties": {"displayName": display, "tenantId": tenant,
                    "details": {"parent": parent, "managementGroupAncestorsChain": chain}},
            }),
        );
        let mut below = ancestors.clone();
        below.push((name, display));
        for c in n["children"].as_array().into_iter().flatten() {
            stack.push((c.clone(), below.clone()));
        }
    }
    for entry in std::fs::read_dir(cli).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let v = read(&file);
        let rows = || v.as_array().unwrap().iter();
        if file.starts_with("groups-") {
            for g in rows() {
                let mut r = arm(g, &["location", "tags", "managedBy"]);
                r["location"] = g["location"].clone();
                r["tags"] = g["tags"].clone();
                r["subscriptionId"] = json!(g["id"].as_str().unwrap().split('/').nth(2));
                r["type"] = json!("microsoft.resources/subscriptions/resourcegroups");
                add("resourcecontainers", r);
            }
        } else if file.starts_with("resources-") {
            for x in rows() {
                add(
                    "resources",
                    json!({
                        "id": x["id"],
                        "name": x["name"],
                        "type": x["type"].as_str().unwrap().to_ascii_lowercase(),
                        "location": x["location"],
                        "resourceGroup": x["resourceGroup"],
                        "tags": x["tags"],
                        "properties": {},
                    }),
                );
            }
        } else if file == "roles.json" {
            for role in rows() {
                let mut r = arm(role, &["roleType"]);
                r["properties"]["type"] = role["roleType"].clone();
                add("authorizationresources", r);
            }
        } else if file.starts_with("role-assignments-") {
            for a in rows() {
                let r = arm(a, &["principalName", "roleDefinitionName"]);
                add("authorizationresources", r);
            }
        } else if file.starts_with("policy-") {
            for p in rows() {
                add("policyresources", arm(p, &[]));
            }
        } else if ["users.json", "groups.json", "service-principals.json"].contains(&file.as_str())
            || file.starts_with("members-")
        {
            std::fs::copy(cli.join(&file), out.join(&file)).unwrap();
        }
    }
    for (table, rows) in tables {
        let rows: Vec<Value> = rows.into_values().collect();
        let pages: Vec<&[Value]> = rows.chunks(page).collect();
        for (i, data) in pages.iter().enumerate() {
            let more = i + 1 < pages.len();
            write(
                out,
                &format!("graph-{table}-{i:03}.json"),
                &json!({
                    "count": data.len(),
                    "data": data,
                    "skip_token": if more { json!(format!("ew0KICAiJGlkIjogIjEiLA0K{i}")) } else { Value::Null },
                    "total_records": rows.len(),
                }),
            );
        }
    }
}
