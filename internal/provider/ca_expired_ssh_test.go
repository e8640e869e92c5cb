// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

//go:build unix

package provider

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sshHost is the SSH stand-in for the documented CA configuration: the provider is set
// up from the AKSHYBRID_SSH_* environment, as in a pipeline, with the stand-in's clock
// moved to each day by the wrapper of that day; the workload clusters are demo and web.
func sshHost(env *sshEnv) caHost {
	wrappers := map[int]string{}
	return func(d int) []string {
		ps, ok := wrappers[d]
		if !ok {
			ps = env.powershell(fmt.Sprintf("powershell-day%d.exe", d), time.Duration(d)*day, "-clusters", "demo,web")
			wrappers[d] = ps
		}
		return []string{
			envSSHHost + "=" + env.srv.Host, envSSHPort + "=" + strconv.Itoa(env.srv.Port), envSSHUser + "=" + env.srv.User,
			envSSHPrivateKey + "=" + env.srv.ClientKeyPEM, envSSHHostKey + "=" + env.srv.HostKeyLine, envSSHPowerShell + "=" + ps,
		}
	}
}

// Over SSH from day 366, as on the emulator: the plan without allow_downtime fails on the
// CA's expiry, and one maintenance apply runs Invoke-AksHciRotateCACertificate, then
// Update-AksHciCertificates, then Update-AksHciClusterCertificates for each cluster.
func TestAccSSHHost_documentedCAConfigurationRotatesInOneApply(t *testing.T) {
	t.Parallel()
	env := newSSHEnv(t)
	host := sshHost(env)
	ws := documentedCAWorkspace(t)
	walkToTheCAExpiry(t, ws, host, nil)
	logBefore := len(readFile(t, env.log))
	expiredCAErrors(t, ws, host(366))
	rotateInOneApply(t, ws, host(366), false)

	log, err := os.ReadFile(env.log)
	if err != nil {
		t.Fatal(err)
	}
	var ran []string
	for _, line := range strings.Split(strings.TrimSpace(string(log[logBefore:])), "\n") {
		var entry struct {
			Op struct {
				Op      string `json:"op"`
				Cluster string `json:"cluster"`
			} `json:"op"`
		}
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Fatalf("stand-in log: %v", err)
		}
		if entry.Op.Op != "inventory" {
			ran = append(ran, strings.TrimSpace(entry.Op.Op+" "+entry.Op.Cluster))
		}
	}
	if !slices.Equal(ran, []string{"rotate-ca", "update-management", "update-cluster demo", "update-cluster web"}) &&
		!slices.Equal(ran, []string{"rotate-ca", "update-management", "update-cluster web", "update-cluster demo"}) {
		t.Errorf("on day 366 the host ran %q, want the rotation, then the management renewal, then each cluster's", ran)
	}
}
