// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// What a real host adds to the renewal decision: the probed cmdlet parameters, the
// clusters whose every source failed, the host's own warnings, and renew_every.

// addCmdletError fails the plan when the configuration needs a switch the host's
// AksHci module does not have (the probe of research §3); an unprobed host (the
// emulator) passes. err comes from akshci.CmdletProbe's checks.
func addCmdletError(diags *diag.Diagnostics, err error) {
	var ce *akshci.CmdletError
	if !errors.As(err, &ce) {
		return
	}
	at := path.Root(string(ce.Setting))
	switch {
	case ce.NameAlone:
		diags.AddAttributeError(at, "The host's AksHci module cannot run -name alone", err.Error()+". Nothing was changed on the host.")
		return
	case ce.Call != "" && ce.Setting != "":
		diags.AddAttributeError(at, "The host's AksHci module cannot run "+ce.Cmdlet+" this way", err.Error()+". Nothing was changed on the host.")
		return
	case ce.Call != "":
		diags.AddError("The host's AksHci module cannot run "+ce.Cmdlet+" this way", err.Error()+". Nothing was changed on the host.")
		return
	case ce.Setting != "":
		diags.AddAttributeError(at, "The host's AksHci module lacks "+ce.Switch, err.Error()+". Nothing was changed on the host.")
		return
	}
	diags.AddError("The host's AksHci module lacks "+ce.Cmdlet, err.Error()+". Nothing was changed on the host.")
}

// unknownClusterWarning describes a workload cluster whose every source failed.
func unknownClusterWarning(c akshci.Cluster) (summary, detail string) {
	return "No expiry known for workload cluster " + quoted(c.Name),
		fmt.Sprintf("The host answered, but no source gave an expiry for workload cluster %s, so nothing about it can be "+
			"due by date. Set renew_every (for example %s, the documented 60 days) on its "+
			"akshybrid_cluster_certificates resource so it is renewed anyway, and check the sources:\n  %s",
			quoted(c.Name), quoted(hours(akshci.RecommendedRenewEvery)), strings.Join(c.UnknownReasons(), "\n  "))
}

// warnHost repeats the host's own warnings (e.g. a session without network credentials).
func warnHost(diags *diag.Diagnostics, inv *akshci.Inventory) {
	for _, w := range inv.Warnings {
		diags.AddWarning("AKS hybrid host", w)
	}
}

// parseRenewEvery parses renew_every with the same duration parsing as renew_before
// (parseDuration) and checks it with the one akshci rule, akshci.ValidateRenewEvery.
func parseRenewEvery(s string) (time.Duration, error) {
	d, err := parseDuration("renew_every", s, quoted(hours(akshci.RecommendedRenewEvery))+" (60 days)")
	if err != nil {
		return 0, err
	}
	return d, akshci.ValidateRenewEvery(d)
}

// renewEveryValidator checks renew_every at validate time: parseDuration's message, then
// akshci.ValidateRenewEvery's bounds (no library validator reads durations; see parseDuration).
type renewEveryValidator struct{}

func (renewEveryValidator) Description(context.Context) string {
	return "a Go duration above zero and shorter than the " + hours(akshci.Lifetime) + " credential lifetime"
}

func (v renewEveryValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (renewEveryValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseRenewEvery(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid renew_every",
			err.Error()+". Use for example renew_every = "+quoted(hours(akshci.RecommendedRenewEvery))+" (60 days, the documented advice).")
	}
}
