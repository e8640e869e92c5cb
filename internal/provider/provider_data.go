package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// providerData is what Configure hands to every resource and data source: the host, the
// injected clock, and the per-run inventory cache.
type providerData struct {
	host  akshci.Host
	clock akshci.Clock

	// renewMu runs renewals on one deployment one at a time: Terraform applies up to ten
	// resources at once, and the AksHci module is not built for concurrent updates.
	renewMu sync.Mutex

	invMu sync.Mutex
	inv   *akshci.Inventory
}

func newProviderData(host akshci.Host, clock akshci.Clock) *providerData {
	return &providerData{host: host, clock: clock}
}

// inventory returns the run's inventory, fetching it once: a plan over a hundred
// clusters costs one round trip to the host. Concurrent callers wait for the first.
func (d *providerData) inventory(ctx context.Context) (*akshci.Inventory, error) {
	d.invMu.Lock()
	defer d.invMu.Unlock()
	if d.inv != nil {
		tflog.Debug(ctx, "inventory cache hit")
		return d.inv, nil
	}
	inv, err := d.host.Inventory(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the AKS hybrid inventory: %w", err)
	}
	tflog.Debug(ctx, "inventory fetched", map[string]any{
		"management_credentials": len(inv.Management),
		"workload_clusters":      len(inv.Clusters),
		"host_time":              inv.Now.Format(timeFormat),
	})
	d.inv = inv
	return inv, nil
}

// invalidate drops the cached inventory after the host changed.
func (d *providerData) invalidate() {
	d.invMu.Lock()
	d.inv = nil
	d.invMu.Unlock()
}

// providerDataFrom unpacks the value Configure stored; nil until the provider is
// configured (Terraform validates configurations before that).
func providerDataFrom(v any) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if v == nil {
		return nil, diags
	}
	d, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. Please report this issue to the provider developers.", v))
	}
	return d, diags
}
