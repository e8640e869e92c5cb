#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints the path of golangci-lint at the version this repository is linted with.
#
# Uses `golangci-lint` from PATH when it is exactly that version; otherwise installs it with `go install` from
# the Go module proxy into the tools cache (see scripts/lib.sh) once and prints that path. Progress goes to
# stderr; stdout is only the path.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=2.15.0

usable() {
	local out
	out=$("$1" version 2>/dev/null) || return 1
	[[ $out == *"version $version "* || $out == *"version v$version "* ]]
}

if found=$(command -v golangci-lint) && usable "$found"; then
	printf '%s\n' "$found"
	exit 0
fi

dir="$(tools_dir)/golangci-lint-$version"
bin="$dir/bin/golangci-lint"

build() {
	usable "$bin" && return 0
	log "installing golangci-lint $version from the Go module proxy into $dir (a couple of minutes, once)"
	local tmp
	tmp=$(mktemp -d "$dir/tmp.XXXXXX")
	(cd "$tmp" && with_progress "golangci-lint $version" go_env GOBIN="$tmp" go install \
		"github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v$version")
	mkdir -p "$dir/bin"
	mv -f "$tmp/golangci-lint" "$bin"
	rm -rf "$tmp"
	usable "$bin" || {
		log "the installed $bin does not report version $version"
		return 1
	}
}

with_lock "$dir" build build
printf '%s\n' "$bin"
