// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// Boundaries of the hand-written validators (validators.go and the validators next to
// their resources), and the reasons they stay hand-written: the messages a library type
// or validator would replace. The figures are the documented ones, written here: MOC
// tokens and client certificates live 90 days = 2160h [d:certificates-overview.md], the
// cloud agent CA 365 days = 8760h [d:certificates-overview.md]; without -force the update
// cmdlets rotate only credentials with less than 60 days = 1440h left
// [d:certificates-update-after-sixty-days.md]; 1h is the provider's own minimum window.

func runStringValidator(v validator.String, value types.String) diag.Diagnostics {
	resp := &validator.StringResponse{}
	v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root("setting"), ConfigValue: value}, resp)
	return resp.Diagnostics
}

// stringCase is one value for a string validator: wantErr lists texts the error must
// contain; none means the value is accepted.
type stringCase struct {
	value   string
	wantErr []string
}

func checkStringValidatorCases(t *testing.T, v validator.String, summary string, cases []stringCase) {
	t.Helper()
	for _, c := range cases {
		diags := runStringValidator(v, types.StringValue(c.value))
		if len(c.wantErr) == 0 {
			if diags.HasError() {
				t.Errorf("%q: want accepted, got %v", c.value, diags)
			}
			continue
		}
		if diags.ErrorsCount() != 1 {
			t.Errorf("%q: want one error, got %v", c.value, diags)
			continue
		}
		d := diags.Errors()[0]
		if d.Summary() != summary {
			t.Errorf("%q: summary %q, want %q", c.value, d.Summary(), summary)
		}
		for _, want := range c.wantErr {
			if !strings.Contains(d.Detail(), want) {
				t.Errorf("%q: detail %q lacks %q", c.value, d.Detail(), want)
			}
		}
	}
	for _, v2 := range []types.String{types.StringNull(), types.StringUnknown()} {
		if diags := runStringValidator(v, v2); diags.HasError() {
			t.Errorf("%s: a null or unknown value is left to the plan, got %v", v2, diags)
		}
	}
}

func TestRenewBeforeValidator_acceptsOneHourUpToJustUnderTheNinetyDayLifetime(t *testing.T) {
	checkStringValidatorCases(t, renewBeforeValidator{}, "Invalid renewal window", []stringCase{
		{value: "1h"},
		{value: "60m"},
		{value: "720h"},
		{value: "2159h59m59.999999999s"},
		{value: "59m59s", wantErr: []string{`renew_before "59m59s"`, "must be at least 1h"}},
		{value: "2160h", wantErr: []string{`renew_before "2160h"`, "shorter than the credential lifetime", `up to, not including, "2160h"`}},
		{value: "30d", wantErr: []string{`such as "720h" (30 days); got "30d". Days are written in hours: 24h per day`}},
		{value: "", wantErr: []string{`got "". Days are written in hours`}},
		{value: "9999999999h", wantErr: []string{`renew_before "9999999999h" is out of range`}},
	})
}

func TestRenewEveryValidator_acceptsAboveZeroUpToJustUnderTheNinetyDayLifetime(t *testing.T) {
	checkStringValidatorCases(t, renewEveryValidator{}, "Invalid renew_every", []stringCase{
		{value: "1ns"},
		{value: "1440h"},
		{value: "2159h"},
		{value: "0s", wantErr: []string{"must be longer than zero", `renew_every = "1440h" (60 days`}},
		{value: "-1h", wantErr: []string{"must be longer than zero"}},
		{value: "2160h", wantErr: []string{"must be shorter than the credential lifetime"}},
		{value: "60d", wantErr: []string{`renew_every must be a Go duration in hours, such as "1440h" (60 days); got "60d". Days are written in hours: 24h per day`}},
	})
}

// The CA's renew_every is bound by the CA's year, with the CA's words, not by the 90-day
// credentials (issue 20, item 12: 8000h was refused with a credential message).
func TestCARenewEveryValidator_acceptsUpToJustUnderTheCAsYear(t *testing.T) {
	checkStringValidatorCases(t, caRenewEveryValidator{}, "Invalid renew_every", []stringCase{
		{value: "8000h"},
		{value: "2160h"},
		{value: "8759h"},
		{value: "8760h", wantErr: []string{"rotation interval 8760h0m0s must be shorter than the cloud agent CA's lifetime of 8760h (365 days)"}},
		{value: "0s", wantErr: []string{"rotation interval 0s must be longer than zero"}},
		{value: "300d", wantErr: []string{`renew_every must be a Go duration in hours, such as "7320h" (305 days)`}},
	})
}

