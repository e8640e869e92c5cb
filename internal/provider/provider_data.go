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

	// invMu guards the run's one inventory read: its result (a success or a failure)
	// once it is known, and the fetch in flight. invGen counts invalidations, so a
	// fetch that started before the host changed is not kept.
	invMu       sync.Mutex
	invResult   *inventoryResult
	invInFlight chan struct{}
	invGen      int

	// rotation records that this run plans to rotate the cloud agent CA (see ca_watch.go).
	rotation caRotation

	// secrets are configuration values (SSH password, private key) masked in every log
	// line the provider writes.
	secrets []string
}

func newProviderData(host akshci.Host, clock akshci.Clock, secrets ...string) *providerData {
	d := &providerData{host: host, clock: clock, renewing: make(chan struct{}, 1)}
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

// inventoryResult is the outcome of the run's inventory read.
type inventoryResult struct {
	inv *akshci.Inventory
	err error
}

// inventory returns the run's inventory, fetching it once: a plan over a hundred
// clusters costs one round trip to the host. Its failure is kept for the run too (a run
// is one provider instance), so a host that hangs costs one read timeout per plan, not
// one per resource; a renewal drops either result (invalidate), and the next caller
// reads again. Callers that arrive while the read runs wait for it, each until its own
// deadline, and never start a read of their own.
func (d *providerData) inventory(ctx context.Context) (*akshci.Inventory, error) {
	for {
		d.invMu.Lock()
		if r := d.invResult; r != nil {
			d.invMu.Unlock()
			if r.err != nil {
				return nil, &sharedInventoryError{err: r.err}
			}
			tflog.Debug(ctx, "inventory cache hit")
			return r.inv, nil
		}
		if wait := d.invInFlight; wait != nil {
			d.invMu.Unlock()
			select {
			case <-wait:
				continue // its result is kept now, unless the host changed meanwhile
			case <-ctx.Done():
				return nil, fmt.Errorf("read the AKS hybrid inventory: this run reads it once, and that read had not "+
					"finished when this one stopped waiting for it: %w", endedText(ctx.Err()))
			}
		}
		done, gen := make(chan struct{}), d.invGen
		d.invInFlight = done
		d.invMu.Unlock()

		inv, err := d.fetchInventory(ctx)
		d.invMu.Lock()
		if d.invGen == gen {
			d.invResult = &inventoryResult{inv: inv, err: err}
		}
		d.invInFlight = nil
		close(done)
		d.invMu.Unlock()
		return inv, err
	}
}

// fetchInventory reads the inventory from the host.
func (d *providerData) fetchInventory(ctx context.Context) (*akshci.Inventory, error) {
	inv, err := d.host.Inventory(ctx)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%s)", err, endedText(ctx.Err()))
		}
		return nil, fmt.Errorf("read the AKS hybrid inventory: %w", withAttributeNames(err))
	}
	tflog.Debug(ctx, "inventory fetched", map[string]any{
		"management_credentials": len(inv.Management),
		"workload_clusters":      len(inv.Clusters),
		"host_time":              inv.Now.Format(timeFormat),
	})
	return inv, nil
}

// sharedInventoryError is the run's failed inventory read as every later caller reports
// it: the same cause, said to be the run's one read, so that a plan over many resources
// does not look like many failures.
type sharedInventoryError struct{ err error }

func (e *sharedInventoryError) Error() string {
	return "this run reads the AKS hybrid inventory once for every resource and data source, and that read failed, " +
		"so it was not tried again: " + e.err.Error()
}

func (e *sharedInventoryError) Unwrap() error { return e.err }

// stopError says in words what ended a host call or a wait before it finished: the one
// wording of a timeout and of a cancellation in every message of the provider.
// timeoutAttr names the timeout's setting, such as "timeouts.read".
type stopError struct {
	cause       error
	timeoutAttr string
}

func (e *stopError) Error() string {
	if errors.Is(e.cause, context.DeadlineExceeded) {
		return "the " + strings.TrimPrefix(e.timeoutAttr, "timeouts.") + " timeout passed"
	}
	return "it was cancelled (Ctrl-C, or Terraform stopping the run)"
}

func (e *stopError) Unwrap() error { return e.cause }

// endedText says why a read ended early, naming the setting to raise after a timeout.
func endedText(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w; raise timeouts.read if the host is just slow", &stopError{cause: err, timeoutAttr: "timeouts.read"})
	}
	return &stopError{cause: err}
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

// invalidate drops the run's inventory result, success or failure, after the host
// changed: the next caller reads it again.
func (d *providerData) invalidate() {
	d.invMu.Lock()
	d.invResult = nil
	d.invGen++
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
