#!/usr/bin/env bash
# Exports what `canopy import` reads, with the Azure CLI, into one folder, one command per
# file, named as canopy expects (a group's member list as members-<group object ID>.json).
# Needs `az login` with read access (Reader at the tenant root group, and Directory readers
# for the `az ad` lists). Reads only; never changes anything in Azure.
#
#   scripts/export.sh ROOT_GROUP_ID OUT_DIR
#   canopy import OUT_DIR --out infra/azure
set -euo pipefail
root="${1:?usage: export.sh ROOT_GROUP_ID OUT_DIR}"
out="${2:?usage: export.sh ROOT_GROUP_ID OUT_DIR}"
mkdir -p "$out"
run() { local file="$1"; shift; echo "az $*  > $file" >&2; az "$@" --output json > "$out/$file"; }

run hierarchy.json account management-group show --name "$root" --expand --recurse
run accounts.json account list --all
run users.json ad user list
run groups.json ad group list
run service-principals.json ad sp list --all
run roles.json role definition list --custom-role-only true
run policy-definitions.json policy definition list --query "[?policyType=='Custom']"
for g in $(az ad group list --query "[].id" --output tsv); do
  run "members-$g.json" ad group member list --group "$g"
done
for s in $(az account list --all --query "[].id" --output tsv); do
  run "groups-$s.json" group list --subscription "$s"
  run "resources-$s.json" resource list --subscription "$s"
  run "role-assignments-$s.json" role assignment list --all --subscription "$s"
  run "policy-assignments-$s.json" policy assignment list --scope "/subscriptions/$s" --disable-scope-strict-match
  run "policy-exemptions-$s.json" policy exemption list --subscription "$s" --disable-scope-strict-match
done
for m in $(az account management-group list --query "[].name" --output tsv); do
  scope="/providers/Microsoft.Management/managementGroups/$m"
  run "role-assignments-mg-$m.json" role assignment list --scope "$scope"
  run "policy-assignments-mg-$m.json" policy assignment list --scope "$scope"
done
