#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints the path of an OpenTofu CLI for running the acceptance tests against OpenTofu.
#
# Uses `tofu` from PATH when present, unless AKSHYBRID_BUILD_OPENTOFU=1. Otherwise it builds OpenTofu 1.12.6
# from the Go module proxy into the tools cache (see scripts/lib.sh) and prints that path. OpenTofu's go.mod
# has replace directives, which `go install module@version` refuses, so the build goes through a throw-away
# wrapper module that requires OpenTofu and repeats those replace lines. It takes several minutes once and is
# reused afterwards. Progress goes to stderr; stdout is only the path.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=1.12.6
module=github.com/opentofu/opentofu

usable() {
	local out
	# The whole output, then its first line (head could end the CLI with SIGPIPE, a failure under pipefail).
	out=$(TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null) || return 1
	out=${out%%$'\n'*}
	[[ $out == OpenTofu\ v* ]]
}

if [[ ${AKSHYBRID_BUILD_OPENTOFU:-0} != 1 ]] && found=$(command -v tofu) && usable "$found"; then
	printf '%s\n' "$found"
	exit 0
fi

dir="$(tools_dir)/opentofu-$version"
bin="$dir/bin/tofu"

build() {
	usable "$bin" && return 0
	log "building OpenTofu $version from the Go module proxy into $dir (several minutes, once)"
	local src="$dir/src" gomod replaces
	rm -rf "$src"
	mkdir -p "$src"
	cd "$src"

	# Read OpenTofu's own go.mod to repeat its module replacements (local-path ones cannot apply here).
	gomod=$(go_env go mod download -json "$module@v$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
	[[ -f $gomod ]] || {
		log "could not download $module@v$version"
		return 1
	}
	# Every "old [ver] => new ver" replacement, from single-line and block forms alike.
	replaces=$(awk '
		/^replace[ \t]*\(/ { block = 1; next }
		block && /^\)/ { block = 0; next }
		block { print; next }
		/^replace[ \t]/ { sub(/^replace[ \t]+/, ""); print }
	' "$gomod")

	go_env go mod init akshybrid.invalid/opentofu-build >/dev/null 2>&1
	go_env go mod edit -require="$module@v$version" -godebug=tlsmlkem=0 -godebug=winsymlink=0
	local -a words
	local w old new side
	while read -r -a words; do
		((${#words[@]})) || continue
		old="" new="" side=old
		for w in "${words[@]}"; do
			case $w in
			//*) break ;;
			'=>') side=new ;;
			*) if [[ $side == old ]]; then old+=${old:+@}$w; else new+=${new:+@}$w; fi ;;
			esac
		done
		# A replacement by a local directory of OpenTofu's own tree cannot apply outside it.
		[[ -n $old && -n $new && $new != ./* && $new != ../* ]] || continue
		go_env go mod edit -replace="$old=$new"
	done <<<"$replaces"

	# version.dev=no makes it report the release version (1.12.6) rather than a -dev build, as releases do.
	with_progress "OpenTofu $version" go_env GOFLAGS=-mod=mod go build -trimpath \
		-ldflags="-s -w -X $module/version.dev=no" -o "$src/tofu" "$module/cmd/tofu"
	mkdir -p "$dir/bin"
	mv -f "$src/tofu" "$bin"
	usable "$bin" || {
		log "the built $bin does not run"
		return 1
	}
}

with_lock "$dir" build build
printf '%s\n' "$bin"
