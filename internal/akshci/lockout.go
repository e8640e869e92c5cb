// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package akshci

import (
	"fmt"
	"strings"
)

// Lockout is a documented condition of a deployment that breaks an operation: a client
// that can no longer log in to the cloud agent, and what that takes down. Hosts report
// the lockouts they detect in Inventory.Lockouts; the provider fails a plan whose
// renewal a lockout would make fail, with the documented recovery steps.
//
// The texts come from shared/research/akshybrid-facts.md §5 and real-host-expiry.md §4;
// each constructor cites its sources.
type Lockout struct {
	// Kind identifies the condition, e.g. LockoutManagementKMS.
	Kind LockoutKind
	// Cluster is the workload cluster the locked-out client belongs to; empty for the
	// management cluster (AKS host).
	Cluster string
	// Client is the locked-out client, e.g. "KMS", "KVA", "NodeAgent".
	Client string
	// Symptom is what users see, with the error texts verbatim from the sources.
	Symptom string
	// Failure is the error text the blocked cmdlets fail with; empty when nothing is
	// blocked.
	Failure string
	// BlocksManagementUpdate: Update-AksHciCertificates fails while it lasts.
	BlocksManagementUpdate bool
	// BlocksClusterUpdates: Update-AksHciClusterCertificates fails while it lasts, for
	// Cluster or, when Cluster is empty, for every workload cluster.
	BlocksClusterUpdates bool
	// BlocksClusterList: Get-AksHciCluster fails, so no workload cluster can be read.
	BlocksClusterList bool
	// Manual is true when no update cmdlet repairs it: Remedy lists manual steps.
	Manual bool
	// Remedy is the documented recovery.
	Remedy string
	// Sources are the source keys of the research files behind Symptom and Remedy.
	Sources string
}

// LockoutKind names a documented lockout.
type LockoutKind string

// The documented lockouts.
const (
	// LockoutManagementKMS: the management cluster's KMS plugin lost its certificate and
	// its token and was restarted, so the management API server is down.
	LockoutManagementKMS LockoutKind = "management-kms"
	// LockoutKVACertificate: kvactl's client certificate expired while its token is
	// still valid.
	LockoutKVACertificate LockoutKind = "kva-certificate"
	// LockoutKVAToken: kvactl has to log in and its token has expired.
	LockoutKVAToken LockoutKind = "kva-token"
	// LockoutNodeAgent: the node agent restarted with an expired token and is stuck in
	// Starting.
	LockoutNodeAgent LockoutKind = "node-agent"
	// LockoutClient: any other client failed to log in at its last start; the update
	// cmdlet of its scope repairs it.
	LockoutClient LockoutKind = "client"
)

// Error renders the lockout for a diagnostic: what fails, and the documented steps.
func (l Lockout) Error() string {
	who := "the management cluster's " + l.Client
	if l.Cluster != "" {
		who = "workload cluster " + quote(l.Cluster) + "'s " + l.Client
	}
	return fmt.Sprintf("%s is locked out: %s Recovery: %s (sources: %s)", who, l.Symptom, l.Remedy, l.Sources)
}

// ManagementKMSLockout is the documented management lockout: "Valid Token Required" in
// the KMS plugin log, API server down, and Repair-AksHciCerts (today
// Update-AksHciCertificates) failing with "failed to repair cluster certificates"
// [#127], [d-old:known-issues.md]. kvactl reads the cluster list from, and repairs
// clusters through, the management cluster's API server (kvactl ... --kubeconfig
// <kubeconfig-mgmt> [#145]), so Get-AksHciCluster and the cluster cmdlet fail too
// (inferred).
func ManagementKMSLockout(mgmtName string) Lockout {
	return Lockout{
		Kind:   LockoutManagementKMS,
		Client: "KMS",
		Symptom: "the KMS plugin logs \"rpc error: code = Unauthenticated desc = Valid Token Required.\", the management " +
			"API server is down, and Update-AksHciCertificates fails with \"failed to repair cluster certificates\".",
		Failure:                "failed to repair cluster certificates",
		BlocksManagementUpdate: true,
		BlocksClusterUpdates:   true,
		BlocksClusterList:      true,
		Manual:                 true,
		Remedy: "on the host run mocctl.exe security identity rotate --name \"KMSPlugin-" + mgmtName +
			"-moc-kms-plugin\" --encode=false --cloudFqdn (Get-AksHciConfig).Moc.cloudfqdn > cloudlogin.yaml; copy " +
			"cloudlogin.yaml to the management control-plane VM as /opt/wssd/k8s/cloudlogin.yaml; kill the kms-plugin " +
			"container so that it restarts and logs in; then run terraform apply again.",
		Sources: "[#127], [d-old:known-issues.md]",
	}
}

