#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Wall time of `terraform plan` over 1 management + N cluster resources against the
# emulator, compared with the same plan over N+1 terraform_data resources (Terraform's
# in-process floor) and over N+1 resources of a do-nothing provider built on the same
# plugin framework (the floor of any out-of-process provider; scripts/bench/floorprovider).
# Usage: scripts/bench-plan.sh [N] [runs]
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

n=${1:-100}
runs=${2:-5}
tf=$(scripts/terraform-cli.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/akshybrid-bench.XXXXXX")
trap '[[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT

go build -o "$work/plugins/terraform-provider-akshybrid" .
go build -o "$work/plugins/terraform-provider-floor" ./scripts/bench/floorprovider
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/akshybrid/akshybrid" = "$work/plugins"
    "registry.terraform.io/akshybrid/floor" = "$work/plugins"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

mkdir -p "$work/akshybrid" "$work/terraform_data" "$work/floor"
{
	printf 'terraform {\n  required_providers {\n    akshybrid = { source = "akshybrid/akshybrid" }\n  }\n}\n'
	printf 'provider "akshybrid" {\n  emulator = {\n    state_path = "%s"\n    workload_clusters = [for i in range(%d) : format("c%%03d", i)]\n  }\n}\n' "$work/emulator.db" "$n"
	printf 'resource "akshybrid_management_certificates" "this" {}\n'
	printf 'resource "akshybrid_cluster_certificates" "c" {\n  for_each = toset([for i in range(%d) : format("c%%03d", i)])\n  cluster_name = each.value\n}\n' "$n"
} >"$work/akshybrid/main.tf"
printf 'resource "terraform_data" "r" {\n  count = %d\n  input = count.index\n}\n' "$((n + 1))" >"$work/terraform_data/main.tf"
printf 'terraform {\n  required_providers {\n    floor = { source = "akshybrid/floor" }\n  }\n}\nresource "floor_item" "r" {\n  count = %d\n  name = "c${count.index}"\n}\n' "$((n + 1))" >"$work/floor/main.tf"

median_plan() {
	local dir=$1 times=() start end
	"$tf" -chdir="$dir" apply -auto-approve -input=false -no-color >/dev/null 2>&1
	for ((i = 0; i < runs; i++)); do
		start=$(date +%s%N)
		"$tf" -chdir="$dir" plan -input=false -no-color -detailed-exitcode >/dev/null 2>&1 || {
			echo "plan in $dir was not empty or failed" >&2
			exit 1
		}
		end=$(date +%s%N)
		times+=($(((end - start) / 1000000)))
	done
	printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p"
}

ours=$(median_plan "$work/akshybrid")
builtin=$(median_plan "$work/terraform_data")
framework=$(median_plan "$work/floor")
printf 'terraform plan, median of %d runs (empty plans after apply)\n' "$runs"
printf '  1 management + %d cluster resources (akshybrid, emulator): %5d ms\n' "$n" "$ours"
printf '  %d terraform_data resources (built into Terraform):        %5d ms\n' "$((n + 1))" "$builtin"
printf '  %d resources of a do-nothing framework provider:           %5d ms\n' "$((n + 1))" "$framework"
awk -v a="$ours" -v b="$builtin" -v c="$framework" \
	'BEGIN { printf "  ratio to terraform_data: %.2f; ratio to the framework floor: %.2f\n", a / b, a / c }'
