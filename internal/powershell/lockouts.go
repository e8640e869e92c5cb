// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// clusterListLockout recognises the documented texts Get-AksHciCluster fails with when
// kvactl is locked out: kvactl reports "failed to create azurestackhci session" and then
// its expired certificate [#146] or its expired token [#169]. Only these two are
// documented lockouts of Get-AksHciCluster; every other failure is the list's own.
func clusterListLockout(message string) (akshci.Lockout, bool) {
	f, ok := classify(message, toolKvactl)
	switch {
	case !ok:
	case f.code == "kvactl-expired-certificate":
		return akshci.KVACertificateLockout(), true
	case f.code == "kvactl-expired-token":
		return akshci.KVATokenLockout(), true
	}
	return akshci.Lockout{}, false
}

// clusterList reads Get-AksHciCluster's failure. A recognised kvactl lockout becomes the
// inventory's lockout; any other failure becomes the inventory's ClusterListFailure,
// with the host's text and what it means. Either way only the workload clusters are
// unknown: the management cluster's credentials come from other sources and stay usable,
// so its renewal, the documented fix for kvactl's token [#169], can still be planned.
func (doc *Document) clusterList(inv *akshci.Inventory) error {
	e := doc.ClusterNamesError
	if e == nil {
		return nil
	}
	if err := checkCode("Get-AksHciCluster", e); err != nil {
		return err
	}
	if len(doc.ClusterNames) > 0 || len(doc.Clusters) > 0 {
		return &InventoryError{Reason: "the document reports both Get-AksHciCluster's failure and workload clusters"}
	}
	if l, ok := clusterListLockout(e.Message); ok {
		inv.Lockouts = append(inv.Lockouts, l)
		return nil
	}
	inv.ClusterListFailure = &akshci.ClusterListError{Operation: "Get-AksHciCluster", Reason: failureReason(e, toolKvactl, "")}
	return nil
}
