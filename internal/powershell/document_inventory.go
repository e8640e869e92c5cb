// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"strconv"
	"strings"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// This file turns a document into the domain's inventory: the host time, the
// configuration, the probe and the session check, then the management cluster
// (management.go) and the workload clusters (clusters.go).

// Inventory converts the document into the domain's inventory.
func (doc *Document) Inventory() (*akshci.Inventory, error) {
	if doc.Now == "" {
		return nil, &InventoryError{Reason: "the document has no host time (now)"}
	}
	now, err := time.Parse(time.RFC3339Nano, doc.Now)
	if err != nil {
		return nil, &InventoryError{Reason: "the host time " + strconv.Quote(doc.Now) + " is not an RFC 3339 time"}
	}
	inv := &akshci.Inventory{Now: now.UTC()}
	if doc.ManagementCluster != nil {
		inv.ManagementCluster = *doc.ManagementCluster
	}
	if err := doc.config(inv); err != nil {
		return nil, err
	}
	if inv.Cmdlets, err = doc.Probe.cmdlets(); err != nil {
		return nil, err
	}
	if w, err := doc.Session.warning(); err != nil {
		return nil, err
	} else if w != "" {
		inv.Warnings = append(inv.Warnings, w)
	}
	files, err := doc.accessFiles()
	if err != nil {
		return nil, err
	}
	if inv.Management, inv.CAExpiresAt, err = doc.management(files); err != nil {
		return nil, err
	}
	markCAs(inv, files)
	if err := doc.clusterList(inv); err != nil {
		return nil, err
	}
	if inv.Clusters, err = doc.clusters(inv.ManagementCluster); err != nil {
		return nil, err
	}
	inv.SortClusters()
	return inv, nil
}

// config reads Get-AksHciConfig's result. Without it the management cluster cannot be
// told apart from the workload clusters, so the script skips Get-AksHciCluster; the
// sources that need no configuration (access files in the profile) still count.
func (doc *Document) config(inv *akshci.Inventory) error {
	c := doc.Config
	if c == nil {
		return &InventoryError{Reason: "the document has no configuration (Get-AksHciConfig) record"}
	}
	if err := checkCode("Get-AksHciConfig", c.Failure); err != nil {
		return err
	}
	if c.Failure != nil {
		inv.Warnings = append(inv.Warnings, "Get-AksHciConfig failed on the host, so the workload clusters, kubeconfig-mgmt, "+
			"the configured access-file directory and the KVA token could not be read: "+failureReason(c.Failure, toolAny, ""))
	}
	return nil
}

func (p *DocProbe) cmdlets() (*akshci.CmdletProbe, error) {
	if p == nil {
		return nil, &InventoryError{Reason: "the document has no parameter-set probe"}
	}
	out := &akshci.CmdletProbe{ModuleVersion: p.Module}
	seen := map[string]bool{}
	for _, c := range p.Commands {
		if seen[c.Name] {
			return nil, &InventoryError{Reason: "the probe lists " + strconv.Quote(c.Name) + " twice"}
		}
		seen[c.Name] = true
		cp := akshci.CmdletParameters{Confirm: c.Confirm}
		if c.Target != nil {
			cp.Found = true
			cp.Target = *c.Target
		}
		if c.ConfirmImpact != nil {
			cp.ConfirmImpact = *c.ConfirmImpact
		}
		for _, s := range c.Sets {
			set := akshci.ParameterSet{Name: s.Name, Parameters: map[string]bool{}}
			for _, name := range s.Parameters {
				mandatory := strings.HasSuffix(name, "!")
				set.Parameters[strings.ToLower(strings.TrimSuffix(name, "!"))] = mandatory
			}
			cp.Sets = append(cp.Sets, set)
		}
		switch c.Name {
		case "Update-AksHciCertificates":
			out.Management = cp
		case "Update-AksHciClusterCertificates":
			out.Cluster = cp
		case akshci.RotateCACmdlet:
			out.RotateCA = cp
		case "Get-AksHciCredential":
			out.Credential = cp
		default:
			return nil, &InventoryError{Reason: "the probe reports an unexpected command " + strconv.Quote(c.Name)}
		}
	}
	return out, nil
}

// NoNetworkCredentialsWarning is the warning for a session without Kerberos tickets.
const NoNetworkCredentialsWarning = "The PowerShell session on the host holds no network credentials (klist lists no " +
	"Kerberos ticket): Windows OpenSSH with key authentication gives a network logon (type 3) that cannot reach other " +
	"machines. Reading the inventory works, but a renewal cmdlet that reaches other cluster nodes may fail with access " +
	"denied. Use password authentication for the SSH user, or run the provider on the node itself; see the guide " +
	"\"Connecting to an AKS hybrid host\"."

func (s *DocSession) warning() (string, error) {
	if s == nil {
		return "", &InventoryError{Reason: "the document has no session check"}
	}
	if err := checkCode("session check", s.Failure); err != nil {
		return "", err
	}
	if s.Failure == nil && s.KerberosTickets != nil && *s.KerberosTickets == 0 {
		return NoNetworkCredentialsWarning, nil
	}
	return "", nil
}
