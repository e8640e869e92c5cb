#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Validates every Terraform configuration under examples/ against the provider built from this tree, offline.
#
# It builds the provider, writes a CLI configuration with dev_overrides that points Terraform at the built
# binary (so no `terraform init` and no registry are needed), runs `terraform validate` in each directory
# under examples/ that holds .tf files, then `terraform fmt -check -recursive examples/`.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

mapfile -t dirs < <(find examples \( -name '*.tf' -o -name '*.tfquery.hcl' \) -not -path '*/.terraform/*' -printf '%h\n' 2>/dev/null | sort -u)
if ((${#dirs[@]} == 0)); then
	# Genuinely nothing to check yet.
	echo "validate-examples: no examples/ with .tf files yet: nothing to validate"
	exit 0
fi

tf=$(scripts/terraform-cli.sh)
# Actions (examples/actions/) and list resources (*.tfquery.hcl) need Terraform 1.14 or later.
tf_current=$(scripts/terraform-current.sh)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/bin/terraform-provider-akshybrid" .

# The example that wires the ephemeral kubeconfig into the kubernetes provider needs that provider too.
kubernetes_override=""
if grep -rqs --include='*.tf' 'hashicorp/kubernetes' examples/; then
	kubernetes_override="    \"registry.terraform.io/hashicorp/kubernetes\" = \"$(scripts/kubernetes-provider.sh)\""
fi

# Snippets without a required_providers block (resource.tf, data-source.tf) resolve `akshybrid_*` to the
# implied hashicorp/akshybrid address, so both addresses point at the same build.
cat >"$tmp/dev.tfrc" <<TFRC
provider_installation {
  dev_overrides {
    "registry.terraform.io/akshybrid/akshybrid" = "$tmp/bin"
    "registry.terraform.io/hashicorp/akshybrid" = "$tmp/bin"
$kubernetes_override
  }
  direct {}
}
TFRC
export TF_CLI_CONFIG_FILE="$tmp/dev.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1

failed=0
for dir in "${dirs[@]}"; do
	if [[ $dir == examples/actions/* ]] || compgen -G "$dir/*.tfquery.hcl" >/dev/null; then
		cli=("$tf_current" -chdir="$dir" validate -query)
	elif grep -qsE '^(ephemeral|action) "' "$dir"/*.tf; then
		# Ephemeral resources need Terraform 1.10, which the oldest supported CLI (1.5.7, what terraform-cli.sh
		# builds on a machine without one) is not.
		cli=("$tf_current" -chdir="$dir" validate)
	else
		cli=("$tf" -chdir="$dir" validate)
	fi
	if out=$("${cli[@]}" -no-color 2>&1); then
		echo "ok    $dir"
	else
		echo "FAIL  $dir"
		printf '%s\n' "$out" | sed 's/^/      /'
		failed=1
	fi
done

if ! "$tf_current" fmt -check -diff -recursive examples/; then
	echo "validate-examples: examples/ is not formatted: run 'make fmt'" >&2
	failed=1
fi
if ((failed)); then
	echo "validate-examples: failed" >&2
	exit 1
fi
echo "validate-examples: ${#dirs[@]} directories valid and formatted"
