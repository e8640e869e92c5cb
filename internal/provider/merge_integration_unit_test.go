// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Issue 12's actions and ephemeral kubeconfig under issue 13's lockouts and defaults,
// driven without a CLI against a scripted host.

// optsHost records the options of each cluster update.
type optsHost struct {
	*scriptedHost
	opts []akshci.ClusterOptions
}

func (h *optsHost) UpdateClusterCertificates(ctx context.Context, cluster string, o akshci.ClusterOptions) error {
	h.opts = append(h.opts, o)
	return h.scriptedHost.UpdateClusterCertificates(ctx, cluster, o)
}

// kvactl's expired token (Azure/aksArc#169) blocks the cluster list and every cluster
// cmdlet; Update-AksHciCertificates repairs it. The cluster action is refused as a
// resource create would be, before anything runs on the host.
func TestRenewActionRefusesAClusterRenewalThatALockoutBlocks(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.inv.Clusters = nil // a blocked list lists no clusters
	host.inv.Lockouts = []akshci.Lockout{akshci.KVATokenLockout()}
	diags, _ := invokeAction(context.Background(), t, &renewAction{cluster: true}, host,
		map[string]tftypes.Value{"cluster_name": tftypes.NewValue(tftypes.String, "demo")})
	if !strings.Contains(diags, "Renewal blocked by a lockout") || !strings.Contains(diags, "Update-AksHciCertificates") {
		t.Errorf("diagnostics %q, want the lockout and its remedy", diags)
	}
	if host.updates != 0 {
		t.Errorf("%d updates ran on the host, want none", host.updates)
	}
}

// kvactl's expired certificate (Azure/aksArc#146) needs manual recovery: the management
// action stops with the documented steps before the host is touched.
func TestRenewActionStopsAtALockoutThatNeedsManualRecovery(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.inv.Lockouts = []akshci.Lockout{akshci.KVACertificateLockout()}
	diags, _ := invokeAction(context.Background(), t, &renewAction{}, host, nil)
	if !strings.Contains(diags, "AKS hybrid lockout needs manual recovery") || !strings.Contains(diags, `kvactl\cloudconfig`) {
		t.Errorf("diagnostics %q, want the manual recovery steps", diags)
	}
	if host.updates != 0 {
		t.Errorf("%d updates ran on the host, want none", host.updates)
	}
}

// The cluster action takes the resource's defaults: -patchLoadBalancer with
// -fixCloudCredentials unless switched off, and -name alone with both fix switches off.
func TestRenewActionUsesTheResourceDefaults(t *testing.T) {
	b := func(v bool) tftypes.Value { return tftypes.NewValue(tftypes.Bool, v) }
	for _, tc := range []struct {
		name   string
		values map[string]tftypes.Value
		want   akshci.ClusterOptions
	}{
		{"defaults", nil, akshci.ClusterOptions{FixCloudCredentials: true, PatchLoadBalancer: true}},
		{"load balancer off", map[string]tftypes.Value{"patch_load_balancer": b(false)}, akshci.ClusterOptions{FixCloudCredentials: true}},
		{"name alone", map[string]tftypes.Value{"fix_cloud_credentials": b(false)}, akshci.ClusterOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			host := &optsHost{scriptedHost: newScriptedHost(10 * day)}
			host.renewTo = unitNow.Add(90 * day)
			values := map[string]tftypes.Value{"cluster_name": tftypes.NewValue(tftypes.String, "demo")}
			for k, v := range tc.values {
				values[k] = v
			}
			diags, _ := invokeAction(context.Background(), t, &renewAction{cluster: true}, host, values)
			if strings.Contains(diags, "Error: ") {
				t.Fatalf("diagnostics %q", diags)
			}
			if len(host.opts) != 1 || host.opts[0] != tc.want {
				t.Errorf("updates ran with %+v, want once with %+v", host.opts, tc.want)
			}
		})
	}
}

// Get-AksHciCredential runs kvactl: while a lockout blocks the cluster list, the
// ephemeral kubeconfig is refused with the lockout, and the host is not asked.
func TestKubeconfigOpenRefusedWhileTheClusterListIsBlocked(t *testing.T) {
	host := &kubeconfigHost{scriptedHost: newScriptedHost(60 * day)}
	host.inv.Lockouts = []akshci.Lockout{akshci.KVATokenLockout()}
	_, diags := openKubeconfig(t, host, "demo")
	if !strings.Contains(diags, "Cannot get the kubeconfig") || !strings.Contains(diags, "Get-AksHciCredential -name demo failed") {
		t.Errorf("diagnostics %q, want the lockout named for Get-AksHciCredential", diags)
	}
	if host.calls != 0 {
		t.Errorf("the host was asked %d times for a kubeconfig", host.calls)
	}
}
