#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints the path of a directory holding web-tree-sitter and tree-sitter-powershell from npm, installing them
# on first use into the tools cache (scripts/lib.sh tools_dir), outside the repository. --ignore-scripts: the
# packages ship the grammar as WebAssembly, so no install script or native build is needed.
#
#   scripts/psgrammar.sh             install when missing, print the directory
#   scripts/psgrammar.sh FILE...     also parse each file with scripts/psgrammar/check.mjs; fail on any error
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

# Pinned so that a grammar change upstream cannot change results silently.
readonly WEB_TREE_SITTER_VERSION=0.25.10
readonly TREE_SITTER_POWERSHELL_VERSION=0.25.10

grammar_dir="$(tools_dir)/psgrammar-${WEB_TREE_SITTER_VERSION}-${TREE_SITTER_POWERSHELL_VERSION}"

install() {
	[[ -f $grammar_dir/node_modules/tree-sitter-powershell/tree-sitter-powershell.wasm ]] && return 0
	command -v npm >/dev/null 2>&1 || {
		log "npm is not installed"
		return 1
	}
	log "installing web-tree-sitter@$WEB_TREE_SITTER_VERSION and tree-sitter-powershell@$TREE_SITTER_POWERSHELL_VERSION into $grammar_dir"
	local tmp
	tmp=$(mktemp -d "$(dirname "$grammar_dir")/psgrammar.XXXXXX")
	printf '{"private":true}\n' >"$tmp/package.json"
	(cd "$tmp" && npm install --ignore-scripts --no-audit --no-fund --silent \
		"web-tree-sitter@$WEB_TREE_SITTER_VERSION" "tree-sitter-powershell@$TREE_SITTER_POWERSHELL_VERSION" >&2)
	rm -rf "$grammar_dir"
	mv "$tmp" "$grammar_dir"
}

mkdir -p "$(tools_dir)"
with_lock "$(tools_dir)" psgrammar install
if [[ $# -gt 0 ]]; then
	NODE_PATH="$grammar_dir/node_modules" node scripts/psgrammar/check.mjs "$grammar_dir/node_modules" "$@"
else
	printf '%s\n' "$grammar_dir"
fi
