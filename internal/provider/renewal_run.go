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
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// renewalRun is one renewal of a target on the host followed by the check that it took
// effect: what the resources' Create and the renew-now actions share.
type renewalRun struct {
	target renewalTarget
	// window is renew_before; windowText is how the configuration wrote it, for messages.
	window     time.Duration
	windowText string
	// timeout bounds the renewal itself, not the wait for another renewal to finish.
	timeout time.Duration
	// timeoutAttr names the timeout that bounds the run in messages: "timeouts.create" or
	// "timeouts.invoke".
	timeoutAttr string
	// failed says, after "failed, ", what a failure leaves behind; unknown says the same
	// when the outcome is unknown (issue 10: a timeout, a cancellation or a broken
	// connection while the cmdlet ran).
	failed, unknown string
	// progress, when set, hears each step (the actions' progress messages).
	progress func(msg string)
	// explicit: the user asked for this renewal (a renew-now action), so it must change
	// something even when nothing was due. A resource's create need not: creating a
	// resource whose credentials are not due runs the cmdlet, which then rotates nothing.
	explicit bool
}

func (rr *renewalRun) say(msg string) {
	if rr.progress != nil {
		rr.progress(msg)
	}
}

// run renews rr.target and verifies it: apply never reports success for a renewal that
// did not happen. On failure it adds an error to diags and returns ok false.
func (d *providerData) runRenewal(ctx context.Context, rr renewalRun, diags *diag.Diagnostics) (inv *akshci.Inventory, st akshci.Status, ok bool) {
	t := rr.target
	// The timeout bounds the renewal itself, not the wait for other renewals on the
	// same deployment; Ctrl-C still ends the wait.
	release, err := d.acquireRenewal(ctx)
	if err != nil {
		diags.AddError("Renewal cancelled before it started", fmt.Sprintf("%s for %s did not start: %s while it waited "+
			"for another renewal on this deployment to finish. Nothing was changed.", t.cmdlet(), t, &stopError{cause: err}))
		return nil, st, false
	}
	defer release()
	ctx, cancel := context.WithTimeout(ctx, rr.timeout)
	defer cancel()

	// What the renewal renews, as the host reports it before the cmdlet: the run's
	// inventory, read again only when an earlier renewal changed the host.
	before, err := d.inventory(ctx)
	if err != nil {
		diags.AddError("Cannot read the AKS hybrid inventory before the renewal", err.Error()+". Nothing was changed.")
		return nil, st, false
	}
	beforeCreds, err := t.credentials(before)
	if err != nil {
		addTargetError(diags, err)
		return nil, st, false
	}
	due, err := renewalStatus(before, t, rr.window, schedule{})
	if err != nil {
		addTargetError(diags, err)
		return nil, st, false
	}
	// A due renewal, a rotation of the CA (which always issues a new CA) and a renew-now
	// action must change what they renew.
	mustChange := rr.explicit || due.Ready || !t.issues()

	started := d.clock.Now()
	fields := t.logFields()
	fields["target"], fields["cmdlet"] = t.String(), t.cmdlet()
	tflog.Info(ctx, "renewal starting", fields)
	rr.say(fmt.Sprintf("Running %s for %s", t.cmdlet(), t))
	err = t.renew(ctx, d.host)
	d.invalidate()
	if err != nil {
		var nf *akshci.ClusterNotFoundError
		switch {
		case errors.As(err, &nf):
			addTargetError(diags, err)
		case errors.Is(err, akshci.ErrOutcomeUnknown), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
			diags.AddError("Renewal outcome unknown",
				fmt.Sprintf("%s for %s ended before the host reported a result (%s), so it may or may not have completed. "+
					"%s. Raise %s if the host is just slow.\n\n%s",
					t.cmdlet(), t, endCause(ctx, err, rr.timeoutAttr), rr.unknown, rr.timeoutAttr, err))
		default:
			diags.AddError("Renewal failed",
				fmt.Sprintf("%s for %s failed, %s.\n\n%s", t.cmdlet(), t, rr.failed, err))
		}
		return nil, st, false
	}

	rr.say(fmt.Sprintf("%s finished; reading the credentials back from the host", t.cmdlet()))
	inv, err = d.inventory(ctx)
	if err != nil {
		diags.AddError("Cannot read the AKS hybrid inventory after the renewal", err.Error())
		return nil, st, false
	}
	st, err = renewalStatus(inv, t, rr.window, schedule{})
	if err != nil {
		addTargetError(diags, err)
		return nil, st, false
	}
	afterCreds, err := t.credentials(inv)
	if err != nil {
		addTargetError(diags, err)
		return nil, st, false
	}
	if mustChange && !checkEffect(diags, rr, before, akshci.CompareRenewal(beforeCreds, afterCreds), beforeCreds) {
		return nil, st, false
	}
	if st.Ready {
		diags.AddError("Renewal did not take effect",
			fmt.Sprintf("%s for %s completed, but %s still expires at %s, inside renew_before (%s). The host rotates "+
				"credentials only when they are close to expiry unless forced: set force = true, or shorten renew_before.",
				t.cmdlet(), t, st.Credential, st.ExpiresAt.Format(timeFormat), rr.windowText))
		return nil, st, false
	}
	tflog.Info(ctx, "renewal finished", map[string]any{
		"target": t.String(), "duration": d.clock.Now().Sub(started).String(), "expires_at": timeValue(st.ExpiresAt).ValueString(),
	})
	return inv, st, true
}