func TestCAWindowValidator_acceptsOneHourUpToJustUnderTheCAsYear(t *testing.T) {
	checkStringValidatorCases(t, caWindowValidator{}, "Invalid rotation window", []stringCase{
		{value: "1h"},
		{value: "1440h"},
		{value: "8759h"},
		{value: "59m", wantErr: []string{`renew_before "59m" must be at least 1h`}},
		{value: "8760h", wantErr: []string{`renew_before "8760h"`, "shorter than the CA's lifetime of 8760h (365 days)"}},
		{value: "60d", wantErr: []string{`renew_before must be a Go duration in hours, such as "1440h" (60 days); got "60d". Days are written in hours: 24h per day`}},
		{value: "9999999999h", wantErr: []string{"is out of range"}},
	})
}

func TestTimeOffsetValidator_acceptsZeroAndMore(t *testing.T) {
	checkStringValidatorCases(t, timeOffsetValidator{}, "Invalid emulator time offset", []stringCase{
		{value: "0"},
		{value: "0h"},
		{value: "1ns"},
		{value: "1464h"},
		{value: "-1ns", wantErr: []string{"cannot be negative", `got "-1ns"`}},
		{value: "61d", wantErr: []string{`such as "1464h" (61 days); got "61d". Days are written in hours`}},
		{value: "9999999999h", wantErr: []string{`"9999999999h" is out of range`}},
	})
}

func TestClusterNameValidator_acceptsDNSLabelsUpTo63Characters(t *testing.T) {
	checkStringValidatorCases(t, clusterNameValidator{}, "Invalid workload cluster name", []stringCase{
		{value: "a"},
		{value: "web-1"},
		{value: "a" + strings.Repeat("0", 62)},
		{value: "a" + strings.Repeat("0", 63), wantErr: []string{"at most 63 characters"}},
		{value: "Demo", wantErr: []string{"lowercase letters", `got "Demo"`}},
		{value: "1web", wantErr: []string{"starting with a letter"}},
		{value: "web-", wantErr: []string{"ending with a letter or digit"}},
		{value: "", wantErr: []string{`got ""`}},
	})
}

func TestNoNullNames_namesTheNullElementAndTheFix(t *testing.T) {
	list := func(elems ...*string) types.List {
		vals := make([]types.String, len(elems))
		for i, e := range elems {
			vals[i] = types.StringPointerValue(e)
		}
		l, d := types.ListValueFrom(context.Background(), types.StringType, vals)
		if d.HasError() {
			t.Fatal(d)
		}
		return l
	}
	demo := "demo"
	at := path.Root("emulator").AtName("workload_clusters")
	run := func(l types.List) diag.Diagnostics {
		resp := &validator.ListResponse{}
		noNullNames{}.ValidateList(context.Background(), validator.ListRequest{Path: at, ConfigValue: l}, resp)
		return resp.Diagnostics
	}
	for _, ok := range []types.List{list(&demo), list(), types.ListNull(types.StringType), types.ListUnknown(types.StringType)} {
		if d := run(ok); d.HasError() {
			t.Errorf("%s: want accepted, got %v", ok, d)
		}
	}
	d := run(list(&demo, nil))
	if d.ErrorsCount() != 1 {
		t.Fatalf("want one error, got %v", d)
	}
	e, ok := d.Errors()[0].(diag.DiagnosticWithPath)
	if !ok || !e.Path().Equal(at.AtListIndex(1)) || !strings.Contains(e.Detail(), "element 1 is null. Remove it, or give a name") {
		t.Errorf("want an error at %s naming element 1 and the fix, got %v", at.AtListIndex(1), d)
	}
}

// managementValidateConfig is a configuration of akshybrid_management_certificates with the
// given attributes set and every other one null.
func managementValidateConfig(t *testing.T, set map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	var sr resource.SchemaResponse
	NewManagementCertificatesResource().Schema(context.Background(), resource.SchemaRequest{}, &sr)
	typ := schemaObjectType(t, sr.Schema.Type().TerraformType(context.Background()))
	return tfsdk.Config{Schema: sr.Schema, Raw: objectWithNulls(typ, set)}
}

// schemaObjectType is typ as the object type of a schema or nested attribute.
func schemaObjectType(t *testing.T, typ tftypes.Type) tftypes.Object {
	t.Helper()
	o, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("%s is not an object type", typ)
	}
	return o
}

