#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Formats every Terraform configuration under examples/ (rendered into the documentation) with `terraform fmt`,
# using the Terraform CLI of scripts/terraform-cli.sh and an empty CLI configuration.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

[[ -d examples ]] || exit 0
TF_CLI_CONFIG_FILE=$(empty_cli_config) CHECKPOINT_DISABLE=1 "$(scripts/terraform-cli.sh)" fmt -recursive examples/ >/dev/null
