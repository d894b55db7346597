#!/usr/bin/env bash
# Exports what `canopy import` reads through Azure Resource Graph (`az graph query`), the
# faster source for a large tenant: one query per table instead of one list command per
# subscription and management group. Each page of up to 1,000 rows is its own file
# (graph-<table>-<page>.json); pages are fetched with --skip-token until Azure gives no
# token, and canopy checks that the pages of each query add up to its total_records.
# Resource Graph holds no Entra ID objects, so users, groups, service principals and group
# members still come from the `az ad` lists.
# Needs `az login` with read access at the tenant root group, Directory readers for the
# `az ad` lists, the resource-graph extension (`az extension add --name resource-graph`)
# and jq. Reads only; never changes anything in Azure.
#
#   scripts/export-graph.sh ROOT_GROUP_ID OUT_DIR
#   canopy import OUT_DIR --out infra/azure
set -euo pipefail
root="${1:?usage: export-graph.sh ROOT_GROUP_ID OUT_DIR}"
out="${2:?usage: export-graph.sh ROOT_GROUP_ID OUT_DIR}"
command -v jq >/dev/null || { echo "export-graph.sh needs jq" >&2; exit 2; }
mkdir -p "$out"
run() { local file="$1"; shift; echo "az $*  > $file" >&2; az "$@" --output json > "$out/$file"; }
# A query that fails part way stops the export: import only a folder this script finished.
trap 'echo "export-graph.sh: stopped before the end; the folder is incomplete, do not import it" >&2' ERR

run users.json ad user list
run groups.json ad group list
run service-principals.json ad sp list --all
for g in $(az ad group list --query "[].id" --output tsv); do
  run "members-$g.json" ad group member list --group "$g"
done

# One query per table, ordered by id so that pages are repeatable, over the whole tenant.
query() {
  local table="$1" kql="$2" page=0 token=""
  while :; do
    local file
    file=$(printf "graph-%s-%03d.json" "$table" "$page")
    if [ -z "$token" ]; then
      run "$file" graph query -q "$kql" --management-groups "$root" --first 1000
    else
      run "$file" graph query -q "$kql" --management-groups "$root" --first 1000 --skip-token "$token"
    fi
    token=$(jq -r '.skip_token // empty' "$out/$file")
    [ -n "$token" ] || break
    page=$((page + 1))
  done
}
query resourcecontainers "resourcecontainers | order by id asc"
query resources "resources | project id, name, type, location, resourceGroup, subscriptionId, tags | order by id asc"
query authorizationresources "authorizationresources
  | where type =~ 'microsoft.authorization/roleassignments'
      or (type =~ 'microsoft.authorization/roledefinitions' and tostring(properties.type) =~ 'CustomRole')
  | order by id asc"
query policyresources "policyresources
  | where type in~ ('microsoft.authorization/policyassignments', 'microsoft.authorization/policyexemptions')
      or (type =~ 'microsoft.authorization/policydefinitions' and tostring(properties.policyType) =~ 'Custom')
  | order by id asc"