// KVACertificateLockout: kvactl's certificate expired and cannot be renewed (an expired
// certificate is only replaced by a new login); every kvactl-backed cmdlet fails
// [#146], [#145]. The documented fix for those releases is manual; the update cmdlet
// runs kvactl too, so it is blocked (inferred from [#146]: the error came from
// Update-AksHci and Get-AksHci*).
func KVACertificateLockout() Lockout {
	return Lockout{
		Kind:   LockoutKVACertificate,
		Client: "KVA",
		Symptom: "kvactl fails with \"Error: failed to get new provider: failed to create azurestackhci session: " +
			"Certificate has expired: Expired\" in Get-AksHciCluster, Get-AksHciCredential and both update cmdlets.",
		Failure:                "Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired",
		BlocksManagementUpdate: true,
		BlocksClusterUpdates:   true,
		BlocksClusterList:      true,
		Manual:                 true,
		Remedy: "delete %UserProfile%\\.wssd\\kvactl\\cloudconfig on the node that runs the cmdlets, so that kvactl " +
			"logs in again with its token, then run terraform apply again.",
		Sources: "[#146], [#145]",
	}
}

// KVATokenLockout: kvactl has to log in and its token has expired; the kvactl-backed
// cmdlets fail, and Repair-AksHciCerts (today Update-AksHciCertificates) is the
// documented fix [#169], so the management renewal is not blocked.
func KVATokenLockout() Lockout {
	return Lockout{
		Kind:   LockoutKVAToken,
		Client: "KVA",
		Symptom: "kvactl fails with \"[Error: failed to get new provider: failed to create azurestackhci session: rpc " +
			"error: code = Unauthenticated desc = Valid Token Required.]\" in Get-AksHciCluster, Get-AksHciCredential " +
			"and Update-AksHciClusterCertificates.",
		Failure: "[Error: failed to get new provider: failed to create azurestackhci session: rpc error: code = " +
			"Unauthenticated desc = Valid Token Required.]",
		BlocksClusterUpdates: true,
		BlocksClusterList:    true,
		Remedy: "run Update-AksHciCertificates (formerly Repair-AksHciCerts): apply akshybrid_management_certificates " +
			"first (terraform apply -target=<its address> when cluster resources are in the same configuration), " +
			"then plan again.",
		Sources: "[#169]",
	}
}

// NodeAgentLockout: the node agent (wssdagent) restarted with an expired token; it stays
// in Starting and exhausts host ports, and new VMs fail. The documented recovery is
// manual [d-old:known-issues-upgrade.md], [#365]; that Update-AksHciCertificates cannot
// repair it while the agent is stuck is inferred from the documented steps.
func NodeAgentLockout() Lockout {
	return Lockout{
		Kind:   LockoutNodeAgent,
		Client: "NodeAgent",
		Symptom: "the wssdagent service is stuck in Starting (it keeps trying to join the cloud agent and exhausts host " +
			"ports); creating VMs fails with \"rpc error: code = Unknown desc = Location 'MocLocation' doesn't expose any " +
			"nodes to create\".",
		Failure:                "the node agent (wssdagent) is stuck in Starting",
		BlocksManagementUpdate: true,
		Manual:                 true,
		Remedy: "on each node kill the wssdagent process, make sure the cloud agent cluster group runs " +
			"(Start-ClusterGroup -Name (Get-MocConfig).clusterRoleName), run Repair-Moc, then run terraform apply again.",
		Sources: "[d-old:known-issues-upgrade.md], [#365]",
	}
}

// ClientLockout is a client that failed to log in at its last start (its certificate
// and token had expired, or it keeps its certificate on an emptyDir and its token had
// expired). The update cmdlet of its scope gives it a new token: repairable in one apply.
func ClientLockout(cluster, client, symptom, remedy, sources string) Lockout {
	return Lockout{Kind: LockoutClient, Cluster: cluster, Client: client, Symptom: symptom, Remedy: remedy, Sources: sources}
}

// Blocking returns the lockouts that make the renewal of target fail: the management
// cluster when cluster is empty, otherwise that workload cluster.
func (inv *Inventory) Blocking(cluster string) []Lockout {
	var out []Lockout
	for _, l := range inv.Lockouts {
		switch {
		case cluster == "" && l.BlocksManagementUpdate,
			cluster != "" && (l.BlocksClusterList || (l.BlocksClusterUpdates && (l.Cluster == "" || l.Cluster == cluster))):
			out = append(out, l)
		}
	}
	return out
}

// ClusterListBlocked returns the lockout that keeps the host from listing its workload
// clusters, if any. Clusters is then empty and says nothing about which clusters exist.
func (inv *Inventory) ClusterListBlocked() (Lockout, bool) {
	for _, l := range inv.Lockouts {
		if l.BlocksClusterList {
			return l, true
		}
	}
	return Lockout{}, false
}

// LockoutsOf returns the lockouts of the management cluster (cluster empty) or of one
// workload cluster, plus those that block the cluster list when cluster is set.
func (inv *Inventory) LockoutsOf(cluster string) []Lockout {
	var out []Lockout
	for _, l := range inv.Lockouts {
		if l.Cluster == cluster || (cluster != "" && l.BlocksClusterList) {
			out = append(out, l)
		}
	}
	return out
}

// LockoutError reports an operation refused because of a lockout.
type LockoutError struct {
	Operation string
	Lockout   Lockout
}

func (e *LockoutError) Error() string {
	return e.Operation + " failed: " + e.Lockout.Failure + "\n" + e.Lockout.Error()
}

// JoinLockouts renders several lockouts, one paragraph each.
func JoinLockouts(ls []Lockout) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = l.Error()
	}
	return strings.Join(parts, "\n\n")
}
