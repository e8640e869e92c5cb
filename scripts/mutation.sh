#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Mutation testing with gremlins: changes one operator at a time in the code under test and checks that some test
# fails. Prints each package's test efficacy (killed / (killed + lived)) and fails when one is below its threshold.
#
#   scripts/mutation.sh          every package below
#   scripts/mutation.sh --fast   akshci and the provider's renewal logic only (a few minutes)
#   scripts/mutation.sh internal/emulator [internal/akshci ...]   only the named packages of the list below
#
# gremlins runs a package's whole test suite once per mutant, so the slowest tests decide the run time. Two kinds of
# tests are skipped knowingly here (AKSHYBRID_TEST_SKIP, package internal/testing/prereq) and run in `make test`:
#   - the provider's acceptance tests (Terraform CLI, minutes per run): the provider's renewal logic is measured
#     with its unit tests (renewal_resource_unit_test.go and friends), which drive Create/ModifyPlan/Read/Update
#     directly against a scripted akshci.Host;
#   - the PowerShell grammar check (tree-sitter under node, most of a minute per run); the quoting it would catch is
#     also pinned by the fuzz tests' independent quote reader;
#   - internal/powershell's tests through sshd (seconds per run); the same scripts run through the local transport.
# Two slow emulator tests are left out with `go test -skip` (the last field of a target, below).
#
# A mutant that no test covers is reported as NOT COVERED and does not count towards efficacy; gremlins lists every
# mutant, so `grep LIVED` in the output shows the survivors.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

fast=false
only=()
for arg in "$@"; do
	case $arg in
	--fast) fast=true ;;
	-*)
		echo "mutation: unknown option $arg" >&2
		exit 2
		;;
	*) only+=("${arg#./}") ;;
	esac
done

gremlins=$(scripts/gremlins.sh)
# gremlins times each mutant's test run against the first, coverage-gathering run; a test result from Go's cache
# makes that run look instant and every mutant "time out". -count=1 makes the first run real.
base_goflags="${GOFLAGS:+$GOFLAGS }-count=1"
out_dir=${MUTATION_OUT:-$(mktemp -d)}
mkdir -p "$out_dir"

# package ; efficacy threshold (%) ; files excluded (regexp) ; tests skipped knowingly ; in --fast ; slow tests left out
# (';' separates the fields: the regexps use '|'). "Slow tests left out" is a `go test -skip` regexp for tests that
# run in `make test` but would multiply the run time by the number of mutants: the emulator's randomized corruption
# fuzz (320 damaged files) and its 800-day walk through two CA rotations. With them the emulator's ~530 mutants take
# 2-3 hours here; without them about half an hour. What they alone would kill is not counted in the figure.
targets=(
	"internal/akshci;90;;;yes"
	"internal/powershell;90;;psgrammar,sshd;no"
	"internal/transport;85;;;no"
	"internal/emulator;85;;;no;^(TestCorruptionFuzz|TestNoCertificateOutlivesItsCA)$"
	# The provider's renewal logic: the shared lifecycle (renewal_resource.go, renewal_run.go), what a real host adds
	# to the decision (real_host.go: probed cmdlets, unknown clusters, renew_every), the CA watch (ca_watch.go), the
	# three resources and the renew-now actions (actions.go). Provider configuration, host blocks, logging, validators, resource identity,
	# the data sources, the list resource and the ephemeral kubeconfig are left to the acceptance tests.
	"internal/provider;90;^(provider|provider_hosts|provider_data|provider_features|validators|cluster_identity|clusters_data_source|certificates_data_source|list_cluster_certificates|ephemeral_cluster_kubeconfig)\\.go$;acceptance,sshd;yes"
)

# A named package must be one of the targets, so that a typo does not pass as "nothing to measure".
for p in "${only[@]}"; do
	found=false
	for t in "${targets[@]}"; do
		[[ ${t%%;*} == "${p%/}" ]] && found=true
	done
	$found || {
		echo "mutation: $p is not one of the measured packages" >&2
		exit 2
	}
done

selected() {
	local p
	((${#only[@]} == 0)) && return 0
	for p in "${only[@]}"; do
		[[ ${p%/} == "$1" ]] && return 0
	done
	return 1
}

status=0
summary=()
for t in "${targets[@]}"; do
	IFS=';' read -r pkg threshold exclude skip in_fast slow <<<"$t"
	$fast && [[ $in_fast != yes ]] && continue
	selected "$pkg" || continue
	unset TF_ACC
	export AKSHYBRID_TEST_SKIP=$skip
	export GOFLAGS=$base_goflags
	[[ -n $slow ]] && GOFLAGS+=" -skip=$slow"
	args=(unleash "./$pkg" --workers 1 --timeout-coefficient 5 --threshold-efficacy "$threshold" --output "$out_dir/${pkg//\//_}.json")
	[[ -n $exclude ]] && args+=(--exclude-files "$exclude")
	echo "==> mutation: $pkg (threshold $threshold%)${slow:+, leaving out $slow}"
	start=$SECONDS
	log_file="$out_dir/${pkg//\//_}.log"
	rc=0
	"$gremlins" "${args[@]}" >"$log_file" 2>&1 || rc=$?
	grep -E 'LIVED|TIMED OUT' "$log_file" || true
	efficacy=$(sed -n 's/^Test efficacy: //p' "$log_file" | tail -n 1)
	counts=$(grep -E '^Killed:' "$log_file" | tail -n 1 || true)
	summary+=("$(printf '%-22s efficacy %-7s (threshold %s%%) %s  %ds' "$pkg" "${efficacy:-?}" "$threshold" "$counts" $((SECONDS - start)))")
	if ((rc != 0)) || [[ -z $efficacy ]]; then
		echo "mutation: $pkg failed (exit $rc); full output in $log_file" >&2
		tail -n 20 "$log_file" >&2
		status=1
	fi
done

echo "==> mutation summary"
printf '%s\n' "${summary[@]}"
exit "$status"