func objectWithNulls(typ tftypes.Object, set map[string]tftypes.Value) tftypes.Value {
	vals := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		vals[name] = tftypes.NewValue(at, nil)
		if v, ok := set[name]; ok {
			vals[name] = v
		}
	}
	return tftypes.NewValue(typ, vals)
}

func TestWindowFitsForce_withoutForceTheWindowStaysUnderSixtyDays(t *testing.T) {
	str := func(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }
	for _, c := range []struct {
		window  string
		force   tftypes.Value
		wantErr bool
	}{
		{"1439h", tftypes.NewValue(tftypes.Bool, nil), false},
		{"1439h59m59s", tftypes.NewValue(tftypes.Bool, false), false},
		{"1440h", tftypes.NewValue(tftypes.Bool, nil), true},
		{"1440h", tftypes.NewValue(tftypes.Bool, false), true},
		{"1440h", tftypes.NewValue(tftypes.Bool, true), false},
		{"2159h", tftypes.NewValue(tftypes.Bool, true), false},
		{"1440h", tftypes.NewValue(tftypes.Bool, tftypes.UnknownValue), false}, // decided once force is known
		{"30d", tftypes.NewValue(tftypes.Bool, nil), false},                    // the attribute's own validator reports it
		{"2160h", tftypes.NewValue(tftypes.Bool, nil), false},                  // likewise
	} {
		resp := &resource.ValidateConfigResponse{}
		cfg := managementValidateConfig(t, map[string]tftypes.Value{"renew_before": str(c.window), "force": c.force})
		windowFitsForce{}.ValidateResource(context.Background(), resource.ValidateConfigRequest{Config: cfg}, resp)
		got := resp.Diagnostics
		if got.HasError() != c.wantErr {
			t.Errorf("renew_before %s, force %s: errors %v, want error %v", c.window, c.force, got, c.wantErr)
			continue
		}
		if c.wantErr && (got[0].Summary() != "Renewal window needs force" ||
			!strings.Contains(got[0].Detail(), `Use at most "1439h"`) || !strings.Contains(got[0].Detail(), "force = true")) {
			t.Errorf("renew_before %s: want the window and force named as the fix, got %v", c.window, got)
		}
	}
}

// timeouts is a map (issue 20, item 12): a key the resource does not take is refused with
// the one it may have meant, and every value must be a positive Go duration.
func TestTimeoutsValidator_refusesUnknownKeysAndNonPositiveDurations(t *testing.T) {
	for _, c := range []struct {
		values   map[string]string
		wantErrs []string
	}{
		{map[string]string{"create": "1ns", "read": "1ns"}, nil},
		{map[string]string{"create": "60m"}, nil},
		{map[string]string{"craete": "5m"}, []string{`timeouts has no "craete": this one takes create and read. Did you mean "create"?`}},
		{map[string]string{"delete": "5m"}, []string{`timeouts has no "delete": this one takes create and read.`}},
		{map[string]string{"create": "0s"}, []string{`timeouts.create must be a positive duration such as "5m" or "1h"`}},
		{map[string]string{"read": "-1s"}, []string{`timeouts.read must be a positive duration such as "5m" or "1h": it bounds how long the provider waits for the host; got "-1s"`}},
		{map[string]string{"read": "5 minutes"}, []string{`timeouts.read must be a Go duration such as "5m" or "1h"; got "5 minutes"`}},
		{map[string]string{"create": "0", "read": "-5m"}, []string{"timeouts.create", "timeouts.read"}},
	} {
		elems := map[string]attr.Value{}
		for k, v := range c.values {
			elems[k] = types.StringValue(v)
		}
		resp := &validator.MapResponse{}
		timeoutsValidator{keys: renewalTimeouts}.ValidateMap(context.Background(), validator.MapRequest{
			Path: path.Root("timeouts"), ConfigValue: types.MapValueMust(types.StringType, elems)}, resp)
		if resp.Diagnostics.ErrorsCount() != len(c.wantErrs) {
			t.Errorf("%v: %v, want %d errors", c.values, resp.Diagnostics, len(c.wantErrs))
			continue
		}
		for i, want := range c.wantErrs {
			if !strings.Contains(resp.Diagnostics.Errors()[i].Detail(), want) {
				t.Errorf("%v: error %d %q lacks %q", c.values, i, resp.Diagnostics.Errors()[i].Detail(), want)
			}
		}
	}
}

