#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints a directory holding the hashicorp/kubernetes provider as `terraform-provider-kubernetes`, for a dev_overrides
# CLI configuration, so that `make validate-examples` can validate the example that wires the ephemeral kubeconfig
# into the kubernetes provider (examples/kubeconfig-kubernetes) without a registry.
#
# The provider is built once from the Go module proxy into the tools cache (see scripts/lib.sh). v1.13.4 is the
# newest release the proxy lists (its later tags are not served), and its go.mod replaces modules, so it cannot be
# built with `go install module@version`: the build goes through a throw-away wrapper module that repeats the
# replacements of that go.mod (except the two that point into its vendor directory, which the provider binary does
# not import) and moves vbom.ml/util, which the proxy no longer serves, to its new home github.com/fvbommel/util
# (same commit). Progress goes to stderr; stdout is only the directory.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=1.13.4
module=github.com/hashicorp/terraform-provider-kubernetes
dir="$(tools_dir)/terraform-provider-kubernetes-$version"
bin="$dir/bin/terraform-provider-kubernetes"

build() {
	[[ -x $bin ]] && return 0
	log "building the kubernetes provider $version from the Go module proxy into $dir (several minutes, once)"
	local src="$dir/src"
	rm -rf "$src"
	mkdir -p "$src"
	cd "$src"
	cat >go.mod <<MOD
module akshybrid.invalid/kubernetes-provider-build

go 1.15

require $module v$version

replace (
	github.com/go-openapi/spec => github.com/go-openapi/spec v0.19.5
	k8s.io/cli-runtime => k8s.io/cli-runtime v0.19.1
	k8s.io/client-go => k8s.io/client-go v0.19.1
	github.com/Azure/go-autorest/autorest => github.com/tombuildsstuff/go-autorest/autorest v0.10.1-0.20200416184303-d4e299a3c04a
	github.com/moby/term => github.com/moby/term v0.0.0-20200507123241-dbdd9cc6608d
	golang.org/x/sys => golang.org/x/sys v0.0.0-20200826173525-f9321e4c35a6
	vbom.ml/util => github.com/fvbommel/util v0.0.0-20160121211510-db5cfe13f5cc
)
MOD
	with_progress "kubernetes provider $version" go_env GOFLAGS=-mod=mod go build -trimpath -ldflags="-s -w" \
		-o "$src/terraform-provider-kubernetes" "$module"
	mkdir -p "$dir/bin"
	mv -f "$src/terraform-provider-kubernetes" "$bin"
	rm -rf "$src"
}

with_lock "$dir" build build
printf '%s\n' "$dir/bin"
