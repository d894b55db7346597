//! `kind: AccessRule` on the seeds' scenario (`examples/contoso`: Jill's team with its nested
//! contractors group, Brock, Brad, the Fabrikam guest, the deploy pipeline, the platform team,
//! the break-glass account and the deny assignment that protects production networking).
//! Each test adds one rules file to a copy of the tree and reads the `access-rule` findings.

use canopy::diag::Code;
use std::path::{Path, PathBuf};

const AT: &str = "2026-11-25T00:00:00Z";

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Contoso with its own rules replaced by `rules`; the `access-rule` findings, each as
/// "severity: message @ file:line".
fn findings_with(name: &str, rules: &str) -> Vec<String> {
    let dir: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("access-rules")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso"),
        &dir,
    );
    std::fs::write(dir.join("rules/access-rules.yaml"), rules).unwrap();
    let options = canopy::Options {
        now: Some(AT.parse().unwrap()),
    };
    let a = canopy::load_with(&dir, &options).expect("the tree loads");
    let others: Vec<_> = a
        .findings
        .iter()
        .filter(|f| {
            !matches!(
                f.code,
                Code::AccessRule | Code::PolicyAudit | Code::ExpiredExemption
            )
        })
        .map(|f| format!("{}: {}", f.code, f.message))
        .collect();
    assert!(others.is_empty(), "{others:#?}");
    a.findings
        .iter()
        .filter(|f| f.code == Code::AccessRule)
        .map(|f| {
            let file = a.files.get(f.primary.span.file);
            let line = file.line_col(f.primary.span.start).0;
            format!("{}: {} @ {}:{line}", f.severity, f.message, file.name)
        })
        .collect()
}

fn has(found: &[String], parts: &[&str]) -> bool {
    found.iter().any(|f| parts.iter().all(|p| f.contains(p)))
}

#[test]
fn contosos_own_rules_hold() {
    let rules = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso/rules/access-rules.yaml"),
    )
    .unwrap();
    assert_eq!(findings_with("own", &rules), Vec::<String>::new());
}

#[test]
fn deny_by_group_membership_follows_nested_groups_and_honours_exceptions() {
    let rule = |except: &str| {
        format!(
            "kind: AccessRule\nname: no-vm-writes-in-test\nexpect: deny\nprincipals: [{{memberOf: jill-team}}]\n{except}actions: [Microsoft.Compute/virtualMachines/write]\nscopes: [/subscriptions/contoso-prod/resourceGroups/Test]\n"
        )
    };
    let found = findings_with("member-of", &rule(""));
    // Jill and Omar directly in the team, Sam through jill-team-contractors.
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(has(
        &found,
        &[
            "user `jill.santos@contoso.com` can `Microsoft.Compute/virtualMachines/write`",
            "`Contributor` assigned at `/subscriptions/contoso-prod/resourceGroups/Test` through jill.santos@contoso.com → jill-team",
            "@ assignments/contoso-prod.yaml:"
        ]
    ));
    assert!(has(
        &found,
        &[
            "sam.rivera@contoso.com",
            "through sam.rivera@contoso.com → jill-team-contractors → jill-team"
        ]
    ));
    assert!(found.iter().all(|f| f.starts_with("error: ")));
    // An exception by name, and one by a nested group's membership.
    let found = findings_with(
        "member-of-except-name",
        &rule("except: [sam.rivera@contoso.com]\n"),
    );
    assert_eq!(found.len(), 2, "{found:#?}");
    assert!(!has(&found, &["sam.rivera"]));
    let found = findings_with(
        "member-of-except-group",
        &rule("except: [{memberOf: jill-team-contractors}, omar.haddad@contoso.com]\n"),
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(has(&found, &["jill.santos@contoso.com"]));
}

#[test]
fn deny_by_type_selects_guests_and_service_principals() {
    // The Fabrikam guest reads the storage account: reading breaks a read rule only.
    let found = findings_with(
        "guest",
        "kind: AccessRule\nname: guests-read-nothing-in-prod\nexpect: deny\nprincipals: [{type: Guest}]\nactions: [\"*/read\"]\nscopes: [/subscriptions/contoso-prod]\nseverity: warning\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(has(
        &found,
        &[
            "warning: guest `partner_fabrikam.com#EXT#@contoso.onmicrosoft.com` can `Microsoft.Storage/storageAccounts/",
            "/read` at `/subscriptions/contoso-prod/resourceGroups/Prod/providers/Microsoft.Storage/storageAccounts/stcontosoprod01`",
            "assigned at",
            "directly"
        ]
    ));
    // Service principals holding Contributor anywhere: the pipeline (twice: by its name's
    // assignment and by its subscription ID's) is the only one.
    let found = findings_with(
        "service-principals",
        "kind: AccessRule\nname: no-contributor-identities\nexpect: deny\nprincipals: [{type: ServicePrincipal}]\nroles: [Contributor]\nscopes: [\"/\"]\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(has(
        &found,
        &[
            "service principal `sp-deploy-pipeline` holds `Contributor` assigned at `/subscriptions/contoso-prod` directly"
        ]
    ));
}

