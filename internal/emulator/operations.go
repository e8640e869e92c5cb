// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"context"
	"fmt"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Management names the management cluster (AKS host) in Restart and RecoverKMSPlugin.
const Management = ""

// group loads the management cluster (name Management) or a workload cluster.
func (s *session) group(name string) (*group, error) {
	if name == Management {
		return s.management()
	}
	return s.cluster(name)
}

// Restart restarts every component of the management cluster (name Management) or of a
// workload cluster at the current emulated time, as a reboot of its VMs does: clients
// log in again where they must, and those whose token has expired are locked out (see
// the package documentation). Restarting a powered-off cluster is an error.
func (e *Emulator) Restart(ctx context.Context, name string) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.group(name)
		if err != nil {
			return err
		}
		if g.poweredOff() {
			return &PoweredOffError{Cluster: name, Since: g.rec.PoweredOffAt}
		}
		g.restart(s.now, s.caNotAfter())
		return s.save(g, storedSecrets{})
	})
}

// PowerOffManagement stops the management cluster's VMs (the AKS host's control plane)
// from the current emulated time: nothing of it renews, and every operation that needs
// it fails with a *PoweredOffError until PowerOnManagement. Workload clusters are powered
// off separately. Powering off a stopped management cluster does nothing.
func (e *Emulator) PowerOffManagement(ctx context.Context) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.management()
		if err != nil || g.poweredOff() {
			return err
		}
		g.rec.PoweredOffAt = s.now
		g.rec.EvaluatedAt = s.now
		g.rec.Stale = false
		g.changed = true
		return s.save(g, storedSecrets{})
	})
}

// PowerOnManagement starts the management cluster again: overdue renewals happen, then
// every client starts (Restart).
func (e *Emulator) PowerOnManagement(ctx context.Context) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.management()
		if err != nil || !g.poweredOff() {
			return err
		}
		g.rec.PoweredOffAt = time.Time{}
		g.rec.Stale = false
		g.rec.EvaluatedAt = s.now
		g.changed = true
		g.advance(s.now, s.caNotAfter())
		g.restart(s.now, s.caNotAfter())
		return s.save(g, storedSecrets{})
	})
}

// RecoverKMSPlugin performs the documented manual recovery of a locked-out KMS plugin
// of the management cluster (name Management) or of a workload cluster: mocctl security
// identity rotate --name "KMSPlugin-<cluster>-moc-kms-plugin" issues a new login file,
// which is copied to /opt/wssd/k8s/cloudlogin.yaml on the control-plane VM, and the
// kms-plugin container is killed so that it restarts and logs in [#127],
// [d-old:known-issues.md]. The plugin gets a new token and certificate.
func (e *Emulator) RecoverKMSPlugin(ctx context.Context, name string) error {
	return e.manual(ctx, name, kmsClient)
}

// RepairMoc performs the documented recovery of a node agent stuck in Starting: kill
// wssdagent, start the cloud agent cluster group, Repair-Moc
// [d-old:known-issues-upgrade.md]. The node agent gets a new token and certificate.
func (e *Emulator) RepairMoc(ctx context.Context) error {
	return e.manual(ctx, Management, nodeAgentClient)
}

// manual gives one client a new token with which it logs in at once.
func (e *Emulator) manual(ctx context.Context, name, client string) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.group(name)
		if err != nil {
			return err
		}
		if err := s.requireCA(); err != nil {
			return err
		}
		if g.poweredOff() {
			return &PoweredOffError{Cluster: name, Since: g.rec.PoweredOffAt}
		}
		id := g.identity(client)
		if id == nil {
			return fmt.Errorf("%s has no %s identity", g.label(), client)
		}
		g.rotate(id, s.now)
		return s.save(g, storedSecrets{})
	})
}

// DeleteKvactlAccessFile performs the documented workaround for kvactl's expired
// certificate: delete %UserProfile%\.wssd\kvactl\cloudconfig, so that kvactl logs in
// again with its token at its next call [#146]. With a valid token (and CA) that login
// issues a new certificate with the standard lifetime; with an expired token kvactl has
// no certificate at all and fails with "Valid Token Required" [#169].
func (e *Emulator) DeleteKvactlAccessFile(ctx context.Context) error {
	return e.update(ctx, func(s *session) error {
		g, err := s.management()
		if err != nil {
			return err
		}
		id := g.identity(kvaClient)
		switch {
		case id.tokenNotAfter.After(s.now) && s.caNotAfter().After(s.now):
			id.cert.replace(s.now, s.now.Add(akshci.Lifetime))
		case id.cert.notAfter.After(s.now):
			nb := id.cert.notBefore
			if !nb.Before(s.now) {
				nb = s.now.Add(-time.Second)
			}
			id.cert.replace(nb, s.now) // no usable certificate from now on
		default:
			return nil
		}
		g.rec.EvaluatedAt = s.now
		g.changed = true
		return s.save(g, storedSecrets{})
	})
}
