// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// The actions' Invoke, driven directly against a scripted host: cancellation, the invoke
// timeout, and the post-renewal check, which the CLI tests can only observe from outside.

// stuckHost is a host whose updates hang until their context ends.
type stuckHost struct{ *scriptedHost }

func (h stuckHost) UpdateManagementCertificates(ctx context.Context, _ akshci.ManagementOptions) error {
	<-ctx.Done()
	return ctx.Err()
}

// invokeAction runs an action's Invoke with the given attribute values (the rest null)
// and returns its diagnostics and progress messages.
func invokeAction(ctx context.Context, t *testing.T, a *renewAction, host akshci.Host, values map[string]tftypes.Value) (string, []string) {
	t.Helper()
	a.data = newProviderData(host, akshci.NewFakeClock(unitNow))
	var sresp action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &sresp)
	typ, ok := sresp.Schema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the action schema is not an object")
	}
	attrs := map[string]tftypes.Value{}
	for name, at := range typ.AttributeTypes {
		if v, ok := values[name]; ok {
			attrs[name] = v
		} else {
			attrs[name] = tftypes.NewValue(at, nil)
		}
	}
	var progress []string
	resp := action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) { progress = append(progress, e.Message) }}
	a.Invoke(ctx, action.InvokeRequest{Config: tfsdk.Config{Schema: sresp.Schema, Raw: tftypes.NewValue(typ, attrs)}}, &resp)
	var msgs []string
	for _, d := range resp.Diagnostics {
		msgs = append(msgs, d.Severity().String()+": "+d.Summary()+": "+d.Detail())
	}
	return strings.Join(msgs, "\n"), progress
}

func invokeTimeout(d string) map[string]tftypes.Value {
	return map[string]tftypes.Value{"timeouts": tftypes.NewValue(tftypes.Map{ElementType: tftypes.String},
		map[string]tftypes.Value{"invoke": tftypes.NewValue(tftypes.String, d)})}
}

func TestRenewActionStopsAtTheInvokeTimeout(t *testing.T) {
	ctx := context.Background()
	diags, progress := invokeAction(ctx, t, &renewAction{}, stuckHost{newScriptedHost(10 * day)}, invokeTimeout("20ms"))
	// Since issue 10 a renewal cut short says its outcome is unknown (the cmdlet may have
	// completed on the host), naming what ended it and the timeout to raise.
	if !strings.Contains(diags, "Renewal outcome unknown") || !strings.Contains(diags, "the invoke timeout passed") ||
		!strings.Contains(diags, "Raise timeouts.invoke") || !strings.Contains(diags, context.DeadlineExceeded.Error()) {
		t.Errorf("diagnostics %q, want an unknown outcome that names the invoke deadline", diags)
	}
	if len(progress) < 2 || !strings.Contains(progress[1], "Update-AksHciCertificates") {
		t.Errorf("progress %q, want the check and then the cmdlet", progress)
	}
}

func TestRenewActionStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	host := &cancellingHost{scriptedHost: newScriptedHost(10 * day), cancel: cancel}
	diags, _ := invokeAction(ctx, t, &renewAction{}, host, nil)
	if !strings.Contains(diags, "Renewal outcome unknown") || !strings.Contains(diags, "it was cancelled") ||
		!strings.Contains(diags, context.Canceled.Error()) {
		t.Errorf("diagnostics %q, want an unknown outcome that names the cancellation", diags)
	}
}

// Every message about a cancellation says it in the same words, whether the renewal had
// started (its outcome is unknown) or was still waiting for its turn (nothing changed).
func TestCancellationMessagesShareOneWording(t *testing.T) {
	const wording = "it was cancelled (Ctrl-C, or Terraform stopping the run)"
	ctx, cancel := context.WithCancel(context.Background())
	started, _ := invokeAction(ctx, t, &renewAction{}, &cancellingHost{scriptedHost: newScriptedHost(10 * day), cancel: cancel}, nil)

	d := newProviderData(newScriptedHost(10*day), akshci.NewFakeClock(unitNow))
	d.renewing <- struct{}{} // another renewal holds the deployment
	waiting, stop := context.WithCancel(context.Background())
	stop()
	var diags diag.Diagnostics
	d.runRenewal(waiting, renewalRun{target: managementTarget{}, window: akshci.DefaultRenewBefore, timeout: time.Minute,
		timeoutAttr: "timeouts.create"}, &diags)
	notStarted := diagText(diags)

	for name, text := range map[string]string{"started": started, "not started": notStarted} {
		if !strings.Contains(text, wording) {
			t.Errorf("%s: %q does not say %q", name, text, wording)
		}
	}
	if !strings.Contains(notStarted, "Renewal cancelled before it started") || strings.Contains(notStarted, context.Canceled.Error()) {
		t.Errorf("not started: %q, want the summary and no Go error text in the provider's own sentence", notStarted)
	}
}

