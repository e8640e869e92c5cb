#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# The copyright and license header of every source file the project writes (.copywrite.hcl says the same for
# HashiCorp's copywrite tool): two comment lines at the very top, after a #! line (or a ShellCheck shell directive) where there is one.
#
#   scripts/headers.sh           add the header to every source file that lacks it
#   scripts/headers.sh --check   fail, listing them, when a source file lacks it
#
# Source files: the Go files, the shell scripts (scripts/*.sh, .ci/run) and the JavaScript modules (*.mjs) that
# git tracks, or that are new and not ignored. Not headed: generated files (docs/, examples/plans/, Go files marked
# "Code generated ... DO NOT EDIT."), examples/ (its files are rendered into the documentation, as prose) and
# testdata/.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

readonly HOLDER="Copyright (c) The terraform-provider-akshybrid Authors"
readonly LICENSE_ID="SPDX-License-Identifier: MPL-2.0"

# sources prints the files that must carry the header, one a line.
sources() {
	git ls-files --cached --others --exclude-standard -- '*.go' '*.sh' '*.mjs' .ci/run |
		grep -Ev '(^|/)testdata/|^docs/|^examples/' |
		while IFS= read -r f; do
			[[ -f $f ]] || continue
			# A generated Go file says so (https://go.dev/s/generatedcode); its generator writes its header.
			grep -qm1 '^// Code generated .* DO NOT EDIT\.$' "$f" && continue
			printf '%s\n' "$f"
		done
}

# comment FILE prints the line-comment marker of FILE's language.
comment() {
	case $1 in
	*.go | *.mjs) printf '//' ;;
	*) printf '#' ;;
	esac
}

# keeps_first LINE succeeds for a first line that must stay first: a #! line, or a ShellCheck shell directive
# (which applies to the whole file only at its top).
keeps_first() {
	[[ $1 == '#!'* || $1 == '# shellcheck shell='* ]]
}

# has_header FILE succeeds when FILE starts with the header (after a line that stays first, if any).
has_header() {
	local c first start=1
	c=$(comment "$1")
	IFS= read -r first <"$1" || true
	keeps_first "$first" && start=2
	[[ $(sed -n "${start}p" "$1") == "$c $HOLDER" && $(sed -n "$((start + 1))p" "$1") == "$c $LICENSE_ID" ]]
}

# add_header FILE writes the header at the top of FILE, keeping a line that stays first. A blank line follows it, so
# that it never joins a Go package comment, a build constraint or a script's own description.
add_header() {
	local c first tmp
	c=$(comment "$1")
	tmp=$(mktemp "$1.XXXXXX")
	IFS= read -r first <"$1" || true
	{
		if keeps_first "$first"; then
			printf '%s\n' "$first"
			printf '%s %s\n%s %s\n\n' "$c" "$HOLDER" "$c" "$LICENSE_ID"
			tail -n +2 "$1"
		else
			printf '%s %s\n%s %s\n\n' "$c" "$HOLDER" "$c" "$LICENSE_ID"
			cat "$1"
		fi
	} >"$tmp"
	chmod --reference="$1" "$tmp"
	mv -f "$tmp" "$1"
}

missing=()
while IFS= read -r f; do
	has_header "$f" || missing+=("$f")
done < <(sources)

case ${1:-} in
--check)
	if ((${#missing[@]} > 0)); then
		printf '%s\n' "${missing[@]}" >&2
		echo "headers: ${#missing[@]} source file(s) above lack the header '$HOLDER' / '$LICENSE_ID': run 'make headers'" >&2
		exit 1
	fi
	echo "headers: every source file has the license header"
	;;
"")
	for f in "${missing[@]}"; do
		add_header "$f"
		echo "headers: added to $f"
	done
	echo "headers: ${#missing[@]} file(s) changed"
	;;
*)
	echo "usage: scripts/headers.sh [--check]" >&2
	exit 2
	;;
esac
