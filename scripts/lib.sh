# shellcheck shell=bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Shared helpers for the scripts in this directory. Source it; do not run it.
#
# Tools that cannot be assumed on a machine (a Terraform CLI, OpenTofu, golangci-lint) are built from the Go
# module proxy into a per-user cache outside the repository and reused from there on later runs.

# tools_dir prints the cache directory for built tools. AKSHYBRID_TOOLS_DIR overrides it.
tools_dir() {
	printf '%s\n' "${AKSHYBRID_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-akshybrid/tools}"
}

# log prints a progress line on stderr, so that stdout stays a single path for the caller.
log() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
}

# with_lock DIR NAME CMD...: runs CMD while holding DIR/NAME.lock when flock(1) is available, so that two
# processes sharing the cache do not build the same tool at the same time.
with_lock() {
	local dir=$1 name=$2
	shift 2
	mkdir -p "$dir"
	if command -v flock >/dev/null 2>&1; then
		(
			flock 9
			"$@"
		) 9>"$dir/$name.lock"
	else
		"$@"
	fi
}

# go_env runs a go command outside any module or workspace, with network-independent defaults that never
# try to download a different Go toolchain.
go_env() {
	env GOWORK=off GOTOOLCHAIN=local "$@"
}

# empty_cli_config prints the path of an empty Terraform CLI configuration file in the tools cache, creating
# it when missing. Tests and tools point TF_CLI_CONFIG_FILE at it so that neither a developer's own CLI
# configuration nor a variable naming a missing file (which OpenTofu reports on stdout) can change results.
empty_cli_config() {
	local dir file
	dir=$(tools_dir)
	file="$dir/empty.tfrc"
	mkdir -p "$dir"
	[[ -f $file && ! -s $file ]] || : >"$file"
	printf '%s\n' "$file"
}

# repo_root changes to the repository root (the parent of this directory).
repo_root() {
	cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
}

# acceptance_env CLI exports what terraform-plugin-testing needs to drive the CLI at path CLI: acceptance tests on,
# an empty CLI configuration, no checkpoint calls, and nothing from the caller's environment that would change results.
acceptance_env() {
	export TF_ACC=1
	export TF_ACC_TERRAFORM_PATH=$1
	TF_CLI_CONFIG_FILE=$(empty_cli_config)
	export TF_CLI_CONFIG_FILE
	export CHECKPOINT_DISABLE=1
	unset TF_ACC_TERRAFORM_VERSION TF_LOG TF_PLUGIN_CACHE_DIR
}

# with_progress LABEL CMD...: runs CMD (a go build or install), turning Go's one "go: downloading" line per
# module into a count every 50 modules and printing how long the build has run every 30 seconds, so that a
# cold build shows it is alive without hundreds of lines. Other output (errors) passes through unchanged, on
# stderr. Returns CMD's status.
with_progress() {
	local label=$1 start=$SECONDS status=0 ticker
	shift
	(
		while sleep 30 </dev/null >/dev/null 2>&1; do
			printf '%s: %s: still working, %dm%02ds so far\n' "${0##*/}" "$label" \
				$(((SECONDS - start) / 60)) $(((SECONDS - start) % 60)) >&2
		done
	) >/dev/null &
	ticker=$!
	"$@" 2>&1 >&2 | awk -v p="${0##*/}: $label" '
		/^go: downloading / { n++; if (n % 50 == 0) { printf "%s: %d modules downloaded\n", p, n; fflush() } next }
		{ print; fflush() }
		END { if (n % 50) printf "%s: %d modules downloaded\n", p, n }
	' >&2 || status=$? # with pipefail (every script sets it) this is CMD's status
	kill "$ticker" 2>/dev/null
	wait "$ticker" 2>/dev/null || true
	log "$label: finished in $(((SECONDS - start) / 60))m$(printf '%02d' $(((SECONDS - start) % 60)))s"
	return "$status"
}
