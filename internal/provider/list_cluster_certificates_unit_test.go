// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// listClusters runs the list resource's List as terraform query would, with the cluster
// resource's schemas, and collects every result.
func listClusters(t *testing.T, data *providerData, includeResource bool) []list.ListResult {
	t.Helper()
	ctx := context.Background()
	r, _ := NewClusterCertificatesResource().(*clusterCertificatesResource)
	var sresp resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sresp)
	var iresp resource.IdentitySchemaResponse
	r.IdentitySchema(ctx, resource.IdentitySchemaRequest{}, &iresp)
	l := &clusterCertificatesListResource{data: data}
	var cresp list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &cresp)
	cfgType := cresp.Schema.Type().TerraformType(ctx)
	req := list.ListRequest{
		Config:                 tfsdk.Config{Schema: cresp.Schema, Raw: tftypes.NewValue(cfgType, nil)},
		IncludeResource:        includeResource,
		ResourceSchema:         sresp.Schema,
		ResourceIdentitySchema: iresp.IdentitySchema,
	}
	stream := &list.ListResultsStream{}
	l.List(ctx, req, stream)
	var out []list.ListResult
	stream.Results(func(r list.ListResult) bool {
		out = append(out, r)
		return true
	})
	return out
}

// terraform query on a real host that knows no expiry for one cluster (web) lists it
// with the same warning the data sources and the resource's plan give, naming the
// failed sources and renew_every; the cluster with a known expiry (api) is listed
// without one.
func TestListClusterCertificates_warnsAboutAClusterWithNoKnownExpiry(t *testing.T) {
	data := newProviderData(inventoryHost{realHostInventory()}, akshci.RealClock{})
	for _, include := range []bool{false, true} {
		results := listClusters(t, data, include)
		if len(results) != 2 {
			t.Fatalf("include_resource=%v: %d results, want api and web", include, len(results))
		}
		for _, r := range results {
			if r.Diagnostics.HasError() {
				t.Fatalf("include_resource=%v: %s: %v", include, r.DisplayName, r.Diagnostics)
			}
			w := warningsText(r.Diagnostics)
			switch r.DisplayName {
			case "web":
				if !strings.Contains(w, `No expiry known for workload cluster "web"`) || !strings.Contains(w, "KMS token: timeout") ||
					!strings.Contains(w, "renew_every") {
					t.Errorf("include_resource=%v: web listed with warnings %q, want the unknown-expiry warning", include, w)
				}
			case "api":
				if w != "" {
					t.Errorf("include_resource=%v: api has a known expiry but is warned about: %q", include, w)
				}
			default:
				t.Errorf("unexpected result %q", r.DisplayName)
			}
		}
	}
}
