//! `canopy import`, end to end with the real binary.
//!
//! The round trip: [`export`] writes what the Azure CLI would print for the tenant of
//! `examples/contoso` (the command shapes are in `tests/exports/README.md`), `canopy
//! import` turns it back into a tree, and the imported tree must give the same effective
//! access and the same policy results as the original. What the CLI exports cannot carry is
//! left out of the comparison and said below: deny assignments (no `az` list command),
//! eligible PIM assignments (PIM schedules are a separate API), classic co-administrators.

use canopy::model::{RoleRef, ScopeId, ScopeKind, Tenant};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const AT: &str = "2026-11-25T00:00:00Z";

fn canopy(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_canopy"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("canopy runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("import")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn load(dir: &Path) -> canopy::Analysis {
    let options = canopy::Options {
        now: Some(AT.parse().unwrap()),
    };
    canopy::load_with(dir, &options).expect("tree loads")
}

/// A scope as Azure prints it: subscriptions by ID.
fn azure_scope(t: &Tenant, s: ScopeId) -> String {
    let path = t.scopes.path(s).to_string();
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
fn export(t: &Tenant, dir: &Path) {
    let tenant_id = t.mg(t.root().expect("one root")).name.value.clone();
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
                    "displayName": mg.display_name.as_ref().map_or(mg.name.value.clone(), |d| d.value.clone()),
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
                .map(|(k, v)| (k.value.clone(), json!(v.value)))
                .collect();
            groups.push(json!({
                "id": format!("/subscriptions/{sid}/resourceGroups/{}", rg.name.value),
                "location": rg.location.as_ref().map(|l| l.value.clone()),
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
                    .map(|(k, v)| (k.value.clone(), json!(v.value)))
                    .collect();
                resources.push(json!({
                    "changedTime": "2026-01-01T00:00:00Z",
                    "createdTime": "2025-01-01T00:00:00Z",
                    "extendedLocation": null,
                    "id": id,
                    "identity": null,
                    "kind": null,
                    "location": r.location.as_ref().map(|l| l.value.clone()),
                    "managedBy": null,
                    "name": r.name.value,
                    "plan": null,
                    "properties": null,
                    "provisioningState": "Succeeded",
                    "resourceGroup": rg.name.value,
                    "sku": null,
                    "tags": if tags.is_empty() { Value::Null } else { Value::Object(tags) },
                    "type": r.resource_type.value,
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
            .map_or(p.name.value.clone(), |d| d.value.clone());
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
        .map(|r| {
            let id = r.id.as_ref().map_or("11111111-2222-3333-4444-555555555555".to_string(), |i| i.value.clone());
            let texts = |v: &[canopy::source::Text]| v.iter().map(|t| t.value.clone()).collect::<Vec<_>>();
            json!({
                "assignableScopes": r.assignable_scopes.iter().map(|(s, id)| id.map_or(s.value.clone(), |id| azure_scope(t, id))).collect::<Vec<_>>(),
                "description": r.description.as_ref().map(|d| d.value.clone()),
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
                (
                    r.name.value.clone(),
                    r.id.as_ref()
                        .map_or("11111111-2222-3333-4444-555555555555".into(), |i| {
                            i.value.clone()
                        }),
                )
            }
        };
        let name = format!("00000000-0000-4000-8000-{i:012}");
        json!({
            "condition": a.condition.as_ref().map(|c| c.value.clone()),
            "conditionVersion": a.condition_version.as_ref().map(|c| c.value.clone()),
            "createdBy": null,
            "createdOn": "2025-01-01T00:00:00Z",
            "delegatedManagedIdentityResourceId": null,
            "description": a.description.as_ref().map(|d| d.value.clone()),
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
                "description": d.description.as_ref().map(|x| x.value.clone()),
                "displayName": d.display_name.as_ref().map(|x| x.value.clone()),
                "id": format!("/providers/Microsoft.Management/managementGroups/{tenant_id}/providers/Microsoft.Authorization/policyDefinitions/{}", d.name.value),
                "metadata": {"category": "General"},
                "mode": d.mode.as_ref().map_or("Indexed".into(), |m| m.value.clone()),
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
                format!("/providers/Microsoft.Authorization/policyDefinitions/{}", d.id.as_ref().map_or(d.name.value.clone(), |i| i.value.clone()))
            } else {
                format!("/providers/Microsoft.Management/managementGroups/{tenant_id}/providers/Microsoft.Authorization/policyDefinitions/{}", d.name.value)
            };
            let params: serde_json::Map<String, Value> = a
                .parameters
                .iter()
                .map(|(k, v)| (k.value.clone(), json!({"value": v.to_json()})))
                .collect();
            json!({
                "description": a.description.as_ref().map(|x| x.value.clone()),
                "displayName": a.display_name.as_ref().map(|x| x.value.clone()),
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
                "description": e.description.as_ref().map(|x| x.value.clone()),
                "displayName": e.display_name.as_ref().map(|x| x.value.clone()),
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

/// Every active grant: (principal, role, Azure scope), through groups, as `canopy access`
/// computes it.
fn grants(a: &canopy::Analysis) -> BTreeSet<(String, String, String)> {
    let t = &a.tenant;
    let access = canopy::access::Access::new(t, AT.parse().unwrap());
    let mut out = BTreeSet::new();
    for (i, p) in t.principals.iter().enumerate() {
        let (active, _) = access.grants_of(canopy::model::PrincipalId(i as u32));
        for g in active {
            if matches!(g.source, canopy::access::Source::CoAdministrator(_)) {
                continue;
            }
            out.insert((
                p.name.value.to_lowercase(),
                t.role_name(g.role).to_string(),
                azure_scope(t, g.scope).to_lowercase(),
            ));
        }
    }
    out
}

fn policy_results(a: &canopy::Analysis) -> BTreeSet<(String, String)> {
    a.findings
        .iter()
        .filter(|f| {
            matches!(
                f.code,
                canopy::diag::Code::PolicyViolation | canopy::diag::Code::PolicyAudit
            )
        })
        .map(|f| (f.code.to_string(), f.message.clone()))
        .collect()
}

#[test]
fn contoso_round_trips_through_its_exports() {
    let dir = scratch("round-trip");
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let original = load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/contoso"
    )));
    export(&original.tenant, &exports);
    let out = dir.join("tree");
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    let imported = load(&out);
    let problems: Vec<String> = imported
        .findings
        .iter()
        .filter(|f| {
            !matches!(
                f.code,
                canopy::diag::Code::PolicyAudit
                    | canopy::diag::Code::ExpiredExemption
                    | canopy::diag::Code::PolicyViolation
            )
        })
        .map(|f| format!("{}: {}", f.code, f.message))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}\n{}", stdout(&o));
    let (want, got) = (grants(&original), grants(&imported));
    assert!(
        want.len() > 25,
        "the comparison covers contoso's grants: {want:#?}"
    );
    assert_eq!(got, want);
    let want = policy_results(&original);
    assert!(!want.is_empty());
    assert_eq!(policy_results(&imported), want);
    // The import says what it read and left out.
    let summary = stdout(&o);
    assert!(
        summary
            .contains("read hierarchy.json: az account management-group show --expand --recurse"),
        "{summary}"
    );
    assert!(
        summary.contains("canopy import: 12 management groups, 9 subscriptions"),
        "{summary}"
    );

    // Determinism: the same exports give byte-identical files, and a re-import changes nothing.
    let again = dir.join("tree-again");
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let files = |d: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = walkdir::WalkDir::new(d)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path().strip_prefix(d).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(files(&out), files(&again));
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(stdout(&o).contains("wrote 0 files"), "{}", stdout(&o));
}

#[test]
fn a_reimport_never_touches_what_a_person_wrote() {
    let dir = scratch("reimport");
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let original = load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/contoso"
    )));
    export(&original.tenant, &exports);
    let out = dir.join("tree");
    // A folder of someone else's files is refused...
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.yaml"), "# mine\n").unwrap();
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    // ...unless forced; and the person's file stays as it was.
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.yaml")).unwrap(),
        "# mine\n"
    );
    // A file canopy no longer writes is removed; one a person took over is refused.
    let exemptions: Vec<PathBuf> = walkdir::WalkDir::new(out.join("policies/exemptions"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    assert!(!exemptions.is_empty());
    std::fs::write(exports.join("policy-exemptions.json"), "[]").unwrap();
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        stdout(&o).contains(&format!("{} removed", exemptions.len())),
        "{}",
        stdout(&o)
    );
    assert!(exemptions.iter().all(|e| !e.exists()));
    std::fs::write(out.join("principals/users.yaml"), "# taken over by hand\n").unwrap();
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never overwrites"));
}

#[test]
fn bad_exports_are_named_and_nothing_is_written() {
    let dir = scratch("bad");
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    std::fs::write(
        exports.join("a-not-json.json"),
        "Please run 'az login' to setup account.\n",
    )
    .unwrap();
    std::fs::write(
        exports.join("b-truncated.json"),
        "[{\"id\": \"x\",\n \"type\": ",
    )
    .unwrap();
    std::fs::write(exports.join("c-unknown.json"), "[{\"foo\": 1}]").unwrap();
    std::fs::write(exports.join("d-members.json"), "[{\"@odata.type\": \"#microsoft.graph.user\", \"id\": \"a3df7586-3892-4c70-8bd8-6aaa2ec98527\"}]").unwrap();
    std::fs::write(
        exports.join("e-two-tenants.json"),
        r#"[{"cloudName": "AzureCloud", "id": "11111111-1111-1111-1111-111111111111", "name": "a", "tenantId": "22222222-2222-2222-2222-222222222222"},
            {"cloudName": "AzureCloud", "id": "33333333-3333-3333-3333-333333333333", "name": "b", "tenantId": "44444444-4444-4444-4444-444444444444"}]"#,
    )
    .unwrap();
    std::fs::write(exports.join("f-scalar.json"), "42").unwrap();
    let out = dir.join("tree");
    let o = canopy(&[
        "import",
        exports.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let text = stdout(&o);
    for want in [
        "error: a-not-json.json at $: not JSON",
        "error: b-truncated.json at $: the file ends inside its JSON (line 2",
        "error: c-unknown.json at $: a list of objects of no shape canopy knows; accepted: az account management-group show",
        "error: d-members.json at $: a group's member list, but the file's name holds no group object ID",
        "the exports come from 2 tenants",
        "error: f-scalar.json at $: a number, not an export",
        "skipped: c-unknown.json at $[0]: an object of no shape canopy knows",
    ] {
        assert!(text.contains(want), "missing `{want}` in:\n{text}");
    }
    assert!(!out.exists(), "no partial tree is left behind");
}

#[test]
fn check_reports_drift_both_ways() {
    let dir = scratch("drift");
    let exports = dir.join("exports");
    std::fs::create_dir_all(&exports).unwrap();
    let original = load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/contoso"
    )));
    export(&original.tenant, &exports);
    let (e, tree) = (exports.to_str().unwrap(), "examples/contoso");
    // The exports of the tree itself: no drift (deny assignments and eligible assignments,
    // which no export carries, are not reported as missing from Azure).
    let o = canopy(&["import", "--check", e, tree, "--at", AT]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("Azure and the tree agree"),
        "{}",
        stdout(&o)
    );

    // In "Azure": someone gave Brock Owner on contoso-prod in the portal, and Brad's
    // reader on the test database was removed.
    let sub = "f08e60be-73d7-4dc3-b013-a1c745791741";
    let file = exports.join(format!("role-assignments-{sub}.json"));
    let mut list: Vec<Value> = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let before = list.len();
    list.retain(|a| {
        !(a["principalName"] == "brad.adams@contoso.com" && a["roleDefinitionName"] == "Reader")
    });
    assert_eq!(list.len(), before - 1);
    let mut owner = list[0].clone();
    owner["id"] = json!(format!(
        "/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/99999999-0000-4000-8000-000000000001"
    ));
    owner["principalId"] = json!("9930c05b-d081-4b47-9a07-7afed2fd8a35");
    owner["principalName"] = json!("brock@contoso.com");
    owner["principalType"] = json!("User");
    owner["roleDefinitionName"] = json!("Owner");
    owner["roleDefinitionId"] = json!(
        "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
    );
    owner["scope"] = json!(format!("/subscriptions/{sub}"));
    owner["condition"] = Value::Null;
    list.push(owner);
    std::fs::write(&file, serde_json::to_string_pretty(&list).unwrap()).unwrap();

    let o = canopy(&["import", "--check", e, tree, "--format", "json", "--at", AT]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["differs"], true);
    let s = &v["drift"]["summary"];
    assert_eq!(s["roleAssignmentChanges"], 2, "{s:#}");
    let gained = v["drift"]["access"]["gained"].to_string();
    let lost = v["drift"]["access"]["lost"].to_string();
    assert!(
        gained.contains("brock@contoso.com") && gained.contains("Owner"),
        "{gained}"
    );
    assert!(
        lost.contains("brad.adams@contoso.com") && lost.contains("Reader"),
        "{lost}"
    );
    let o = canopy(&[
        "import", "--check", e, tree, "--format", "markdown", "--at", AT,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).starts_with("### canopy: drift between Azure and the tree"),
        "{}",
        stdout(&o)
    );
    // Nothing was written anywhere.
    assert!(
        !Path::new(tree)
            .join("assignments/management-groups")
            .exists()
    );
}
