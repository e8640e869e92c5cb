// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

func TestAccClustersDataSource_listsNames(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "web", "batch")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{{
			Config: env.config(`
data "akshybrid_clusters" "all" {}

resource "akshybrid_cluster_certificates" "each" {
  count        = length(data.akshybrid_clusters.all.names)
  cluster_name = data.akshybrid_clusters.all.names[count.index]
}
`),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue("data.akshybrid_clusters.all", tfjsonpath.New("names"),
					knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("batch"), knownvalue.StringExact("web")})),
				statecheck.ExpectKnownValue("akshybrid_cluster_certificates.each[1]", tfjsonpath.New("id"), knownvalue.StringExact("web")),
			},
		}},
	})
}