#[test]
fn deny_assignments_remove_access_a_deny_rule_would_report() {
    // Contributor on the Test resource group grants network deletes, but the deny assignment
    // at contoso-prod takes them away from everyone but the pipeline.
    let rule = |who: &str| {
        format!(
            "kind: AccessRule\nname: no-network-deletes\nexpect: deny\nprincipals: [{who}]\nactions: [Microsoft.Network/*/delete]\nscopes: [/subscriptions/contoso-prod]\n"
        )
    };
    assert_eq!(
        findings_with("denied-users", &rule("{type: User}")),
        Vec::<String>::new()
    );
    let found = findings_with("denied-pipeline", &rule("{type: ServicePrincipal}"));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(has(
        &found,
        &["sp-deploy-pipeline", "can `Microsoft.Network/"]
    ));
}

#[test]
fn eligible_and_expired_assignments_break_no_deny_rule() {
    // Priya is only eligible for Owner at production (PIM); the platform team's Owner at
    // platform does not reach production.
    let found = findings_with(
        "eligible",
        "kind: AccessRule\nname: no-standing-owners-in-production\nexpect: deny\nprincipals: [{type: User}]\nexcept: [breakglass@contoso.onmicrosoft.com]\nroles: [Owner]\nscopes: [/providers/Microsoft.Management/managementGroups/production]\n",
    );
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn allow_rules_report_whoever_lacks_the_access() {
    let found = findings_with(
        "allow",
        "kind: AccessRule\nname: platform-keeps-role-assignments\nexpect: allow\nprincipals: [{memberOf: platform-team}]\nactions: [Microsoft.Authorization/roleAssignments/write]\nscopes: [/providers/Microsoft.Management/managementGroups/platform]\n---\nkind: AccessRule\nname: priya-owns-production\nexpect: allow\nprincipals: [priya.nair@contoso.com]\nroles: [Owner]\nscopes: [/providers/Microsoft.Management/managementGroups/production]\n---\nkind: AccessRule\nname: team-deletes-networks\nexpect: allow\nprincipals: [jill.santos@contoso.com, former.contractor@contoso.com, {type: Group, memberOf: platform-team}]\nactions: [Microsoft.Network/virtualNetworks/delete]\nscopes: [/subscriptions/contoso-prod/resourceGroups/Test]\n",
    );
    // Lee and Priya keep role-assignment writes on platform: nothing to say about them.
    assert!(
        !has(&found, &["platform-keeps-role-assignments"]),
        "{found:#?}"
    );
    // Priya is only eligible.
    assert!(has(
        &found,
        &[
            "user `priya.nair@contoso.com` does not hold `Owner` at `/providers/Microsoft.Management/managementGroups/production` (it is only eligible",
            "@ rules/access-rules.yaml:"
        ]
    ));
    // Jill's Contributor would allow it, but the deny assignment takes it away.
    assert!(has(
        &found,
        &[
            "user `jill.santos@contoso.com` cannot `Microsoft.Network/virtualNetworks/delete` at `/subscriptions/contoso-prod/resourceGroups/Test`"
        ]
    ));
    // A disabled account holds nothing; a selector that matches nobody is said to.
    assert!(has(
        &found,
        &["user `former.contractor@contoso.com` is disabled"]
    ));
    assert!(has(&found, &["this entry matches no principal"]));
    assert_eq!(found.len(), 4, "{found:#?}");
}

#[test]
fn allow_at_the_tenant_means_at_the_root_group() {
    let rule = "kind: AccessRule\nname: break-glass\nexpect: allow\nprincipals: [breakglass@contoso.onmicrosoft.com]\nroles: [Owner]\nactions: [\"*\"]\nscopes: [\"/\"]\n";
    // Owner at the root group: everything everywhere, except what the deny assignment on
    // contoso-prod takes from everyone but the pipeline, Owners included, as Azure does.
    let found = findings_with("tenant", rule);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(has(
        &found,
        &[
            "user `breakglass@contoso.onmicrosoft.com` cannot `Microsoft.Network/",
            "/delete` at `/subscriptions/contoso-prod`, below `/providers/Microsoft.Management/managementGroups/72f988bf-86f1-41af-91ab-2d7cd011db47`: a deny assignment removes it"
        ]
    ));
    // Lee holds Owner only on platform: not over the tenant.
    let found = findings_with(
        "tenant-lee",
        &rule.replace("breakglass@contoso.onmicrosoft.com", "lee.chen@contoso.com"),
    );
    assert!(
        has(
            &found,
            &[
                "user `lee.chen@contoso.com` does not hold `Owner` at `/providers/Microsoft.Management/managementGroups/72f988bf-86f1-41af-91ab-2d7cd011db47`"
            ]
        ),
        "{found:#?}"
    );
    assert!(
        has(&found, &["user `lee.chen@contoso.com` cannot `"]),
        "{found:#?}"
    );
}

#[test]
fn a_deny_in_one_rule_scope_leaves_the_access_in_another() {
    // The deny assignment on contoso-prod removes network deletes there; jill-team's
    // Contributor on sandbox still grants them, and the rule also covers sandbox.
    let found = findings_with(
        "two-scopes",
        "kind: AccessRule\nname: no-network-deletes\nexpect: deny\nprincipals: [jill.santos@contoso.com]\nactions: [Microsoft.Network/*/delete]\nscopes: [/subscriptions/contoso-prod, /providers/Microsoft.Management/managementGroups/sandbox]\n",
    );
    assert!(
        has(
            &found,
            &[
                "jill.santos@contoso.com",
                "can `Microsoft.Network/",
                "at `/providers/Microsoft.Management/managementGroups/sandbox`"
            ]
        ),
        "{found:#?}"
    );
    assert!(
        !has(&found, &["at `/subscriptions/contoso-prod"]),
        "{found:#?}"
    );
}

#[test]
fn a_deny_that_stops_at_its_scope_leaves_the_access_below() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("access-rules-stop");
    let _ = std::fs::remove_dir_all(&dir);
    copy(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contoso"),
        &dir,
    );
    let deny = dir.join("assignments/deny.yaml");
    let text = std::fs::read_to_string(&deny).unwrap();
    std::fs::write(
        &deny,
        text.replace("actions:\n", "doNotApplyToChildScopes: true\nactions:\n"),
    )
    .unwrap();
    let options = canopy::Options {
        now: Some(AT.parse().unwrap()),
    };
    std::fs::write(
        dir.join("rules/access-rules.yaml"),
        "kind: AccessRule\nname: no-network-deletes\nexpect: deny\nprincipals: [brock@contoso.com]\nactions: [Microsoft.Network/*/delete]\nscopes: [/subscriptions/contoso-prod]\n",
    )
    .unwrap();
    let a = canopy::load_with(&dir, &options).unwrap();
    let found: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.code == Code::AccessRule)
        .map(|f| f.message.as_str())
        .collect();
    // Brock's Contributor on the Prod resource group is below the deny's own scope.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].contains("at `/subscriptions/contoso-prod/resourceGroups/Prod"),
        "{found:#?}"
    );
}

