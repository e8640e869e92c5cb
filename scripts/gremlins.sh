#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints the path of gremlins (mutation testing for Go) at the version `make mutation` uses.
#
# Installs it with `go install` from the Go module proxy into the tools cache (see scripts/lib.sh) once and
# prints that path. Progress goes to stderr; stdout is only the path.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=0.6.0
dir="$(tools_dir)/gremlins-$version"
bin="$dir/bin/gremlins"

# A `go install`ed gremlins reports its version as "dev", so the version lives in the directory name only.
usable() {
	[[ -x $1 ]] && "$1" --help >/dev/null 2>&1
}

build() {
	usable "$bin" && return 0
	log "installing gremlins $version from the Go module proxy into $dir (about a minute, once)"
	local tmp
	tmp=$(mktemp -d "$dir/tmp.XXXXXX")
	(cd "$tmp" && go_env GOFLAGS=-mod=mod GOBIN="$tmp" go install "github.com/go-gremlins/gremlins/cmd/gremlins@v$version") >&2
	mkdir -p "$dir/bin"
	mv -f "$tmp/gremlins" "$bin"
	rm -rf "$tmp"
	usable "$bin" || {
		log "the installed $bin does not run"
		return 1
	}
}

with_lock "$dir" build build
printf '%s\n' "$bin"
