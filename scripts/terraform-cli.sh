#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints the path of a Terraform CLI for tests, docs and example validation.
#
# Uses `terraform` from PATH when it is at least 1.5. Otherwise, or when AKSHYBRID_BUILD_TERRAFORM=1, it
# builds Terraform 1.5.7 (the newest release that builds with a plain `go install`) from the Go module proxy
# into the tools cache (see scripts/lib.sh) and prints that path. The build takes 4 to 9 minutes once (measured on
# 2 cores, more with a cold Go module cache) and is reused afterwards. Progress goes to stderr; stdout is only the path.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=1.5.7
min_minor=5 # Terraform 1.5 or newer

# usable reports whether $1 is a Terraform CLI of at least 1.$min_minor.
usable() {
	local out
	# The whole output, then its first line: piping into head could end the CLI with SIGPIPE, which pipefail
	# would report as a failure.
	out=$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null) || return 1
	out=${out%%$'\n'*}
	[[ $out =~ ^Terraform\ v([0-9]+)\.([0-9]+)\. ]] || return 1
	((BASH_REMATCH[1] > 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] >= min_minor)))
}

if [[ ${AKSHYBRID_BUILD_TERRAFORM:-0} != 1 ]] && found=$(command -v terraform) && usable "$found"; then
	printf '%s\n' "$found"
	exit 0
fi

dir="$(tools_dir)/terraform-$version"
bin="$dir/bin/terraform"

build() {
	usable "$bin" && return 0
	if [[ ${AKSHYBRID_BUILD_TERRAFORM:-0} == 1 ]]; then
		log "AKSHYBRID_BUILD_TERRAFORM=1: building Terraform $version from the Go module proxy into $dir (once)"
	else
		log "no Terraform >= 1.5 on PATH: building Terraform $version from the Go module proxy into $dir" \
			"(4 to 9 minutes, once; put any terraform >= 1.5 on PATH to skip this)"
	fi
	local tmp
	tmp=$(mktemp -d "$dir/tmp.XXXXXX")
	# The module is installed outside any work tree: -mod=mod lets go resolve what its go.mod leaves implicit.
	(cd "$tmp" && with_progress "Terraform $version" go_env GOFLAGS=-mod=mod GOBIN="$tmp" go install -trimpath \
		-ldflags='-s -w' "github.com/hashicorp/terraform@v$version")
	mkdir -p "$dir/bin"
	mv -f "$tmp/terraform" "$bin"
	rm -rf "$tmp"
	usable "$bin" || {
		log "the built $bin does not run"
		return 1
	}
}

with_lock "$dir" build build
printf '%s\n' "$bin"
