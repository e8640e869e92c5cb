// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// The cloud agent CA is never silent: every resource and data source that reads the
// inventory reports it. Inside the CA's window (akshci.CARenewBefore, or the
// akshybrid_cloud_agent_ca resource's renew_before for that resource) every plan and
// refresh warns with the date. Once it has expired every plan of a credential resource
// fails with the remedy, unless this run rotates it (akshybrid_cloud_agent_ca planned
// a rotation first, which its dependants see because Terraform plans dependencies
// first). A refresh only warns, so destroy and refresh-only runs (HCP Terraform health
// assessments) still work and show it.

// caRotation records, per provider instance (one Terraform run), that a rotation of the
// cloud agent CA is planned, so the follow-up renewals depending on it plan their
// replacement instead of failing.
type caRotation struct {
	mu      sync.Mutex
	planned bool
	// warned: the CA's warning was given in this run already. It is given once per run
	// (per provider instance), not once per resource: the CA is one thing.
	warned bool
}

// firstWarning reports whether the CA's warning is still to be given in this run.
func (r *caRotation) firstWarning() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := !r.warned
	r.warned = true
	return first
}

func (r *caRotation) plan() {
	r.mu.Lock()
	r.planned = true
	r.mu.Unlock()
}

func (r *caRotation) isPlanned() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.planned
}

// caRemedy is what to do once the CA is due or has expired: the documented cmdlet, then
// the documented renewals in order ([ps:invoke-akshcirotatecacertificate],
// [d:certificates-update-after-sixty-days.md]).
const caRemedy = "Rotate the CA with akshybrid_cloud_agent_ca (allow_downtime = true) or " + akshci.RotateCACmdlet +
	" in a maintenance window (every client loses contact with the cloud agent while it runs), then renew the " +
	"management cluster's credentials (akshybrid_management_certificates, Update-AksHciCertificates) and then each " +
	"workload cluster's (akshybrid_cluster_certificates, Update-AksHciClusterCertificates). One apply does all of it " +
	"in order when the renewal resources have replace_triggered_by = [akshybrid_cloud_agent_ca.<name>.renewed_at] " +
	"(see the guide \"Rotating the cloud agent CA\")."

// warnCAOnce gives the CA's warning for a refresh or a data source, once per run.
func warnCAOnce(diags *diag.Diagnostics, inv *akshci.Inventory, window time.Duration, r *caRotation) {
	if inv.CAStatus(window) >= akshci.CAExpiring && r.firstWarning() {
		warnCA(diags, inv, window)
	}
}

// warnCA adds the CA's warning for a refresh or a data source: never an error.
func warnCA(diags *diag.Diagnostics, inv *akshci.Inventory, window time.Duration) {
	switch inv.CAStatus(window) {
	case akshci.CAExpiring:
		diags.AddWarning("Cloud agent CA expires soon",
			fmt.Sprintf("The cloud agent CA expires at %s (host time %s; %s left, inside the %s window). Nothing renews it "+
				"by itself: once it expires every client loses the cloud agent and no renewal can succeed. %s",
				inv.CAExpiresAt.Format(timeFormat), inv.Now.Format(timeFormat), left(inv), akshci.Hours(window), caRemedy))
	case akshci.CAExpired:
		diags.AddWarning("Cloud agent CA has expired", caExpiredDetail(inv))
	}
}

// caExpiredError stops a plan or an action on the expired CA. The CA comes first, with
// its remedy, whatever else the host reports: until the rotation no cmdlet that needs
// the cloud agent works, so a lockout's own recovery cannot work either, and some
// lockouts come from the expiry itself (kvactl's certificate ended with the CA). The
// lockouts that also block the target follow, to be checked after the rotation.
func caExpiredError(diags *diag.Diagnostics, inv *akshci.Inventory, lockouts []akshci.Lockout) {
	diags.AddError("Cloud agent CA has expired", caExpiredDetail(inv)+" Nothing was changed on the host."+lockoutsAfterCA(lockouts))
}

// lockoutsAfterCA lists, after the CA's expiry, the lockouts the host reports too.
func lockoutsAfterCA(ls []akshci.Lockout) string {
	if len(ls) == 0 {
		return ""
	}
	return "\n\nThe host also reports the lockouts below. Rotate the CA first: until then no cmdlet that needs the " +
		"cloud agent can work, so their recovery steps cannot work either. Plan again after the rotation and the " +
		"follow-up renewals to see which remain.\n\n" + akshci.JoinLockouts(ls)
}

// clusterListError reports that a lockout keeps the host from listing its workload
// clusters (Get-AksHciCluster fails), for what needs the list: what failed (summary,
// such as "Cannot list the workload clusters"), op the cmdlet that fails. Once the CA has
// expired its expiry comes first, with its remedy, and then the lockout. advice, when not
// empty, says what else the user can do.
func clusterListError(diags *diag.Diagnostics, inv *akshci.Inventory, summary, op string, listErr error, advice string) {
	text := listErr.Error()
	if !inv.CAExpired() {
		if advice != "" {
			text += "\n\n" + advice
		}
		diags.AddError(summary, text)
		return
	}
	detail := caExpiredDetail(inv) + " Until then " + op + " fails, so " + lowerFirst(summary) + ". Nothing was " +
		"changed on the host."
	if advice != "" {
		detail += " " + advice
	}
	diags.AddError("Cloud agent CA has expired: "+lowerFirst(summary), detail+"\n\nWhat the host reports:\n\n"+text)
}

