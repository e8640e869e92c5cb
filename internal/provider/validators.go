// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Which library piece fits where (issue 11, item 8). Library pieces in use: int64validator.Between
// (ssh ports), stringvalidator.RegexMatches and ConflictsWith (ssh settings), listvalidator.ValueStringsAre
// (workload_clusters), and timetypes.RFC3339 for every computed timestamp. What stays hand-written below
// says why next to it.

// validateClusterName is akshci's one rule for workload cluster names.
func validateClusterName(name string) error { return akshci.ValidateClusterName(name) }

// durationSyntax is what time.ParseDuration accepts. A value that matches it but does
// not parse is out of range (more than about 292 years), not malformed.
var durationSyntax = regexp.MustCompile(`^[-+]?([0-9]*(\.[0-9]*)?(ns|us|µs|μs|ms|s|m|h))+$|^0$`)

// parseDuration parses a Go duration setting, telling a malformed value from one that is
// out of range. example suggests a value, such as `"720h" (30 days)`.
//
// Why the duration settings (renew_before, renew_every, time_offset) are strings with this parser and
// not timetypes.GoDuration: the framework runs a custom type's own validation first and, when it fails,
// skips the attribute's validators, so "30d" would get the library's message, which names neither the
// setting's usual value nor "24h per day", nor tells "out of range" from malformed. The framework
// validators have no duration range validator for the domain's bounds either.
func parseDuration(setting, s, example string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	switch {
	case err == nil:
		return d, nil
	case durationSyntax.MatchString(s):
		return 0, fmt.Errorf("%s %s is out of range: durations go up to %s (about 292 years)", setting, quoted(s), hours(time.Duration(1<<63-1)))
	}
	return 0, fmt.Errorf("%s must be a Go duration in hours, such as %s; got %s. Days are written in hours: 24h per day", setting, example, quoted(s))
}

// parseTimeOffset parses the emulator's time_offset: a duration of zero or more.
func parseTimeOffset(s string) (time.Duration, error) {
	d, err := parseDuration("time_offset (or "+envEmulatorTimeOffset+")", s, `"1464h" (61 days)`)
	if err != nil {
		return 0, err
	}
	if d < 0 {
		return 0, fmt.Errorf("time_offset moves the emulated clock forward and cannot be negative; got %s. Use \"0h\" or more, such as \"1464h\" (61 days)", quoted(s))
	}
	return d, nil
}

// timeOffsetValidator checks time_offset at validate time with the message Configure gives
// for the environment variable (parseTimeOffset); hand-written for parseDuration's reason.
type timeOffsetValidator struct{}

func (timeOffsetValidator) Description(context.Context) string {
	return "a Go duration of zero or more, such as \"1464h\""
}

func (v timeOffsetValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (timeOffsetValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseTimeOffset(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid emulator time offset", err.Error())
	}
}

// parseWindow parses a renewal window and checks it against the credential lifetime.
func parseWindow(s string) (time.Duration, error) {
	d, err := parseDuration("renew_before", s, `"720h" (30 days)`)
	if err != nil {
		return 0, err
	}
	if err := akshci.ValidateWindow(d); err != nil {
		return 0, fmt.Errorf("renew_before %s: %w. Use a window from %s up to, not including, %s; the default %s renews "+
			"30 days before expiry", quoted(s), err, quoted(hours(akshci.MinRenewBefore)), quoted(hours(akshci.Lifetime)), quoted(defaultRenewBefore))
	}
	return d, nil
}

// hours writes a whole number of hours the way users write renew_before.
func hours(d time.Duration) string { return akshci.Hours(d) }

// windowFitsForce checks renew_before against force at validate time (see
// akshci.ValidateWindowForce): a configuration the provider accepts must be able to
// succeed, and without force a renewal planned too early would change nothing.
// Hand-written: the rule compares one attribute's value with another's, while the library's
// resourcevalidator and ConflictsWith only look at which attributes are set.
type windowFitsForce struct{}

var (
	_ resource.ConfigValidator = windowFitsForce{}
	_ action.ConfigValidator   = windowFitsForce{}
)

func (windowFitsForce) Description(context.Context) string {
	return "without force, renew_before is shorter than the " + hours(akshci.NoForceRotationLeft) + " the update cmdlets " +
		"need, and renew_every longer than " + hours(akshci.MinRenewEveryWithoutForce)
}

func (v windowFitsForce) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (windowFitsForce) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	checkWindowForce(ctx, req.Config, &resp.Diagnostics)
}

