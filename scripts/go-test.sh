#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Runs the Go tests, acceptance tests included, against a real Terraform or OpenTofu CLI.
#
#   scripts/go-test.sh terraform [go test flags...]   every package; -race on the domain, emulator and provider
#   scripts/go-test.sh terraform-current [flags...]   the same against a current Terraform (scripts/terraform-current.sh)
#   scripts/go-test.sh opentofu  [go test flags...]   only the packages whose tests drive a CLI
#                                                    (terraform-plugin-testing), against OpenTofu
#
# The CLI comes from scripts/terraform-cli.sh or scripts/opentofu-cli.sh (built once when missing).
# PKGS (default ./...) narrows the packages, e.g. PKGS=./internal/provider/... .
# TEST_TIMEOUT (default 20m) bounds each go test run. Extra arguments go to every go test run.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

cli=${1:?usage: go-test.sh terraform|terraform-current|opentofu [go test flags...]}
shift

# Packages whose data races matter most: the domain model, the emulator, which serialises concurrent
# provider operations over one state file, and the provider, whose inventory cache and renewal slot serve the
# ten resources Terraform plans and applies at once.
race_roots=(internal/akshci internal/emulator internal/provider)

case $cli in
terraform)
	tf=$(scripts/terraform-cli.sh)
	unset TF_ACC_PROVIDER_HOST
	;;
terraform-current)
	tf=$(scripts/terraform-current.sh)
	unset TF_ACC_PROVIDER_HOST
	;;
opentofu)
	tf=$(scripts/opentofu-cli.sh)
	export TF_ACC_PROVIDER_HOST=registry.opentofu.org
	;;
*)
	echo "go-test.sh: unknown CLI '$cli' (want terraform, terraform-current or opentofu)" >&2
	exit 2
	;;
esac

acceptance_env "$tf"

# The CLI's whole version output, then its first line (head could end the CLI with SIGPIPE, a failure under pipefail).
tf_version=$("$tf" version)
echo "go test: $(go version | cut -d' ' -f3), CLI $tf (${tf_version%%$'\n'*})"

read -r -a patterns <<<"${PKGS:-./...}"
all=$(go list "${patterns[@]}")
[[ -n $all ]] || {
	echo "go-test.sh: no Go packages found" >&2
	exit 1
}
flags=(-count=1 -timeout="${TEST_TIMEOUT:-20m}" "$@")

if [[ $cli == opentofu ]]; then
	# The packages whose tests import terraform-plugin-testing are the ones that run a CLI.
	mapfile -t acc < <(go list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' "${patterns[@]}" |
		awk '/ github.com\/hashicorp\/terraform-plugin-testing\// { print $1 }')
	if ((${#acc[@]} == 0)); then
		echo "go-test.sh: no package has acceptance tests (none imports terraform-plugin-testing)" >&2
		exit 1
	fi
	go test "${flags[@]}" "${acc[@]}"
	exit
fi

race=() rest=()
for pkg in $all; do
	in_race=false
	for root in "${race_roots[@]}"; do
		case $pkg in
		*/"$root" | */"$root"/*) in_race=true ;;
		esac
	done
	if $in_race; then race+=("$pkg"); else rest+=("$pkg"); fi
done

status=0
if ((${#race[@]})); then
	go test -race "${flags[@]}" "${race[@]}" || status=$?
fi
if ((${#rest[@]})); then
	go test "${flags[@]}" "${rest[@]}" || status=$?
fi
exit "$status"
