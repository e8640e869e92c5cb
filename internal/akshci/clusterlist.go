// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import "errors"

// ErrClusterListUnavailable is matched (errors.Is) by every error that says the host
// could not list its workload clusters: a lockout that blocks Get-AksHciCluster, or
// Get-AksHciCluster failing for another reason. Nothing is then known about which
// clusters exist, so no cluster may be treated as gone.
var ErrClusterListUnavailable = errors.New("the host cannot list its workload clusters")

// ClusterListError reports Get-AksHciCluster failing for a reason other than a
// documented lockout. The management cluster's credentials come from other sources and
// stay usable; only the workload clusters are unknown.
type ClusterListError struct {
	// Operation is what failed, e.g. "Get-AksHciCluster".
	Operation string
	// Reason says what the host reported (its text masked) and, where the text is a
	// known family, what it means and what to run.
	Reason string
}

func (e *ClusterListError) Error() string {
	return e.Operation + " failed, so the workload clusters are unknown: " + e.Reason
}

// Is makes the error match ErrClusterListUnavailable.
func (e *ClusterListError) Is(target error) bool { return target == ErrClusterListUnavailable }

// Is makes a lockout that blocks the cluster list match ErrClusterListUnavailable.
func (e *LockoutError) Is(target error) bool {
	return target == ErrClusterListUnavailable && e.Lockout.BlocksClusterList
}

// ClusterListUnavailable says why the workload clusters are not known: the lockout that
// blocks the cluster list (a *LockoutError), or the list's own failure (a
// *ClusterListError); nil when the inventory lists them.
func (inv *Inventory) ClusterListUnavailable() error {
	if l, blocked := inv.ClusterListBlocked(); blocked {
		return &LockoutError{Operation: "Get-AksHciCluster", Lockout: l}
	}
	if inv.ClusterListFailure != nil {
		return inv.ClusterListFailure
	}
	return nil
}
