#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Generates docs/ from the provider schema, templates/ and examples/ with tfplugindocs, offline.
#
#   scripts/docs.sh           regenerate the inventory-script template, examples/plans/ (scripts/plan-excerpts.sh) and docs/
#   scripts/docs.sh --check   regenerate, validate, and fail when docs/ differs from what is committed
#
# tfplugindocs is pinned in tools/go.mod (a tool directive) and run from there, so the provider's go.mod names
# no tool. It needs a Terraform CLI on PATH to read the schema; scripts/terraform-current.sh provides one. It is
# never given --tf-version, which would download Terraform.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

check=false
[[ ${1:-} == --check ]] && check=true

if [[ ! -f main.go ]]; then
	# Genuinely nothing to document yet: there is no provider to read a schema from.
	echo "docs: no provider yet (no main.go): nothing to generate"
	exit 0
fi

# A current Terraform: only 1.14 and later report the schemas of actions and list resources, which tfplugindocs
# documents.
tf=$(scripts/terraform-current.sh)
PATH="$(dirname "$tf"):$PATH"
TF_CLI_CONFIG_FILE=$(empty_cli_config)
export PATH TF_CLI_CONFIG_FILE CHECKPOINT_DISABLE=1

run() {
	local out
	if ! out=$(go tool -modfile=tools/go.mod tfplugindocs "$@" 2>&1); then
		printf '%s\n' "$out" >&2
		return 1
	fi
}

# The inventory script page is generated from the script the provider sends.
go run ./internal/tools/inventorydoc templates/guides/inventory-script.md.tmpl
scripts/plan-excerpts.sh
run generate --provider-name akshybrid
echo "docs: generated docs/"
$check || exit 0

run validate --provider-name akshybrid
echo "docs: tfplugindocs validate passed"
TF=$tf scripts/docs-snippets.sh

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "docs-check: not a git work tree, cannot compare docs/ with what is committed" >&2
	exit 1
fi
untracked=$(git ls-files --others --exclude-standard -- docs/ templates/ examples/plans/)
if ! git diff --exit-code --stat -- docs/ templates/ examples/plans/ || [[ -n $untracked ]]; then
	[[ -z $untracked ]] || printf 'new, not committed:\n%s\n' "$untracked"
	echo "docs-check: docs/, templates/ or examples/plans/ is out of date with the schema, templates/, examples/, the inventory script or the provider's behaviour: run 'make docs' and commit them" >&2
	exit 1
fi
echo "docs-check: docs/ is up to date"
