// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

	// renewing holds one token while a renewal runs: renewals on one deployment run one at
	// a time, since Terraform applies up to ten resources at once and the AksHci module is
	// not built for concurrent updates.
	renewing chan struct{}

	// invLock is held while the inventory is fetched; a channel rather than a mutex so
	// that a caller waiting behind a slow fetch gives up at its own deadline.
	invLock chan struct{}
	invMu   sync.Mutex
	inv     *akshci.Inventory

	// rotation records that this run plans to rotate the cloud agent CA (see ca_watch.go).
	rotation caRotation

	// secrets are configuration values (SSH password, private key) masked in every log
	// line the provider writes.
	secrets []string
}

func newProviderData(host akshci.Host, clock akshci.Clock, secrets ...string) *providerData {
	d := &providerData{host: host, clock: clock, renewing: make(chan struct{}, 1), invLock: make(chan struct{}, 1)}
	for _, s := range secrets {
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); len(line) >= 4 && !strings.HasPrefix(line, "-----") {
				d.secrets = append(d.secrets, line)
			}
		}
	}
	return d
}

// logContext masks the configured secrets in everything logged through ctx. Each
// request gets a fresh context from the SDK, so every entry point calls this.
func (d *providerData) logContext(ctx context.Context) context.Context {
	if d == nil || len(d.secrets) == 0 {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, d.secrets...)
	return tflog.MaskAllFieldValuesStrings(ctx, d.secrets...)
}

// inventory returns the run's inventory, fetching it once: a plan over a hundred
// clusters costs one round trip to the host. Concurrent callers wait for the first.
func (d *providerData) inventory(ctx context.Context) (*akshci.Inventory, error) {
	select {
	case d.invLock <- struct{}{}:
		defer func() { <-d.invLock }()
	case <-ctx.Done():
		return nil, fmt.Errorf("read the AKS hybrid inventory: gave up waiting for another read of it: %w", timeoutText(ctx.Err()))
	}
	d.invMu.Lock()
	cached := d.inv
	d.invMu.Unlock()
	if cached != nil {
		tflog.Debug(ctx, "inventory cache hit")
		return cached, nil
	}
	inv, err := d.host.Inventory(ctx)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%s)", err, timeoutText(ctx.Err()))
		}
		return nil, fmt.Errorf("read the AKS hybrid inventory: %w", withAttributeNames(err))
	}
	tflog.Debug(ctx, "inventory fetched", map[string]any{
		"management_credentials": len(inv.Management),
		"workload_clusters":      len(inv.Clusters),
		"host_time":              inv.Now.Format(timeFormat),
	})
	d.invMu.Lock()
	d.inv = inv
	d.invMu.Unlock()
	return inv, nil
}

// timeoutText says in words which limit ended a wait, naming the setting that sets it.
func timeoutText(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the read timeout passed; raise timeouts.read if the host is just slow: %w", err)
	}
	return err
}

// acquireRenewal waits for the deployment's renewal slot, or for ctx to end.
func (d *providerData) acquireRenewal(ctx context.Context) (release func(), err error) {
	select {
	case d.renewing <- struct{}{}:
		return func() { <-d.renewing }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// readInventory is inventory with a failure reported as a diagnostic.
func (d *providerData) readInventory(ctx context.Context, diags *diag.Diagnostics) (*akshci.Inventory, bool) {
	inv, err := d.inventory(ctx)
	if err != nil {
		diags.AddError("Cannot read the AKS hybrid inventory", err.Error())
		return nil, false
	}
	return inv, true
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

// attributeNames maps the neutral words the hosts use for their settings to this
// provider's attribute names: the layers below the provider speak no HCL, the messages a
// user reads name the attribute to change.
var attributeNames = strings.NewReplacer(
	"the emulator's state file path", "state_path",
	"the state file path", "state_path",
	"state file path", "state_path",
	"the emulator's time offset", "time_offset",
	"the configured time offset", "the configured time_offset",
	"the time offset", "time_offset",
)

// namedError is a host error whose message names this provider's attributes.
type namedError struct{ err error }

func (e namedError) Error() string { return attributeNames.Replace(e.err.Error()) }
func (e namedError) Unwrap() error { return e.err }

// withAttributeNames wraps a host error so its message names the attributes; errors.As
// still finds what it wraps.
func withAttributeNames(err error) error {
	if err == nil {
		return nil
	}
	return namedError{err}
}