// ValidateAction applies the same rule to the renew-now actions: their renew_before is
// the window the result is checked against, so without force a wider one would fail
// every invocation after running the cmdlet.
func (windowFitsForce) ValidateAction(ctx context.Context, req action.ValidateConfigRequest, resp *action.ValidateConfigResponse) {
	checkWindowForce(ctx, req.Config, &resp.Diagnostics)
}

func checkWindowForce(ctx context.Context, cfg tfsdk.Config, diags *diag.Diagnostics) {
	var window types.String
	var force types.Bool
	if cfg.GetAttribute(ctx, path.Root("force"), &force).HasError() || force.IsUnknown() {
		return
	}
	checkEveryForce(ctx, cfg, force.ValueBool(), diags)
	if cfg.GetAttribute(ctx, path.Root("renew_before"), &window).HasError() || window.IsUnknown() || window.IsNull() {
		return
	}
	d, err := time.ParseDuration(window.ValueString())
	if err != nil || akshci.ValidateWindow(d) != nil {
		return // reported by the attribute's own validator
	}
	if err := akshci.ValidateWindowForce(d, force.ValueBool()); err != nil {
		diags.AddAttributeError(path.Root("renew_before"), "Renewal window needs force",
			fmt.Sprintf("renew_before %s: %s. Use at most %s (the default %s renews 30 days before expiry), or set "+
				"force = true to rotate every credential in scope whenever a renewal is planned.",
				quoted(window.ValueString()), err, quoted(hours(akshci.NoForceRotationLeft-time.Hour)), quoted(defaultRenewBefore)))
	}
}

// checkEveryForce applies akshci.ValidateRenewEveryForce to a resource's renew_every (the
// actions have none): without force, a schedule that falls due while the credentials it
// renewed still have NoForceRotationLeft left would run the cmdlet for nothing.
func checkEveryForce(ctx context.Context, cfg tfsdk.Config, force bool, diags *diag.Diagnostics) {
	var every types.String
	if cfg.GetAttribute(ctx, path.Root("renew_every"), &every).HasError() || every.IsUnknown() || every.IsNull() {
		return // not an attribute of this configuration, or not set
	}
	d, err := time.ParseDuration(every.ValueString())
	if err != nil || akshci.ValidateRenewEvery(d) != nil {
		return // reported by the attribute's own validator
	}
	if err := akshci.ValidateRenewEveryForce(d, force); err != nil {
		diags.AddAttributeError(path.Root("renew_every"), "Renewal interval needs force",
			fmt.Sprintf("renew_every %s: %s. Use more than %s (the documented advice is %s), or set force = true to rotate "+
				"every credential in scope whenever the schedule falls due.", quoted(every.ValueString()), err,
				quoted(hours(akshci.MinRenewEveryWithoutForce)), quoted(hours(akshci.RecommendedRenewEvery))))
	}
}

func quoted(s string) string { return strconv.Quote(s) }

// renewBeforeValidator checks renew_before at validate time: parseDuration's message, then
// akshci.ValidateWindow's bounds (no library validator reads durations; see parseDuration).
type renewBeforeValidator struct{}

func (renewBeforeValidator) Description(context.Context) string {
	return "a Go duration of at least " + hours(akshci.MinRenewBefore) + " and shorter than the " + hours(akshci.Lifetime) + " credential lifetime"
}

func (v renewBeforeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (renewBeforeValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parseWindow(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid renewal window", err.Error())
	}
}

// clusterNameValidator applies akshci.ValidateClusterName, the one rule that also checks
// import IDs, the emulator's environment variable and the emulator itself. Not
// stringvalidator.RegexMatches: that would restate akshci's pattern and message here, and
// its summary is the generic "Invalid Attribute Value Match".
type clusterNameValidator struct{}

func (clusterNameValidator) Description(context.Context) string {
	return "a DNS label: lowercase letters, digits and '-', starting with a letter, at most 63 characters"
}

func (v clusterNameValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (clusterNameValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if err := validateClusterName(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid workload cluster name", err.Error())
	}
}

// noNullNames rejects a null element in workload_clusters, saying what is allowed
// (the framework's own error would call it a provider bug). Not listvalidator.NoNullValues:
// its "This attribute contains a null value." names neither the element nor the fix.
type noNullNames struct{}

func (noNullNames) Description(context.Context) string {
	return "every element is a cluster name, not null"
}

func (v noNullNames) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (noNullNames) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	for i, e := range req.ConfigValue.Elements() {
		if e.IsNull() {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Invalid workload cluster name",
				fmt.Sprintf("workload_clusters must list workload cluster names (DNS labels such as \"demo\"); element %d is "+
					"null. Remove it, or give a name.", i))
		}
	}
}
