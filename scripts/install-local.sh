#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Builds the provider and installs it into the local filesystem mirror that Terraform and OpenTofu search on their
# own, so that an unchanged configuration with
#
#   required_providers { akshybrid = { source = "akshybrid/akshybrid" } }
#
# runs `terraform init` (or `tofu init`) without a registry and without any CLI configuration:
#
#   ~/.terraform.d/plugins/registry.terraform.io/akshybrid/akshybrid/<version>/<os>_<arch>/   (Terraform)
#   ~/.terraform.d/plugins/registry.opentofu.org/akshybrid/akshybrid/<version>/<os>_<arch>/   (OpenTofu)
#
# Both CLIs treat ~/.terraform.d/plugins as an implied local mirror when the CLI configuration has no
# provider_installation block; a provider found there is never looked up in a registry. The version is the newest
# in CHANGELOG.md (AKSHYBRID_VERSION overrides it); AKSHYBRID_PLUGINS_DIR replaces ~/.terraform.d/plugins.
# Prints the installed paths.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

version=${AKSHYBRID_VERSION:-$(sed -n 's/^## \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' CHANGELOG.md | head -n 1)}
# A pre-release (1.0.0-dev) would be ignored by init unless the configuration asked for it exactly.
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
	echo "install-local: version '$version' is not MAJOR.MINOR.PATCH (set AKSHYBRID_VERSION)" >&2
	exit 2
}
plugins=${AKSHYBRID_PLUGINS_DIR:-$HOME/.terraform.d/plugins}
platform="$(go env GOOS)_$(go env GOARCH)"
binary="terraform-provider-akshybrid_v$version"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -trimpath -ldflags="-s -w -X main.version=$version" -o "$tmp/$binary" .

for registry in registry.terraform.io registry.opentofu.org; do
	dir="$plugins/$registry/akshybrid/akshybrid/$version/$platform"
	mkdir -p "$dir"
	install -m 0755 "$tmp/$binary" "$dir/$binary"
	echo "install-local: $dir/$binary"
done
