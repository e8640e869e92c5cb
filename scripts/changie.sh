#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints the path of changie (the changelog tool, https://changie.dev) at the version this repository's
# changelog is written with.
#
#   scripts/changie.sh            install when missing, print the path
#   scripts/changie.sh ARGS...    run changie with ARGS from the repository root, e.g. `scripts/changie.sh new`
#
# changie is not served by the Go module proxy, so it cannot be pinned in tools/go.mod. Its npm package ships the
# released binary of every platform inside the package (no install script, nothing downloaded at install time),
# so it is installed from npm, pinned, into the tools cache (scripts/lib.sh tools_dir) once, like
# scripts/psgrammar.sh. A `changie` on PATH is used when it is exactly this version.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

readonly CHANGIE_VERSION=1.26.0

usable() {
	local out
	out=$("$1" --version 2>/dev/null) || return 1
	[[ $out == "changie version v$CHANGIE_VERSION" ]]
}

platform() {
	local os arch
	case $(uname -s) in
	Linux) os=linux ;;
	Darwin) os=darwin ;;
	*) return 1 ;;
	esac
	case $(uname -m) in
	x86_64 | amd64) arch=x64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) return 1 ;;
	esac
	printf '%s-%s\n' "$os" "$arch"
}

dir="$(tools_dir)/changie-$CHANGIE_VERSION"

install() {
	usable "$dir/bin/changie" && return 0
	command -v npm >/dev/null 2>&1 || {
		log "npm is not installed (Debian: apt-get install npm); it installs changie $CHANGIE_VERSION"
		return 1
	}
	local target tmp
	target=$(platform) || {
		log "no changie binary in the npm package for $(uname -s) $(uname -m)"
		return 1
	}
	log "installing changie@$CHANGIE_VERSION from npm into $dir (once)"
	tmp=$(mktemp -d "$dir/tmp.XXXXXX")
	printf '{"private":true}\n' >"$tmp/package.json"
	(cd "$tmp" && npm install --ignore-scripts --no-audit --no-fund --silent "changie@$CHANGIE_VERSION" >&2)
	mkdir -p "$dir/bin"
	mv -f "$tmp/node_modules/changie/npm/dist/$target" "$dir/bin/changie"
	chmod 0755 "$dir/bin/changie"
	rm -rf "$tmp"
	usable "$dir/bin/changie" || {
		log "the installed $dir/bin/changie does not report version $CHANGIE_VERSION"
		return 1
	}
}

if found=$(command -v changie) && usable "$found"; then
	bin=$found
else
	mkdir -p "$dir"
	with_lock "$dir" install install
	bin=$dir/bin/changie
fi

if [[ $# -gt 0 ]]; then
	exec "$bin" "$@"
fi
printf '%s\n' "$bin"
