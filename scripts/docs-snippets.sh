#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Checks what tfplugindocs cannot: that the generated docs/ can be copied from.
#
# 1. Every HCL block (```terraform, ```hcl, ```tf) in docs/ is either an excerpt of a configuration under examples/
#    (a .tf or .tfquery.hcl file, which `make validate-examples` validates: every line of the block appears in one
#    example file, in order) or
#    a complete configuration that `terraform validate` accepts against this build of the provider.
# 2. Every relative link in docs/ points at a file that exists, and no link points at the public registry's pages
#    for this provider (they do not exist before publication).
#
# Run by `make docs-check` after tfplugindocs. TF is the Terraform CLI to use (default scripts/terraform-cli.sh).
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

tf=${TF:-$(scripts/terraform-cli.sh)}
tmp=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$tmp"' EXIT
failed=0

# --- links -----------------------------------------------------------------------------------------------------
links=0
while IFS=: read -r file line target; do
	links=$((links + 1))
	case $target in
	*registry.terraform.io/providers/akshybrid/*)
		echo "FAIL  $file:$line: absolute registry link $target (use a relative link to the page under docs/)"
		failed=1
		continue
		;;
	http://* | https://* | mailto:* | \#*) continue ;;
	esac
	path=${target%%#*}
	if [[ ! -e "$(dirname "$file")/$path" ]]; then
		echo "FAIL  $file:$line: link to $target, which does not exist"
		failed=1
	fi
done < <(grep -rnoE '\]\([^) ]+\)' docs --include='*.md' | sed -E 's/^([^:]+):([0-9]+):\]\((.*)\)$/\1:\2:\3/')

# --- snippets --------------------------------------------------------------------------------------------------
# The text of every example configuration, whitespace-normalised per line, to recognise excerpts.
normalise() { sed -E 's/[[:space:]]+$//; s/^[[:space:]]+//; s/[[:space:]]+/ /g'; }
# Query files (*.tfquery.hcl) count too: make validate-examples validates them with the current Terraform's -query.
find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -print0 | sort -z | while IFS= read -r -d '' f; do
	normalise <"$f"
	printf '\n\x1e\n'
done >"$tmp/examples.txt"

# Split docs/ into one file per HCL block: $tmp/blocks/<n> with a header line "file:line".
mkdir -p "$tmp/blocks"
awk -v dir="$tmp/blocks" '
	FNR == 1 { inblock = 0 }
	!inblock && /^[[:space:]]*```(terraform|hcl|tf)[[:space:]]*$/ { inblock = 1; n++; out = dir "/" n; print FILENAME ":" FNR > out; next }
	inblock && /^[[:space:]]*```[[:space:]]*$/ { inblock = 0; close(out); next }
	inblock { print > out }
' $(find docs -name '*.md' | sort)

go build -o "$tmp/bin/terraform-provider-akshybrid" .
cat >"$tmp/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/akshybrid/akshybrid" = "$tmp/bin"
    "registry.terraform.io/hashicorp/akshybrid" = "$tmp/bin"
  }
  direct {}
}
TFRC

excerpts=0 complete=0
mapfile -t numbers < <(find "$tmp/blocks" -type f -printf '%f\n' | sort -n)
for n in "${numbers[@]}"; do
	block="$tmp/blocks/$n"
	where=$(head -n 1 "$block")
	tail -n +2 "$block" | normalise >"$block.body"
	# An excerpt: its lines appear in one example file, in the same order (lines may be left out in between, e.g.
	# optional arguments that do not matter to the point being made).
	if awk -v blockfile="$block.body" '
		BEGIN { while ((getline l < blockfile) > 0) if (l != "") want[++n] = l; RS = "\x1e" }
		{
			m = split($0, lines, "\n"); i = 1
			for (k = 1; k <= m && i <= n; k++) if (lines[k] == want[i]) i++
			if (i > n) found = 1
		}
		END { exit !found }
	' "$tmp/examples.txt"; then
		excerpts=$((excerpts + 1))
		continue
	fi
	work="$tmp/validate/${block##*/}"
	mkdir -p "$work"
	tail -n +2 "$block" >"$work/main.tf"
	if out=$(TF_CLI_CONFIG_FILE="$tmp/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 \
		"$tf" -chdir="$work" validate -no-color 2>&1); then
		complete=$((complete + 1))
	else
		echo "FAIL  $where: this HCL block is neither an excerpt of a configuration under examples/ nor valid on its own:"
		printf '%s\n' "$out" | sed 's/^/      /'
		failed=1
	fi
done

if ((failed)); then
	echo "docs-snippets: failed" >&2
	exit 1
fi
echo "docs-snippets: $links links checked; HCL blocks: $excerpts excerpts of validated examples, $complete complete configurations validated"
