#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Produces the plan and output excerpts that the docs show, from a real run: examples/quickstart applied with a
# real Terraform CLI against the emulator, then planned with the emulated clock 61 days on. Writes
# examples/plans/*.txt, which templates/ include with tfplugindocs' codefile; `make docs` runs it and
# `make docs-check` fails when the committed excerpts differ from a fresh run.
#
# The excerpts come from Terraform $version exactly (the CLI's wording differs between releases; 1.5.7, for
# example, prints "# forces replacement" twice), built once by scripts/terraform-current.sh. So that they do not
# change every day, every timestamp is moved to the same distance from a fixed start day, 2027-03-01T08:00:00Z, as
# it had from the start of the run (rounded to the hour: a run takes seconds, every lifetime is whole hours).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

version=1.14.9
tf=$(AKSHYBRID_TERRAFORM_EXACT=1 scripts/terraform-current.sh "$version")
out=examples/plans
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/bin/terraform-provider-akshybrid" .
cat >"$tmp/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/akshybrid/akshybrid" = "$tmp/bin"
  }
  direct {}
}
TFRC
mkdir -p "$tmp/work"
cp examples/quickstart/*.tf "$tmp/work/"
export TF_CLI_CONFIG_FILE="$tmp/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
export AKSHYBRID_EMULATOR_STATE_PATH="$tmp/emulator.db" AKSHYBRID_EMULATOR_TIME_OFFSET=0h
unset TF_LOG AKSHYBRID_EMULATOR_WORKLOAD_CLUSTERS AKSHYBRID_SSH_HOST AKSHYBRID_LOCAL_POWERSHELL
cli() { "$tf" -chdir="$tmp/work" "$@" -no-color 2>"$tmp/stderr" || { cat "$tmp/stderr" >&2; return 1; }; }

start=$(date -u +%s)
cli apply -auto-approve -input=false >/dev/null
cli output >"$tmp/day0-outputs.txt"
AKSHYBRID_EMULATOR_TIME_OFFSET=1464h cli plan -input=false >"$tmp/day61-plan.txt"

# shift FILE: rewrites every RFC 3339 UTC timestamp as described above.
fixed=$(date -u -d 2027-03-01T08:00:00Z +%s)
shift_times() {
	local file=$1 ts epoch hours new
	for ts in $(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z' "$file" | sort -u); do
		epoch=$(date -u -d "$ts" +%s)
		hours=$(((epoch - start + 1800) / 3600))
		new=$(date -u -d "@$((fixed + hours * 3600))" +%Y-%m-%dT%H:%M:%SZ)
		sed -i "s/$ts/@@$new@@/g" "$file"
	done
	sed -i 's/@@//g' "$file"
}

mkdir -p "$out"
# The outputs after day 0, and the whole plan of day 61 from its first resource to its summary line.
shift_times "$tmp/day0-outputs.txt"
cp "$tmp/day0-outputs.txt" "$out/quickstart-day0-outputs.txt"
shift_times "$tmp/day61-plan.txt"
awk '/^  # / { on = 1 } on { print } /^Plan: / { exit }' "$tmp/day61-plan.txt" >"$out/quickstart-day61-plan.txt"
# One resource's block each, for the resource pages.
for addr in akshybrid_management_certificates.this akshybrid_cluster_certificates.demo; do
	awk -v head="  # $addr must be replaced" '$0 == head { on = 1 } on { print } on && /^    }$/ { exit }' \
		"$tmp/day61-plan.txt" >"$out/${addr%%.*}-replace.txt"
	[[ -s "$out/${addr%%.*}-replace.txt" ]] || {
		echo "plan-excerpts: the day-61 plan does not replace $addr:" >&2
		cat "$tmp/day61-plan.txt" >&2
		exit 1
	}
done
echo "plan-excerpts: $out/ from a real run of Terraform $version"
