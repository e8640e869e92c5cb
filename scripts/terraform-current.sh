#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Prints the path of a current Terraform CLI (default 1.14.9), for the acceptance tests that must run against
# a recent release and for features that need one (actions and `terraform query` need 1.14).
#
#   scripts/terraform-current.sh [VERSION]     e.g. scripts/terraform-current.sh 1.16.3
#
# Uses `terraform` from PATH when it is at least VERSION's minor release (1.14 for 1.14.9), unless
# AKSHYBRID_BUILD_TERRAFORM=1. Otherwise it builds VERSION from the Go module proxy into the tools cache (see
# scripts/lib.sh), once, and prints that path. Progress goes to stderr; stdout is only the path.
#
# Terraform ≥ 1.6 cannot be built with `go install module@version`: its go.mod replaces ten nested modules
# (nine state-storage backends and internal/legacy) by local directories, and the proxy refuses those modules.
# So the build goes through a throw-away wrapper module that requires Terraform and replaces each nested module
# by a local stub of the same path. A stubbed backend answers every call with "not available in this build";
# the local, http, inmem, remote and cloud backends, which the tests use, are Terraform's own and unaffected.
# (Recipe and measurements: shared research notes, offline-toolchain.md.)
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version=${1:-1.14.9}
module=github.com/hashicorp/terraform
[[ $version =~ ^1\.([0-9]+)\.[0-9]+$ ]] || {
	log "want a Terraform release 1.x.y, got '$version'"
	exit 2
}
want_minor=${BASH_REMATCH[1]}

# usable reports whether $1 is a Terraform CLI of at least 1.$2 (exactly $version when $2 is empty).
usable() {
	local out
	# The whole output, then its first line (head could end the CLI with SIGPIPE, a failure under pipefail).
	out=$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$1" version 2>/dev/null) || return 1
	out=${out%%$'\n'*}
	if [[ -z ${2:-} ]]; then
		[[ $out == "Terraform v$version" ]]
		return
	fi
	[[ $out =~ ^Terraform\ v([0-9]+)\.([0-9]+)\. ]] || return 1
	((BASH_REMATCH[1] > 1 || (BASH_REMATCH[1] == 1 && BASH_REMATCH[2] >= $2)))
}

# AKSHYBRID_TERRAFORM_EXACT=1 accepts only exactly VERSION from PATH (for output that must not vary).
want=$want_minor
[[ ${AKSHYBRID_TERRAFORM_EXACT:-0} == 1 ]] && want=""
if [[ ${AKSHYBRID_BUILD_TERRAFORM:-0} != 1 ]] && found=$(command -v terraform) && usable "$found" "$want"; then
	printf '%s\n' "$found"
	exit 0
fi

dir="$(tools_dir)/terraform-$version"
bin="$dir/bin/terraform"

# The nested modules Terraform's go.mod replaces by local directories: the same ten, with the same Backend interface,
# in 1.14.9 (built and tested here) and 1.16.3 (go.mod and interface read, not built).
backends=(azure consul cos gcs kubernetes oci oss pg s3)

# write_stubs DIR writes one stub module per nested module under DIR.
write_stubs() {
	local root=$1 name
	for name in "${backends[@]}"; do
		mkdir -p "$root/$name"
		printf 'module %s/internal/backend/remote-state/%s\n\ngo 1.25\n' "$module" "$name" >"$root/$name/go.mod"
		cat >"$root/$name/stub.go" <<EOF
// Package $name stands in for Terraform's $name state backend, whose module the Go module proxy does not
// serve. Every operation reports that the backend is not part of this build.
package $name

import (
	"github.com/hashicorp/terraform/internal/backend"
	"github.com/hashicorp/terraform/internal/configs/configschema"
	"github.com/hashicorp/terraform/internal/states/statemgr"
	"github.com/hashicorp/terraform/internal/tfdiags"
	"github.com/zclconf/go-cty/cty"
)

type unavailable struct{}

// New returns the stand-in backend.
func New() backend.Backend { return unavailable{} }

func diags() tfdiags.Diagnostics {
	var d tfdiags.Diagnostics
	return d.Append(tfdiags.Sourceless(tfdiags.Error, "Backend not available",
		"The \"$name\" backend is not part of this Terraform build (built from the Go module proxy for tests)."))
}

func (unavailable) ConfigSchema() *configschema.Block                { return &configschema.Block{} }
func (unavailable) PrepareConfig(v cty.Value) (cty.Value, tfdiags.Diagnostics) { return v, diags() }
func (unavailable) Configure(cty.Value) tfdiags.Diagnostics          { return diags() }
func (unavailable) StateMgr(string) (statemgr.Full, tfdiags.Diagnostics) { return nil, diags() }
func (unavailable) DeleteWorkspace(string, bool) tfdiags.Diagnostics { return diags() }
func (unavailable) Workspaces() ([]string, tfdiags.Diagnostics)      { return nil, diags() }
EOF
	done
	mkdir -p "$root/legacy"
	printf 'module %s/internal/legacy\n\ngo 1.25\n' "$module" >"$root/legacy/go.mod"
}

build() {
	usable "$bin" && return 0
	log "building Terraform $version from the Go module proxy into $dir (4 to 8 minutes on 2 cores, once)"
	local src="$dir/src" name
	rm -rf "$src"
	mkdir -p "$src/stubs"
	write_stubs "$src/stubs"
	cd "$src"
	go_env go mod init akshybrid.invalid/terraform-build >/dev/null 2>&1
	# Terraform's own go.mod sets winsymlink=0; only the main module's godebug lines count.
	go_env go mod edit -require="$module@v$version" -godebug=winsymlink=0
	for name in "${backends[@]}"; do
		go_env go mod edit -replace="$module/internal/backend/remote-state/$name=./stubs/$name"
	done
	go_env go mod edit -replace="$module/internal/legacy=./stubs/legacy"
	# version.dev=no: report the release version, as HashiCorp's release builds do.
	with_progress "Terraform $version" go_env GOFLAGS=-mod=mod go build -trimpath \
		-ldflags="-s -w -X $module/version.dev=no" -o "$src/terraform" "$module"
	mkdir -p "$dir/bin"
	mv -f "$src/terraform" "$bin"
	usable "$bin" || {
		log "the built $bin does not report Terraform v$version"
		return 1
	}
	rm -rf "$src"
}

with_lock "$dir" build build
printf '%s\n' "$bin"