// TestDurationSettings_aMalformedValueGetsTheProvidersMessageThroughTheProtocol validates
// "30d" in every duration setting the way Terraform does (the framework's whole attribute
// validation, over protocol 6). It is why those settings are strings checked by their own
// validators and not timetypes.GoDuration: with that type the framework reports the type's
// generic message and skips the validators, so the usual value and the "24h per day" hint
// below would be lost.
func TestDurationSettings_aMalformedValueGetsTheProvidersMessageThroughTheProtocol(t *testing.T) {
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil || len(schemas.Diagnostics) > 0 {
		t.Fatalf("schema: %v %v", err, schemas.Diagnostics)
	}
	config := func(s *tfprotov6.Schema, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
		typ := schemaObjectType(t, s.ValueType())
		dv, err := tfprotov6.NewDynamicValue(typ, objectWithNulls(typ, set))
		if err != nil {
			t.Fatal(err)
		}
		return &dv
	}
	malformed := func(name, value string) map[string]tftypes.Value {
		return map[string]tftypes.Value{name: tftypes.NewValue(tftypes.String, value)}
	}
	emulatorType := schemaObjectType(t, schemaObjectType(t, schemas.Provider.ValueType()).AttributeTypes["emulator"])
	for _, c := range []struct {
		name string
		run  func() ([]*tfprotov6.Diagnostic, error)
		want string
	}{
		{"akshybrid_management_certificates.renew_before", func() ([]*tfprotov6.Diagnostic, error) {
			r, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "akshybrid_management_certificates",
				Config: config(schemas.ResourceSchemas["akshybrid_management_certificates"], malformed("renew_before", "30d"))})
			return r.Diagnostics, err
		}, `renew_before must be a Go duration in hours, such as "720h" (30 days); got "30d". Days are written in hours: 24h per day`},
		{"akshybrid_cluster_certificates.renew_every", func() ([]*tfprotov6.Diagnostic, error) {
			set := malformed("renew_every", "60d")
			set["cluster_name"] = tftypes.NewValue(tftypes.String, "demo")
			r, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "akshybrid_cluster_certificates",
				Config: config(schemas.ResourceSchemas["akshybrid_cluster_certificates"], set)})
			return r.Diagnostics, err
		}, `renew_every must be a Go duration in hours, such as "1440h" (60 days); got "60d". Days are written in hours: 24h per day`},
		{"akshybrid_cloud_agent_ca.renew_before", func() ([]*tfprotov6.Diagnostic, error) {
			r, err := server.ValidateResourceConfig(ctx, &tfprotov6.ValidateResourceConfigRequest{TypeName: "akshybrid_cloud_agent_ca",
				Config: config(schemas.ResourceSchemas["akshybrid_cloud_agent_ca"], malformed("renew_before", "60d"))})
			return r.Diagnostics, err
		}, `renew_before must be a Go duration in hours, such as "1440h" (60 days); got "60d". Days are written in hours: 24h per day`},
		{"data.akshybrid_certificates.renew_before", func() ([]*tfprotov6.Diagnostic, error) {
			r, err := server.ValidateDataResourceConfig(ctx, &tfprotov6.ValidateDataResourceConfigRequest{TypeName: "akshybrid_certificates",
				Config: config(schemas.DataSourceSchemas["akshybrid_certificates"], malformed("renew_before", "30d"))})
			return r.Diagnostics, err
		}, `such as "720h" (30 days); got "30d". Days are written in hours`},
		{"action.akshybrid_renew_management_certificates.renew_before", func() ([]*tfprotov6.Diagnostic, error) {
			actions, ok := server.(tfprotov6.ProviderServerWithActions) //nolint:staticcheck // the framework's server serves actions through it
			if !ok {
				t.Fatal("the provider server serves no actions")
			}
			r, err := actions.ValidateActionConfig(ctx, &tfprotov6.ValidateActionConfigRequest{ActionType: "akshybrid_renew_management_certificates",
				Config: config(schemas.ActionSchemas["akshybrid_renew_management_certificates"].Schema, malformed("renew_before", "30d"))})
			return r.Diagnostics, err
		}, `such as "720h" (30 days); got "30d". Days are written in hours`},
		{"provider emulator.time_offset", func() ([]*tfprotov6.Diagnostic, error) {
			r, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: config(schemas.Provider,
				map[string]tftypes.Value{"emulator": objectWithNulls(emulatorType, malformed("time_offset", "61d"))})})
			return r.Diagnostics, err
		}, `such as "1464h" (61 days); got "61d". Days are written in hours`},
	} {
		diags, err := c.run()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var errs []*tfprotov6.Diagnostic
		for _, d := range diags {
			if d.Severity == tfprotov6.DiagnosticSeverityError {
				errs = append(errs, d)
			}
		}
		if len(errs) != 1 || !strings.Contains(errs[0].Detail, c.want) {
			t.Errorf("%s = malformed: want one error containing %q, got %d: %s", c.name, c.want, len(errs), protocolDiagnostics(diags))
		}
	}
}