#[test]
fn abac_conditions_are_said_and_never_count_as_keeping_access() {
    let blob = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read";
    let account = "/subscriptions/contoso-prod/resourceGroups/Prod/providers/Microsoft.Storage/storageAccounts/stcontosoprod01";
    let found = findings_with(
        "abac",
        &format!(
            "kind: AccessRule\nname: brad-reads-reports\nexpect: allow\nprincipals: [brad.adams@contoso.com]\ndataActions: [{blob}]\nscopes: [{account}]\n---\nkind: AccessRule\nname: nobody-reads-blobs\nexpect: deny\nprincipals: [brad.adams@contoso.com]\ndataActions: [{blob}]\nscopes: [{account}]\n"
        ),
    );
    assert!(
        has(
            &found,
            &["brad-reads-reports", "granted only under an ABAC condition"]
        ),
        "{found:#?}"
    );
    assert!(
        has(
            &found,
            &[
                "nobody-reads-blobs",
                "(under an ABAC condition canopy cannot evaluate)"
            ]
        ),
        "{found:#?}"
    );
    assert_eq!(found.len(), 2, "{found:#?}");
}

#[test]
fn an_entry_also_matched_by_an_earlier_one_still_matches() {
    let found = findings_with(
        "overlap",
        "kind: AccessRule\nname: everyone-reads-the-hierarchy\nexpect: allow\nprincipals: [{memberOf: platform-team}, lee.chen@contoso.com]\nroles: [Reader]\nscopes: [/providers/Microsoft.Management/managementGroups/contoso]\n",
    );
    assert_eq!(found, Vec::<String>::new());
}
