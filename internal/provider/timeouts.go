// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	aschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// timeouts is a map of Go durations keyed by operation, written
// `timeouts = { create = "90m" }` (issue 20, item 12). It used to be the
// terraform-plugin-framework-timeouts nested attribute, an object: Terraform converts an
// object literal to the attribute's object type before the provider sees it, and that
// conversion drops keys the type does not have, so `{ craete = "90m" }` became `{}` and
// the default applied without a word (Terraform 1.5.7 and 1.11 alike). A map keeps every
// key, so a misspelled one is refused at validate time. The JSON of a map and of that
// object are the same, so state written before reads back (timeoutsStateUpgrader drops
// the object's null members, which a map would keep as entries).

// timeoutKey is one operation a timeouts map takes: its key, what it bounds and its
// default.
type timeoutKey struct {
	name, bounds, def string
}

// timeoutKeys are the keys of one resource's, data source's or action's timeouts.
type timeoutKeys []timeoutKey

var (
	renewalTimeouts = timeoutKeys{
		{"create", "how long the renewal may run, including the check afterwards", minutes(defaultCreateTimeout)},
		{"read", "how long reading the inventory may take, during refresh and plan", minutes(defaultReadTimeout)},
	}
	readTimeouts   = timeoutKeys{{"read", "how long reading the inventory from the host may take", minutes(defaultReadTimeout)}}
	invokeTimeouts = timeoutKeys{{"invoke", "how long the renewal may run; waiting for another renewal on the same " +
		"deployment to finish does not count", minutes(defaultCreateTimeout)}}
)

// minutes writes a default timeout as the configuration takes it ("60m").
func minutes(d time.Duration) string { return strconv.FormatInt(int64(d/time.Minute), 10) + "m" }

func (ks timeoutKeys) names() []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = k.name
	}
	return out
}

func (ks timeoutKeys) description() string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("`%s` (%s; default `%s`)", k.name, k.bounds, k.def)
	}
	return "How long operations may take, as positive Go durations keyed by operation: " + strings.Join(parts, ", ") +
		". A map, written `timeouts = { " + ks[0].name + " = \"90m\" }`; any other key is an error."
}

func (ks timeoutKeys) resourceAttribute() rschema.Attribute {
	return rschema.MapAttribute{MarkdownDescription: ks.description(), Optional: true, ElementType: types.StringType,
		Validators: []validator.Map{timeoutsValidator{keys: ks}}}
}

func (ks timeoutKeys) dataSourceAttribute() dschema.Attribute {
	return dschema.MapAttribute{MarkdownDescription: ks.description(), Optional: true, ElementType: types.StringType,
		Validators: []validator.Map{timeoutsValidator{keys: ks}}}
}

func (ks timeoutKeys) actionAttribute() aschema.Attribute {
	return aschema.MapAttribute{MarkdownDescription: ks.description(), Optional: true, ElementType: types.StringType,
		Validators: []validator.Map{timeoutsValidator{keys: ks}}}
}

// timeoutFor is the timeout of operation key in m, or def when it is not set. A value the
// validator refused (it cannot get here from a validated configuration) is an error.
func timeoutFor(m types.Map, key string, def time.Duration) (time.Duration, diag.Diagnostics) {
	var diags diag.Diagnostics
	if m.IsNull() || m.IsUnknown() {
		return def, diags
	}
	v, ok := m.Elements()[key].(types.String)
	if !ok || v.IsNull() || v.IsUnknown() {
		return def, diags
	}
	d, err := time.ParseDuration(v.ValueString())
	if err != nil || d <= 0 {
		diags.AddError("Invalid timeout", "timeouts."+key+" must be a positive duration such as \"5m\" or \"1h\"; got "+
			quoted(v.ValueString())+".")
		return def, diags
	}
	return d, diags
}

// timeoutsValidator refuses, at validate time, a key the operation does not have (with
// the nearest one it may have meant) and a value that is not a positive Go duration: a
// zero deadline would fail every host call later with a misleading message.
type timeoutsValidator struct{ keys timeoutKeys }

func (v timeoutsValidator) Description(context.Context) string {
	return "keys among " + strings.Join(v.keys.names(), ", ") + ", each a positive Go duration"
}

func (v timeoutsValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v timeoutsValidator) ValidateMap(_ context.Context, req validator.MapRequest, resp *validator.MapResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	names := v.keys.names()
	elems := req.ConfigValue.Elements()
	keys := make([]string, 0, len(elems))
	for k := range elems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		at := req.Path.AtMapKey(k)
		if !contains(names, k) {
			hint := ""
			if near := nearest(k, names); near != "" {
				hint = " Did you mean " + quoted(near) + "?"
			}
			resp.Diagnostics.AddAttributeError(at, "Unsupported timeout",
				fmt.Sprintf("timeouts has no %s: this one takes %s.%s", quoted(k), strings.Join(names, " and "), hint))
			continue
		}
		s, ok := elems[k].(types.String)
		if !ok || s.IsNull() || s.IsUnknown() {
			continue
		}
		d, err := time.ParseDuration(s.ValueString())
		switch {
		case err != nil:
			resp.Diagnostics.AddAttributeError(at, "Invalid timeout", "timeouts."+k+" must be a Go duration such as "+
				"\"5m\" or \"1h\"; got "+quoted(s.ValueString())+".")
		case d <= 0:
			resp.Diagnostics.AddAttributeError(at, "Invalid timeout", "timeouts."+k+" must be a positive duration such "+
				"as \"5m\" or \"1h\": it bounds how long the provider waits for the host; got "+quoted(s.ValueString())+".")
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nearest is the name within two edits of s (a typo such as "craete"), or "".
func nearest(s string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein distance (optimal string alignment) of a and b,
// so a swap of two letters counts as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// timeoutsStateUpgrader upgrades a resource's state from schema version 0, whose
// timeouts was an object, to version 1, whose timeouts is a map: the same JSON, less the
// object's null members, which a map would keep as entries and so differ from the
// configuration that left them out.
func timeoutsStateUpgrader() resource.StateUpgrader {
	return resource.StateUpgrader{StateUpgrader: func(_ context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
		if req.RawState == nil || len(req.RawState.JSON) == 0 {
			resp.Diagnostics.AddError("Cannot upgrade the state", "The prior state has no JSON. Please report this issue to the provider developers.")
			return
		}
		var attrs map[string]json.RawMessage
		if err := json.Unmarshal(req.RawState.JSON, &attrs); err != nil {
			resp.Diagnostics.AddError("Cannot upgrade the state", "The prior state is not a JSON object: "+err.Error())
			return
		}
		if raw, ok := attrs["timeouts"]; ok && string(raw) != "null" {
			var members map[string]*string
			if err := json.Unmarshal(raw, &members); err != nil {
				resp.Diagnostics.AddError("Cannot upgrade the state", "timeouts in the prior state is not an object of strings: "+err.Error())
				return
			}
			kept := map[string]string{}
			for k, v := range members {
				if v != nil {
					kept[k] = *v
				}
			}
			b, _ := json.Marshal(kept)
			attrs["timeouts"] = b
		}
		out, err := json.Marshal(attrs)
		if err != nil {
			resp.Diagnostics.AddError("Cannot upgrade the state", err.Error())
			return
		}
		resp.DynamicValue = &tfprotov6.DynamicValue{JSON: out}
	}}
}