// checkEffect fails a renewal after which no credential it renews changed on the host:
// the cmdlet exited 0 and did nothing (without -force the update cmdlets skip
// credentials that are not close to expiry). When no credential in scope had a known
// expiry both before and after, nothing can be observed: the renewal is kept, with a
// warning that says so, since a real host may not report every expiry (renew_every
// exists for those hosts).
func checkEffect(diags *diag.Diagnostics, rr renewalRun, before *akshci.Inventory, e akshci.RenewalEffect, beforeCreds []akshci.Credential) bool {
	t := rr.target
	switch {
	case len(e.Changed) > 0:
		return true
	case len(e.Unchanged) == 0:
		diags.AddWarning("Renewal not verified",
			fmt.Sprintf("%s for %s completed, but the host reports no expiry for the credentials it renews, before or "+
				"after, so nothing shows whether it changed them. renewed_at records the run; renew_every keeps renewing "+
				"on a schedule.", t.cmdlet(), t))
		return true
	}
	diags.AddError("Renewal changed nothing",
		fmt.Sprintf("%s for %s completed, but the host reports the same %s as before: it renewed nothing. %s "+
			"Nothing was recorded in the Terraform state.", t.cmdlet(), t, strings.Join(e.Unchanged, ", "),
			noChangeReason(t, before, beforeCreds, rr.window)))
	return false
}

// noChangeReason says why a cmdlet may have renewed nothing, and what to do.
func noChangeReason(t renewalTarget, before *akshci.Inventory, creds []akshci.Credential, window time.Duration) string {
	if !t.issues() {
		return "The host did not rotate the cloud agent CA; check its logs, then apply again."
	}
	if t.forced() {
		return "Even with -force the cmdlet re-issued nothing; check the host's logs, then apply again."
	}
	st := akshci.Evaluate(before.Now, creds, window)
	if !st.ExpiresAt.IsZero() && st.ExpiresAt.Sub(before.Now) >= akshci.NoForceRotationLeft {
		return fmt.Sprintf("Without -force the update cmdlets rotate only credentials with less than %s left, and the "+
			"first to expire, %s, had %s left. Set force = true to renew ahead of that (a triggers change, -replace or a "+
			"renew-now action), or let renew_before plan the renewal.", akshci.Days(akshci.NoForceRotationLeft),
			st.Credential, akshci.Days(st.ExpiresAt.Sub(before.Now)))
	}
	return "Without -force the update cmdlets rotate only credentials close to expiry. Set force = true, or check the " +
		"host's logs, then apply again."
}

// endCause says what ended a host call early; timeoutAttr names the timeout that bounds it.
func endCause(ctx context.Context, err error, timeoutAttr string) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return (&stopError{cause: context.DeadlineExceeded, timeoutAttr: timeoutAttr}).Error()
	case errors.Is(ctx.Err(), context.Canceled) || errors.Is(err, context.Canceled):
		return (&stopError{cause: context.Canceled}).Error()
	}
	return "the connection to the host broke"
}
