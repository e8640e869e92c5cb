// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"errors"
	"testing"
)

// A failed cluster list, whether a documented lockout or another failure, is one kind of
// error for the callers: nothing is known about which clusters exist.
func TestClusterListUnavailableCoversLockoutsAndFailures(t *testing.T) {
	failure := &ClusterListError{Operation: "Get-AksHciCluster", Reason: "context deadline exceeded"}
	tests := []struct {
		name string
		inv  *Inventory
		want bool
	}{
		{"listed", &Inventory{Clusters: []Cluster{{Name: "web"}}}, false},
		{"kvactl token lockout", &Inventory{Lockouts: []Lockout{KVATokenLockout()}}, true},
		{"a lockout that leaves the list alone", &Inventory{Lockouts: []Lockout{NodeAgentLockout()}, Clusters: []Cluster{{Name: "web"}}}, false},
		{"failure", &Inventory{ClusterListFailure: failure}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.inv.ClusterListUnavailable()
			if got := err != nil; got != tc.want {
				t.Fatalf("ClusterListUnavailable() = %v, want an error: %v", err, tc.want)
			}
			_, cerr := tc.inv.Credentials("web")
			if got := errors.Is(cerr, ErrClusterListUnavailable); got != tc.want {
				t.Errorf("Credentials(web) = %v; errors.Is(ErrClusterListUnavailable) = %v, want %v", cerr, got, tc.want)
			}
			if !tc.want && cerr != nil {
				t.Errorf("Credentials(web) = %v with the list known", cerr)
			}
		})
	}
	if err := (&LockoutError{Operation: "Update-AksHciCertificates", Lockout: NodeAgentLockout()}); errors.Is(err, ErrClusterListUnavailable) {
		t.Error("a lockout that does not block the cluster list matches ErrClusterListUnavailable")
	}
	if got := failure.Error(); got != "Get-AksHciCluster failed, so the workload clusters are unknown: context deadline exceeded" {
		t.Errorf("Error() = %q", got)
	}
}
