// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Command terraform-provider-akshybrid serves the akshybrid Terraform provider, which
// plans and applies the renewal of AKS hybrid certificates and tokens.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/provider"
)

// version is set by goreleaser through ldflags.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers such as delve")
	flag.Parse()
	quietSDKLogs()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address:         "registry.terraform.io/akshybrid/akshybrid",
		Debug:           debug,
		ProtocolVersion: 6,
	})
	if err != nil {
		log.Fatal(err)
	}
}

// quietSDKLogs stops the plugin SDK from formatting trace logs that Terraform throws
// away. Without any TF_LOG* setting Terraform discards every provider log line, yet the
// SDK formats one JSON line per request step, which was a quarter of the provider's CPU
// time in a 101-resource plan. Any TF_LOG* variable leaves logging exactly as upstream.
func quietSDKLogs() {
	for _, kv := range os.Environ() {
		if len(kv) >= 6 && kv[:6] == "TF_LOG" && kv[len(kv)-1] != '=' {
			return
		}
	}
	for _, env := range []string{"TF_LOG_SDK", "TF_LOG_SDK_PROTO", "TF_LOG_SDK_FRAMEWORK"} {
		_ = os.Setenv(env, "off")
	}
}
