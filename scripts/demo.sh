#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# The quick start, end to end against the embedded emulator (make demo):
#   1. apply examples/quickstart: the provider runs the first renewal and records expiry;
#   2. move the emulated clock 61 days forward: the plan replaces the due resources;
#   3. apply that plan: Update-AksHci*Certificates runs on the emulated deployment;
#   4. plan again: nothing left to do.
# Everything happens in a temporary directory; no network, no terraform init. KEEP=1 keeps that directory (the
# configuration, its state and the emulator file) for "Things to try next" in the quick start guide.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

heading() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

started=$SECONDS
tf=$(scripts/terraform-cli.sh)
work=$(mktemp -d "${TMPDIR:-/tmp}/akshybrid-demo.XXXXXX")
if [[ ${KEEP:-0} == 1 ]]; then
	trap 'printf "\ndemo: kept %s: cd %s/config, then export TF_CLI_CONFIG_FILE=%s/cli.tfrc AKSHYBRID_EMULATOR_STATE_PATH=%s/akshybrid-emulator.db AKSHYBRID_EMULATOR_TIME_OFFSET=1464h\n" "$work" "$work" "$work" "$work"' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi

heading "Building the provider"
with_progress "provider" go build -o "$work/plugins/terraform-provider-akshybrid" .
cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/akshybrid/akshybrid" = "$work/plugins"
  }
  direct {}
}
CFG
mkdir -p "$work/config"
cp examples/quickstart/*.tf "$work/config/"

export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export AKSHYBRID_EMULATOR_STATE_PATH="$work/akshybrid-emulator.db"
export AKSHYBRID_EMULATOR_TIME_OFFSET=0h
# dev_overrides makes Terraform print a warning box on every command; keep the story readable.
quiet() {
	"$tf" -chdir="$work/config" "$@" -no-color -compact-warnings 2>&1 |
		sed '/^Warnings:$/,/without -compact-warnings\.$/d'
}

heading "Day 0: terraform apply issues fresh 90-day credentials on an emulated AKS hybrid deployment"
quiet apply -auto-approve -input=false

heading "Day 61: the emulated clock jumps 61 days (AKSHYBRID_EMULATOR_TIME_OFFSET=1464h); terraform plan"
export AKSHYBRID_EMULATOR_TIME_OFFSET=1464h
quiet plan -input=false -out="$work/renew.tfplan"

heading "Day 61: terraform apply runs Update-AksHciCertificates and Update-AksHciClusterCertificates"
quiet apply -input=false "$work/renew.tfplan"

heading "Day 61: terraform plan again"
set +e
quiet plan -input=false -detailed-exitcode >"$work/last-plan.txt"
code=${PIPESTATUS[0]}
set -e
cat "$work/last-plan.txt"
if [[ $code -ne 0 ]] || ! grep -q "No changes" "$work/last-plan.txt"; then
	echo "demo: expected an empty plan after the renewal (exit code $code)" >&2
	exit 1
fi

heading "Done in $((SECONDS - started))s: renewal was planned when due, applied, and the plan is empty again"