// cancellingHost cancels the run (Ctrl-C) once the update started, then waits for it.
type cancellingHost struct {
	*scriptedHost
	cancel context.CancelFunc
}

func (h *cancellingHost) UpdateManagementCertificates(ctx context.Context, _ akshci.ManagementOptions) error {
	h.cancel()
	<-ctx.Done()
	return ctx.Err()
}

// A renewal that changed nothing fails the action, as it fails the resource's create;
// a renew-now action must change something even when nothing was due, and says why it
// did not (without -force the cmdlets skip credentials with 60 days or more left).
func TestRenewActionFailsWhenTheRenewalChangedNothing(t *testing.T) {
	host := newScriptedHost(75 * day) // not due, and the update changes nothing
	diags, _ := invokeAction(context.Background(), t, &renewAction{cluster: true}, host,
		map[string]tftypes.Value{"cluster_name": tftypes.NewValue(tftypes.String, "demo")})
	if !strings.Contains(diags, "Renewal changed nothing") ||
		!strings.Contains(diags, "less than 60 days left, and the first to expire, KMS token, had 75 days left. Set force = true") {
		t.Errorf("diagnostics %q, want the renewal reported as changing nothing, with the reason", diags)
	}
	if host.updates != 1 {
		t.Errorf("%d updates, want 1", host.updates)
	}
}

// A cluster the host does not have is refused before anything runs on the host.
func TestRenewActionRefusesAMissingClusterBeforeTheHost(t *testing.T) {
	host := newScriptedHost(10 * day)
	diags, _ := invokeAction(context.Background(), t, &renewAction{cluster: true}, host,
		map[string]tftypes.Value{"cluster_name": tftypes.NewValue(tftypes.String, "gone")})
	if !strings.Contains(diags, "Workload cluster not found") {
		t.Errorf("diagnostics %q, want the missing cluster named", diags)
	}
	if host.updates != 0 {
		t.Errorf("%d updates ran on the host, want none", host.updates)
	}
}

// A renewal that works reports the new expiry as its last progress message.
func TestRenewActionReportsTheNewExpiry(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.renewTo = unitNow.Add(akshci.Lifetime)
	diags, progress := invokeAction(context.Background(), t, &renewAction{}, host, nil)
	if diags != "" {
		t.Fatalf("diagnostics %q", diags)
	}
	want := unitNow.Add(90 * 24 * time.Hour).Format(time.RFC3339)
	if last := progress[len(progress)-1]; !strings.Contains(last, want) {
		t.Errorf("last progress %q, want the new expiry %s", last, want)
	}
}

// Issue 9's CA rule holds for the actions as for a resource's plan: once the cloud agent
// CA has expired nothing can be issued, so the action is refused with the remedy before
// anything runs on the host (an action never rotates the CA first).
func TestRenewActionRefusesAnExpiredCloudAgentCABeforeTheHost(t *testing.T) {
	for _, cluster := range []bool{false, true} {
		host := newScriptedHost(10 * day)
		host.inv.CAExpiresAt = unitNow.Add(-time.Hour)
		var values map[string]tftypes.Value
		if cluster {
			values = map[string]tftypes.Value{"cluster_name": tftypes.NewValue(tftypes.String, "demo")}
		}
		diags, _ := invokeAction(context.Background(), t, &renewAction{cluster: cluster}, host, values)
		if !strings.Contains(diags, "Error: Cloud agent CA has expired") || !strings.Contains(diags, "akshybrid_cloud_agent_ca") ||
			!strings.Contains(diags, "Nothing was changed on the host") {
			t.Errorf("cluster %v: diagnostics %q, want the expired CA refused with its remedy", cluster, diags)
		}
		if host.updates != 0 {
			t.Errorf("cluster %v: %d updates ran on the host, want none", cluster, host.updates)
		}
	}
}

// Within 60 days of the CA's expiry ([d:certificates-overview.md]: nothing renews it) the
// action still renews, and warns once.
func TestRenewActionWarnsOnceWhenTheCloudAgentCAExpiresSoon(t *testing.T) {
	host := newScriptedHost(10 * day)
	host.inv.CAExpiresAt = unitNow.Add(59 * day)
	host.renewTo = unitNow.Add(akshci.Lifetime)
	diags, _ := invokeAction(context.Background(), t, &renewAction{}, host, nil)
	if n := strings.Count(diags, "Warning: Cloud agent CA expires soon"); n != 1 || strings.Contains(diags, "Error:") {
		t.Errorf("diagnostics %q, want exactly one CA warning and no error", diags)
	}
	if host.updates != 1 {
		t.Errorf("%d updates, want 1", host.updates)
	}
}
