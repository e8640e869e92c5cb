#!/usr/bin/env bash
# Copyright (c) The terraform-provider-akshybrid Authors
# SPDX-License-Identifier: MPL-2.0

# Checks that a release can be built: every target in .goreleaser.yml (linux, darwin and windows on amd64 and
# arm64) cross-compiles with CGO off, -trimpath and the release ldflags, into dist/.
#
# GoReleaser itself cannot be installed from the Go module proxy: every v2 release depends (through nfpm) on
# go.digitalxero.dev/go-msix, which the proxy refuses. When a `goreleaser` is on PATH anyway, its
# `goreleaser check` also validates .goreleaser.yml.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
repo_root

if command -v goreleaser >/dev/null 2>&1; then
	goreleaser check
	echo "release-check: goreleaser check passed"
else
	echo "release-check: no goreleaser on PATH: .goreleaser.yml not validated, cross builds only"
fi

rm -rf dist
for os in linux darwin windows; do
	for arch in amd64 arm64; do
		ext=""
		[[ $os == windows ]] && ext=.exe
		CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags="-s -w -X main.version=0.0.0-snapshot" \
			-o "dist/${os}_${arch}/terraform-provider-akshybrid_v0.0.0-snapshot$ext" .
		echo "ok    $os/$arch"
	done
done
echo "release-check: every release target builds (dist/)"
