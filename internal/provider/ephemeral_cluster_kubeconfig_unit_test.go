// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// kubeconfigHost is a scripted host that can hand out a kubeconfig and counts the calls.
type kubeconfigHost struct {
	*scriptedHost
	calls int
}

func (h *kubeconfigHost) Kubeconfig(_ context.Context, cluster string) (*akshci.Kubeconfig, error) {
	h.calls++
	if _, ok := (&akshci.Inventory{Clusters: h.inv.Clusters}).Cluster(cluster); !ok {
		return nil, &akshci.ClusterNotFoundError{Name: cluster}
	}
	return &akshci.Kubeconfig{Host: "https://h:6443", CACertificatePEM: "ca", ClientCertificatePEM: "cert", ClientKeyPEM: "key"}, nil
}

func openKubeconfig(t *testing.T, host akshci.Host, cluster string) (ephemeral.OpenResponse, string) {
	t.Helper()
	ctx := context.Background()
	e := &clusterKubeconfigEphemeral{data: newProviderData(host, akshci.NewFakeClock(unitNow))}
	var sresp ephemeral.SchemaResponse
	e.Schema(ctx, ephemeral.SchemaRequest{}, &sresp)
	typ, ok := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the schema is not an object")
	}
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(at, nil)
	}
	attrs["cluster_name"] = tftypes.NewValue(tftypes.String, cluster)
	resp := ephemeral.OpenResponse{Result: tfsdk.EphemeralResultData{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, nil)}}
	e.Open(ctx, ephemeral.OpenRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, attrs)}}, &resp)
	var msgs []string
	for _, d := range resp.Diagnostics {
		msgs = append(msgs, d.Summary()+": "+d.Detail())
	}
	return resp, strings.Join(msgs, "\n")
}

func TestKubeconfigOpenReturnsTheHostsValues(t *testing.T) {
	host := &kubeconfigHost{scriptedHost: newScriptedHost(60 * day)}
	resp, diags := openKubeconfig(t, host, "demo")
	if diags != "" {
		t.Fatal(diags)
	}
	var m clusterKubeconfigModel
	if d := resp.Result.Get(context.Background(), &m); d.HasError() {
		t.Fatal(d)
	}
	if m.Host.ValueString() != "https://h:6443" || m.ClusterCACertificate.ValueString() != "ca" ||
		m.ClientCertificate.ValueString() != "cert" || m.ClientKey.ValueString() != "key" {
		t.Errorf("result %+v, want the host's four values", m)
	}
}

// The management cluster is refused before the host is asked for a kubeconfig.
func TestKubeconfigOpenRefusesTheManagementCluster(t *testing.T) {
	host := &kubeconfigHost{scriptedHost: newScriptedHost(60 * day)}
	host.inv.ManagementCluster = "akshci-management"
	_, diags := openKubeconfig(t, host, "akshci-management")
	if !strings.Contains(diags, "cluster_name is the management cluster") || host.calls != 0 {
		t.Errorf("diagnostics %q after %d calls, want the management cluster refused before any call", diags, host.calls)
	}
}

func TestKubeconfigOpenNamesAMissingCluster(t *testing.T) {
	_, diags := openKubeconfig(t, &kubeconfigHost{scriptedHost: newScriptedHost(60 * day)}, "gone")
	if !strings.Contains(diags, "Workload cluster not found") {
		t.Errorf("diagnostics %q, want the missing cluster named", diags)
	}
}

// A host without the optional interface is reported, not crashed on.
func TestKubeconfigOpenOnAHostWithoutKubeconfigs(t *testing.T) {
	_, diags := openKubeconfig(t, newScriptedHost(60*day), "demo")
	if !strings.Contains(diags, "Kubeconfig not available from this host") {
		t.Errorf("diagnostics %q", diags)
	}
}
