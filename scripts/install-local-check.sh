#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Proves the two ways of using a local build that the README documents, with a real CLI, offline:
#
#   scripts/install-local-check.sh terraform|opentofu
#
# 1. `make install-local` into a fresh HOME, then `init`, `apply` and an empty `plan` of examples/quickstart,
#    copied unchanged, with no CLI configuration at all (the implied ~/.terraform.d/plugins mirror);
# 2. a dev_overrides CLI configuration pointing at a build, then `plan` without `init`.
#
# Every network access of the CLI fails on purpose (HTTPS_PROXY points at a closed port), so a registry lookup
# cannot succeed by accident.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

cli=${1:?usage: install-local-check.sh terraform|opentofu}
case $cli in
terraform) tf=$(scripts/terraform-cli.sh) ;;
opentofu) tf=$(scripts/opentofu-cli.sh) ;;
*)
	echo "install-local-check: unknown CLI '$cli'" >&2
	exit 2
	;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/quickstart" "$tmp/overrides"
: >"$tmp/empty.tfrc"
cp examples/quickstart/*.tf "$tmp/quickstart/"

# The fresh HOME is for the CLIs; Go keeps its own caches where they were.
GOPATH=$(go env GOPATH) GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
export GOPATH GOCACHE GOMODCACHE
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_PLUGIN_CACHE_DIR TF_LOG AKSHYBRID_EMULATOR_STATE_PATH AKSHYBRID_EMULATOR_TIME_OFFSET
unset AKSHYBRID_EMULATOR_WORKLOAD_CLUSTERS AKSHYBRID_SSH_HOST AKSHYBRID_LOCAL_POWERSHELL

# For the CLI runs only (go build may still need the module proxy).
no_network=http://127.0.0.1:9

step() { printf 'install-local-check (%s): %s\n' "$cli" "$*"; }
run() {
	local out
	if ! out=$("$tf" "$@" -no-color 2>&1); then
		printf '%s\n' "$out" | sed 's/^/    /' >&2
		echo "install-local-check ($cli): '$* ' failed" >&2
		return 1
	fi
	printf '%s\n' "$out"
}

step "make install-local into a fresh HOME"
HOME="$tmp/home" make --no-print-directory install-local >/dev/null

step "init, apply and plan examples/quickstart unchanged, with no CLI configuration"
(
	export HOME="$tmp/home" TF_CLI_CONFIG_FILE="$tmp/empty.tfrc" HTTPS_PROXY="$no_network" HTTP_PROXY="$no_network" NO_PROXY=
	cd "$tmp/quickstart"
	run init -input=false | grep -E 'Installing akshybrid/akshybrid|Installed akshybrid/akshybrid' | sed 's/^/    /'
	run apply -auto-approve -input=false | grep -E '^Apply complete' | sed 's/^/    /'
	set +e
	"$tf" plan -input=false -detailed-exitcode -no-color >"$tmp/plan.txt" 2>&1
	code=$?
	set -e
	if ((code != 0)); then
		sed 's/^/    /' "$tmp/plan.txt" >&2
		echo "install-local-check ($cli): the plan after apply is not empty (exit code $code)" >&2
		exit 1
	fi
	echo "    second plan: no changes"
)

step "dev_overrides: plan a build without init"
go build -o "$tmp/bin/terraform-provider-akshybrid" .
host=registry.terraform.io
[[ $cli == opentofu ]] && host=registry.opentofu.org
cat >"$tmp/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "$host/akshybrid/akshybrid" = "$tmp/bin"
  }
  direct {}
}
TFRC
cp examples/quickstart/*.tf "$tmp/overrides/"
(
	export HOME="$tmp/home" TF_CLI_CONFIG_FILE="$tmp/dev.tfrc" HTTPS_PROXY="$no_network" HTTP_PROXY="$no_network" NO_PROXY=
	cd "$tmp/overrides"
	run plan -input=false | grep -E '^Plan:' | sed 's/^/    /'
)
step "passed"