func protocolDiagnostics(diags []*tfprotov6.Diagnostic) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString("\n  " + d.Summary + ": " + d.Detail)
	}
	return b.String()
}

// TestTimestamps_stateWrittenBeforeTimetypesReadsBack: the RFC 3339 attributes keep the
// string wire type, so state written while they were plain strings (schema version 0)
// upgrades to version 1 (whose only change is the timeouts map, timeouts.go) and decodes
// into the timetypes model with the same instants.
func TestTimestamps_stateWrittenBeforeTimetypesReadsBack(t *testing.T) {
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for typeName, attrs := range map[string][]string{
		"akshybrid_management_certificates": {"renewed_at", "expires_at"},
		"akshybrid_cluster_certificates":    {"renewed_at", "expires_at"},
		"akshybrid_cloud_agent_ca":          {"renewed_at", "expires_at"},
	} {
		s := schemas.ResourceSchemas[typeName]
		if s.Version != 1 {
			t.Errorf("%s: schema version %d, want 1: only timeouts changed its wire type", typeName, s.Version)
		}
		for _, a := range attrs {
			if got := schemaObjectType(t, s.ValueType()).AttributeTypes[a]; !got.Equal(tftypes.String) {
				t.Errorf("%s.%s: wire type %s, want string", typeName, a, got)
			}
		}
	}
	for _, a := range []string{"observed_at", "ca_expires_at", "expires_at"} {
		if got := schemaObjectType(t, schemas.DataSourceSchemas["akshybrid_certificates"].ValueType()).AttributeTypes[a]; !got.Equal(tftypes.String) {
			t.Errorf("akshybrid_certificates.%s: wire type %s, want string", a, got)
		}
	}

	// A management resource's state as the previous release wrote it.
	old := `{"id":"management","renew_before":"720h","renew_every":"1440h","triggers":null,` +
		`"renewed_at":"2027-01-01T00:00:00Z","expires_at":"2027-03-31T00:00:00Z","expiring_credential":"KMS token",` +
		`"ready_for_renewal":false,"force":false,"timeouts":null}`
	up, err := server.UpgradeResourceState(ctx, &tfprotov6.UpgradeResourceStateRequest{
		TypeName: "akshybrid_management_certificates", Version: 0, RawState: &tfprotov6.RawState{JSON: []byte(old)},
	})
	if err != nil || len(up.Diagnostics) > 0 {
		t.Fatalf("upgrade: %v%s", err, protocolDiagnostics(up.Diagnostics))
	}
	var sr resource.SchemaResponse
	NewManagementCertificatesResource().Schema(ctx, resource.SchemaRequest{}, &sr)
	raw, err := up.UpgradedState.Unmarshal(sr.Schema.Type().TerraformType(ctx))
	if err != nil {
		t.Fatal(err)
	}
	var m managementCertificatesModel
	if d := (tfsdk.State{Schema: sr.Schema, Raw: raw}).Get(ctx, &m); d.HasError() {
		t.Fatalf("get: %v", d)
	}
	renewed, d1 := m.RenewedAt.ValueRFC3339Time()
	expires, d2 := m.ExpiresAt.ValueRFC3339Time()
	if d1.HasError() || d2.HasError() || !renewed.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) ||
		!expires.Equal(time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("renewed_at %s (%v), expires_at %s (%v)", renewed, d1, expires, d2)
	}
	if m.RenewedAt.ValueString() != "2027-01-01T00:00:00Z" || m.ExpiresAt.ValueString() != "2027-03-31T00:00:00Z" {
		t.Errorf("the strings changed: renewed_at %s, expires_at %s", m.RenewedAt, m.ExpiresAt)
	}
	sch, ok := m.schedule(credentialWindow)
	if !ok || !sch.renewedAt.Equal(renewed) || sch.every != 1440*time.Hour {
		t.Errorf("schedule from the old state: %+v, %v", sch, ok)
	}
	// What the provider writes back is the same string (UTC, second precision).
	if got := timeValue(time.Date(2027, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600))); got.ValueString() != "2027-01-01T00:00:00Z" {
		t.Errorf("timeValue writes %s, want the UTC form 2027-01-01T00:00:00Z", got)
	}
}
