// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package tools holds the generators of this repository. Its go.mod, apart from the provider's, pins them with
// tool directives (tfplugindocs), so the provider's go.mod names no tool and upgrading a generator never moves a
// dependency of the provider. `make generate` runs the directives below (`go generate ./...` in this directory);
// `make fmt` and `make docs` run the same scripts one at a time.
//
// The tools that generate nothing are pinned in their scripts and built into the tools cache (scripts/lib.sh):
// golangci-lint (scripts/golangci-lint.sh), gremlins (scripts/gremlins.sh), the Terraform and OpenTofu CLIs
// (scripts/terraform-cli.sh, scripts/terraform-current.sh, scripts/opentofu-cli.sh) and changie
// (scripts/changie.sh: the Go module proxy does not serve it, so it comes from npm).
package tools

// Format the examples, which the documentation renders.
//go:generate ../scripts/fmt-examples.sh

// Generate docs/: the inventory-script page, the plan excerpts of examples/plans/, then tfplugindocs.
//go:generate ../scripts/docs.sh
