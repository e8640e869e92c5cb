package provider

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// validateClusterName is akshci's one rule for workload cluster names.
func validateClusterName(name string) error { return akshci.ValidateClusterName(name) }

// parseWindow parses a renewal window and checks it against the credential lifetime.
func parseWindow(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("renew_before must be a Go duration in hours, such as \"720h\" for 30 days; got %s", quoted(s))
	}
	if err := akshci.ValidateWindow(d); err != nil {
		return 0, fmt.Errorf("renew_before %s: %w. Use a window between \"1h\" and \"2159h\"; the default \"720h\" renews "+
			"30 days before expiry", quoted(s), err)
	}
	return d, nil
}

func quoted(s string) string { return strconv.Quote(s) }

type renewBeforeValidator struct{}

func (renewBeforeValidator) Description(context.Context) string {
	return "a Go duration longer than zero and shorter than the 2160h credential lifetime"
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
