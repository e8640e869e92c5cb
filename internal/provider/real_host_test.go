// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// inventoryHost is an akshci.Host that reports a fixed inventory, as a real host could.
type inventoryHost struct{ inv *akshci.Inventory }

func (h inventoryHost) Inventory(context.Context) (*akshci.Inventory, error) { return h.inv, nil }
func (inventoryHost) UpdateManagementCertificates(context.Context, akshci.ManagementOptions) error {
	return nil
}
func (inventoryHost) UpdateClusterCertificates(context.Context, string, akshci.ClusterOptions) error {
	return nil
}

// realHostInventory has one workload cluster whose every source failed (web) and one
// whose KMS token's exp was read (api), and a session without network credentials.
func realHostInventory() *akshci.Inventory {
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	return &akshci.Inventory{
		Now:               now,
		ManagementCluster: "akshci-mgmt",
		Warnings:          []string{"The PowerShell session on the host holds no network credentials"},
		Clusters: []akshci.Cluster{
			{Name: "api", Credentials: []akshci.Credential{{Client: "KMS", Type: akshci.Token, NotAfter: now.Add(80 * 24 * time.Hour), Source: akshci.SourceTokenExp}}},
			{Name: "web", Credentials: []akshci.Credential{
				{Client: "KMS", Type: akshci.Token, UnknownReason: "timeout: the call exceeded its timeout"},
				{Client: "Kubelet", Type: akshci.Certificate, UnknownReason: "unreachable: the source did not answer"},
			}},
		},
	}
}

func readDataSource(t *testing.T, ds datasource.DataSource, config map[string]tftypes.Value) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	var sresp datasource.SchemaResponse
	ds.Schema(ctx, datasource.SchemaRequest{}, &sresp)
	typ := sresp.Schema.Type().TerraformType(ctx)
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %T", typ)
	}
	vals := map[string]tftypes.Value{}
	for name, at := range obj.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range config {
		vals[name] = v
	}
	cfg := tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, vals)}
	resp := &datasource.ReadResponse{State: tfsdk.State{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	ds.Read(ctx, datasource.ReadRequest{Config: cfg}, resp)
	return resp.Diagnostics
}

func warningsText(d diag.Diagnostics) string {
	var b strings.Builder
	for _, w := range d.Warnings() {
		b.WriteString(w.Summary() + ": " + w.Detail() + "\n")
	}
	return b.String()
}

func TestClustersDataSourceWarnsNamingAClusterWithNoKnownExpiry(t *testing.T) {
	data := newProviderData(inventoryHost{realHostInventory()}, akshci.RealClock{})
	d := readDataSource(t, &clustersDataSource{data: data}, nil)
	if d.HasError() {
		t.Fatal(d)
	}
	w := warningsText(d)
	if !strings.Contains(w, `No expiry known for workload cluster "web"`) || !strings.Contains(w, "KMS token: timeout") ||
		!strings.Contains(w, "Kubelet certificate: unreachable") || !strings.Contains(w, "renew_every") {
		t.Errorf("warnings %q, want one naming web with its reasons", w)
	}
	if strings.Contains(w, `"api"`) {
		t.Errorf("api has a known expiry but is warned about: %q", w)
	}
}

func TestCertificatesDataSourceWarnsAboutTheHostAndTheCluster(t *testing.T) {
	data := newProviderData(inventoryHost{realHostInventory()}, akshci.RealClock{})
	d := readDataSource(t, &certificatesDataSource{data: data}, map[string]tftypes.Value{"cluster_name": tftypes.NewValue(tftypes.String, "web")})
	if d.HasError() {
		t.Fatal(d)
	}
	w := warningsText(d)
	if !strings.Contains(w, "no network credentials") || !strings.Contains(w, `No expiry known for workload cluster "web"`) {
		t.Errorf("warnings %q", w)
	}
	d = readDataSource(t, &certificatesDataSource{data: data}, map[string]tftypes.Value{"cluster_name": tftypes.NewValue(tftypes.String, "akshci-mgmt")})
	if !d.HasError() || !strings.Contains(d.Errors()[0].Detail(), `"akshci-mgmt" is the management cluster`) {
		t.Errorf("the management cluster as cluster_name: %v", d)
	}
}
