// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// kvactlCertificateExpired is kvactl's expired client certificate [#146]; with
// kvactlSession it is the KVA certificate lockout, with validToken the KVA token one
// [#169] (errors.go).
var kvactlCertificateExpired = regexp.MustCompile(`Certificate has expired: Expired`)

// clusterListLockout recognises the documented texts Get-AksHciCluster fails with when
// kvactl is locked out: kvactl reports "failed to create azurestackhci session" and then
// its expired certificate [#146] or its expired token [#169]. Only these two are
// documented for Get-AksHciCluster; anything else is not recognised.
func clusterListLockout(message string) (akshci.Lockout, bool) {
	if !kvactlSession.MatchString(message) {
		return akshci.Lockout{}, false
	}
	switch {
	case kvactlCertificateExpired.MatchString(message):
		return akshci.KVACertificateLockout(), true
	case validToken.MatchString(message):
		return akshci.KVATokenLockout(), true
	}
	return akshci.Lockout{}, false
}

// clusterListLockouts reads Get-AksHciCluster's failure. A recognised kvactl lockout
// becomes the inventory's lockout: the workload clusters are then unknown (the provider
// refuses to list them rather than report none), while the management cluster's
// credentials, read from other sources, stay usable, so its renewal, the documented fix
// for kvactl's token [#169], can still be planned. Any other failure fails the
// inventory with the host's text and the documented remedies it matches.
func (doc *Document) clusterListLockouts() ([]akshci.Lockout, error) {
	e := doc.ClusterNamesError
	if e == nil {
		return nil, nil
	}
	if err := checkCode("Get-AksHciCluster", &e.Code); err != nil {
		return nil, err
	}
	if len(doc.ClusterNames) > 0 || len(doc.Clusters) > 0 {
		return nil, &InventoryError{Reason: "the document reports both Get-AksHciCluster's failure and workload clusters"}
	}
	if l, ok := clusterListLockout(e.Message); ok {
		return []akshci.Lockout{l}, nil
	}
	reason := "Get-AksHciCluster failed (" + reason(&e.Code, "") + "): " + strconv.Quote(excerptN(mask(strings.TrimSpace(e.Message)), 1000))
	for _, r := range remedies(e.Message) {
		reason += "\nRemedy: " + r
	}
	return nil, &InventoryError{Reason: reason}
}