// unreadableWarning warns that the host cannot list its clusters (listErr, a lockout or
// the list's own failure), so t cannot be read; tail says what the resource does
// meanwhile. Once the CA has expired its expiry and remedy come first.
func unreadableWarning(diags *diag.Diagnostics, inv *akshci.Inventory, t renewalTarget, listErr error, tail string) {
	if !inv.CAExpired() {
		diags.AddWarning("Cannot read "+t.String(), fmt.Sprintf("%s. %s", listErr, tail))
		return
	}
	diags.AddWarning("Cloud agent CA has expired: cannot read "+t.String(),
		fmt.Sprintf("%s Until then Get-AksHciCluster fails, so the credentials of %s cannot be read. %s\n\nWhat the host reports:\n\n%s",
			caExpiredDetail(inv), t, tail, listErr))
}

// lowerFirst lowers the first letter of a diagnostic summary used inside a sentence.
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func caExpiredDetail(inv *akshci.Inventory) string {
	return fmt.Sprintf("The cloud agent CA expired at %s (host time %s). Every client certificate it signed is unusable "+
		"and no renewal can succeed until the CA is rotated. %s", inv.CAExpiresAt.Format(timeFormat),
		inv.Now.Format(timeFormat), caRemedy)
}

func left(inv *akshci.Inventory) string {
	d := inv.CAExpiresAt.Sub(inv.Now)
	if d >= 24*time.Hour {
		return akshci.Days(d)
	}
	return d.Truncate(time.Minute).String()
}

// planCA reports the CA in the plan of a resource that needs it to issue credentials:
// inside the CA's window a warning with the date, once per run; once it has expired,
// that this run rotates it first (a plan that does not rotate it stops earlier, with
// caExpiredError).
func planCA(diags *diag.Diagnostics, inv *akshci.Inventory, r *caRotation) {
	if !inv.CAExpired() {
		if inv.CAStatus(akshci.CARenewBefore) == akshci.CAExpiring && r.firstWarning() {
			warnCA(diags, inv, akshci.CARenewBefore)
		}
		return
	}
	diags.AddWarning("Cloud agent CA has expired: rotated first in this apply",
		fmt.Sprintf("The cloud agent CA expired at %s (host time %s). akshybrid_cloud_agent_ca rotates it in this "+
			"apply before this renewal runs, which then re-issues the credentials the old CA signed.",
			inv.CAExpiresAt.Format(timeFormat), inv.Now.Format(timeFormat)))
}

// caRecord is what a resource keeps in its private state about the CA it last saw.
type caRecord struct {
	Fingerprint string    `json:"fingerprint"`
	NotAfter    time.Time `json:"not_after"`
}

// privateCAKey is the private-state key of the caRecord.
const privateCAKey = "cloud_agent_ca"

type caPrivateGetter interface {
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

type caPrivateSetter interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
}

// currentCA is the CA the inventory names as current; ok is false when the host
// reported no CA certificate.
func currentCA(inv *akshci.Inventory) (caRecord, bool) {
	ca, ok := akshci.CurrentCA(inv.CAs)
	return caRecord{Fingerprint: ca.Fingerprint, NotAfter: ca.NotAfter}, ok
}

// rememberCA stores the current CA's fingerprint in private state.
func rememberCA(ctx context.Context, p caPrivateSetter, inv *akshci.Inventory) diag.Diagnostics {
	rec, ok := currentCA(inv)
	if p == nil || inv == nil || !ok {
		return nil
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return nil
	}
	return p.SetKey(ctx, privateCAKey, data)
}

// checkCAChanged warns when the CA behind this resource is not the one it last saw: a
// rotation outside this resource, another host, or a recreated emulator file. A state
// from before the fingerprint was kept, or a host that reports no CA, is adopted quietly.
func checkCAChanged(ctx context.Context, p caPrivateGetter, inv *akshci.Inventory, t renewalTarget, diags *diag.Diagnostics) {
	cur, ok := currentCA(inv)
	if p == nil || !ok {
		return
	}
	data, d := p.GetKey(ctx, privateCAKey)
	diags.Append(d...)
	var rec caRecord
	if len(data) == 0 || json.Unmarshal(data, &rec) != nil || rec.Fingerprint == "" || rec.Fingerprint == cur.Fingerprint {
		return
	}
	diags.AddWarning("The cloud agent CA behind this resource changed",
		fmt.Sprintf("%s last saw cloud agent CA %s (expiring %s); the host now reports CA %s (expiring %s). Either the CA "+
			"was rotated outside this configuration, the provider now points at another deployment, or the emulator's "+
			"state file was recreated. Check the provider settings. If the rotation was intended, apply: credentials the "+
			"old CA signed are planned for renewal when they are due, and the next apply records the new CA.",
			t, short(rec.Fingerprint), rec.NotAfter.Format(timeFormat), short(cur.Fingerprint), cur.NotAfter.Format(timeFormat)))
}

// short abbreviates a fingerprint for messages, as SSH does.
func short(fp string) string {
	if len(fp) > 16 {
		return "SHA256:" + fp[:16] + "…"
	}
	return "SHA256:" + fp
}
