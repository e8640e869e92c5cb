// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// The emulator's state file from the outside: damage, files of earlier releases and
// read-only files, through the real Terraform CLI.

// damageNewestMetaPage flips one bit of the meta page bbolt would use (of a file with
// 4 KiB pages: the transaction ID is at byte 64 of each meta page, the root page number
// at byte 32), so its checksum no longer matches and bbolt would fall back to the older
// one. It returns the damaged bytes.
func damageNewestMetaPage(t *testing.T, path string) []byte {
	t.Helper()
	data := readFile(t, path)
	page := 0
	if binary.LittleEndian.Uint64(data[4096+64:]) > binary.LittleEndian.Uint64(data[64:]) {
		page = 1
	}
	data[page*4096+32] ^= 0x01
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return data
}

// TestAccEmulatorFile_damagedNewestMetaPageStopsThePlan: the newest meta page of the
// emulator file damaged between two runs. bbolt would fall back to the older meta page,
// and the plan then wrote a new deployment over the file (on a file committed once) or
// read an older one. Now the plan, its refresh and the data source read stop with the
// damaged-file error, which gives the restore command, and the file is byte for byte as
// it was; restoring the backup brings the deployment back, with an empty plan.
func TestAccEmulatorFile_damagedNewestMetaPageStopsThePlan(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := env.config(managementConfig + `
data "akshybrid_certificates" "m" {}
`)
	var damaged []byte
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() { damaged = damageNewestMetaPage(t, env.statePath) },
				Config:    cfg,
				PlanOnly:  true,
				ExpectError: errorLike(fmt.Sprintf(`emulator state file %q is damaged (its meta page ... is not valid ... left untouched ... cp %q %q`,
					env.statePath, env.statePath+".backup", env.statePath)),
			},
			{
				PreConfig: func() {
					if !bytes.Equal(readFile(t, env.statePath), damaged) {
						t.Error("the plan changed the damaged emulator file")
					}
					if err := os.WriteFile(env.statePath, readFile(t, env.statePath+".backup"), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config:   cfg,
				PlanOnly: true,
			},
		},
	})
}

// TestAccEmulatorFile_damagedMetaPageOfAFileReadOnlyByPlans: a configuration without
// resources only ever plans, so its emulator file is the one its first plan created,
// committed once; with that commit's meta page damaged, the next plan silently started a
// new deployment in the file. Now it stops with the damaged-file error and writes nothing.
func TestAccEmulatorFile_damagedMetaPageOfAFileReadOnlyByPlans(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t, "demo")
	cfg := env.config(`
data "akshybrid_certificates" "m" {}
`)
	var damaged []byte
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg, PlanOnly: true},
			{
				PreConfig:   func() { damaged = damageNewestMetaPage(t, env.statePath) },
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: errorLike(fmt.Sprintf(`emulator state file %q is damaged (its meta page`, env.statePath)),
			},
			{
				PreConfig: func() {
					if !bytes.Equal(readFile(t, env.statePath), damaged) {
						t.Error("the plan changed the damaged emulator file")
					}
				},
				Config:      cfg,
				PlanOnly:    true,
				ExpectError: errorLike("is damaged"),
			},
		},
	})
}

// TestAccEmulatorFile_emptiedFileIsNotANewDeployment: an emulator file emptied (0 bytes)
// between runs used to become a new deployment, with the mode the file had; the plan now
// stops with a message that says the file is empty, how to restore its backup and how to
// start over, and the file stays as it was. Restoring the backup brings the deployment
// back with an empty plan.
func TestAccEmulatorFile_emptiedFileIsNotANewDeployment(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	cfg := env.config(managementConfig)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: cfg},
			{
				PreConfig: func() {
					if err := os.Truncate(env.statePath, 0); err != nil {
						t.Fatal(err)
					}
				},
				Config:   cfg,
				PlanOnly: true,
				ExpectError: errorLike(fmt.Sprintf("emulator state file %q is empty (0 bytes); it was left untouched ... cp %q %q; "+
					"or delete the empty file to start a new emulated deployment", env.statePath, env.statePath+".backup", env.statePath)),
			},
			{
				PreConfig: func() {
					if data := readFile(t, env.statePath); len(data) != 0 {
						t.Errorf("the plan wrote %d bytes into the emptied emulator file", len(data))
					}
					if err := os.WriteFile(env.statePath, readFile(t, env.statePath+".backup"), 0o600); err != nil {
						t.Fatal(err)
					}
				},
				Config:   cfg,
				PlanOnly: true,
			},
		},
	})
}

// copyOldEmulatorFile decompresses the emulator file an earlier release wrote
// (internal/emulator/testdata/README.md: born at 2027-03-01 08:00 UTC, t0 here, with the
// workload cluster "demo", its clock at day 70) to path.
func copyOldEmulatorFile(t *testing.T, commit, path string) {
	t.Helper()
	gz, err := os.Open(filepath.Join("..", "emulator", "testdata", "state-"+commit+".db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = gz.Close() }()
	r, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAccEmulatorFile_oldFileThroughTheCARotation: the emulator file of an earlier
// release, before and since the deployment ID was recorded, taken over by the documented
// configuration on day 100 and renewed every 61 days; past the CA's 60-day window (day
// 320) one apply rotates the CA and runs the follow-up renewals, and the plan after it
// is empty; on day 340 the CA is rotated again by hand, outside Terraform, which the
// configuration takes in without a diff. A file without a recorded ID was named after its
// current CA, so a rotation renamed the deployment: the resources that the rotating apply
// replaces record the new name anyway, but any other (here, all of them after the
// rotation by hand) then failed every plan with "The AKS hybrid deployment has changed".
func TestAccEmulatorFile_oldFileThroughTheCARotation(t *testing.T) {
	t.Parallel()
	for _, commit := range []string{"efec759", "03ce995", "4486443"} {
		t.Run(commit, func(t *testing.T) {
			t.Parallel()
			env := newAccEnv(t, "demo")
			copyOldEmulatorFile(t, commit, env.statePath)
			cfg := func(day int, allowDowntime bool) string {
				return fmt.Sprintf(`
provider "akshybrid" {
  emulator = {
    state_path        = %q
    workload_clusters = ["demo"]
    time_offset       = "%dh"
  }
}
%s`, env.statePath, day*24, caWalkConfig(allowDowntime, "1440h"))
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: env.factories(),
				Steps: []resource.TestStep{
					{
						Config: cfg(100, false),
						ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
							plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionCreate),
							plancheck.ExpectKnownValue(caAddr, tfjsonpath.New("renewed_at"), knownvalue.Null()),
						}},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(365*day)))),
						},
					},
					oldFileRenewal(cfg(161, false)), oldFileRenewal(cfg(222, false)), oldFileRenewal(cfg(283, false)),
					{
						Config: cfg(320, true),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{
								plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionReplace),
								plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
								plancheck.ExpectResourceAction(clusterDemoAddr, plancheck.ResourceActionReplace),
							},
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(320*day)))),
							statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(685*day)))),
						},
					},
					{Config: cfg(330, true), PlanOnly: true},
					{
						// Day 340: the CA rotated by hand (Invoke-AksHciRotateCACertificate outside
						// Terraform): the plan reports the new CA and applying records it.
						PreConfig: func() {
							e, err := emulator.New(emulator.Config{StatePath: env.statePath, Clock: env.clock, TimeOffset: 340 * day})
							if err != nil {
								t.Fatal(err)
							}
							if err := e.RotateCACertificate(context.Background()); err != nil {
								t.Fatal(err)
							}
						},
						Config: cfg(340, true),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
						},
						ConfigStateChecks: []statecheck.StateCheck{
							statecheck.ExpectKnownValue(caAddr, tfjsonpath.New("expires_at"), knownvalue.StringExact(rfc3339(t0.Add(705*day)))),
						},
					},
				},
			})
		})
	}
}

// oldFileRenewal is a step of the walk before the rotation: the credentials are renewed
// (every 61 days, within the 30-day window), the CA is left alone.
func oldFileRenewal(config string) resource.TestStep {
	return resource.TestStep{
		Config: config,
		ConfigPlanChecks: resource.ConfigPlanChecks{
			PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction(caAddr, plancheck.ResourceActionNoop),
				plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
				plancheck.ExpectResourceAction(clusterDemoAddr, plancheck.ResourceActionReplace),
			},
			PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
		},
	}
}

// readOnlyConfig is a configuration whose management renewal is due on day 61.
func (e *accEnv) readOnlyConfig(day int) string {
	return fmt.Sprintf(`
provider "akshybrid" {
  emulator = {
    state_path  = %q
    time_offset = "%dh"
  }
}
%s
data "akshybrid_certificates" "m" {}
`, e.statePath, day*24, managementConfig)
}

// TestAccEmulatorFile_readOnlyFilePlansButIsNeverApplied: an emulator file made
// read-only (mode 0444) between runs still plans, refreshes and reads data sources: the
// plan shows the due renewal. Applying it fails with a message that names the file and
// says it is read-only, and the file is unchanged. The emulator refuses to write a file
// whose mode grants no write permission even when the process could (root, which the
// tests may run as), so this means the same for every user; the emulator's unit tests
// show that reads open the file read-only with a shared lock
// (TestReadsOpenTheFileReadOnly).
func TestAccEmulatorFile_readOnlyFilePlansButIsNeverApplied(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	var before []byte
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factories(),
		Steps: []resource.TestStep{
			{Config: env.readOnlyConfig(0)},
			{
				PreConfig: func() {
					if err := os.Chmod(env.statePath, 0o444); err != nil {
						t.Fatal(err)
					}
					before = readFile(t, env.statePath)
				},
				Config:             env.readOnlyConfig(61),
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(mgmtAddr, plancheck.ResourceActionReplace),
				}},
			},
			{
				Config: env.readOnlyConfig(61),
				ExpectError: errorLike(fmt.Sprintf("emulator state file %q is read-only (mode 0444): reading it works ... "+
					"nothing was changed", env.statePath)),
			},
			{
				PreConfig: func() {
					if !bytes.Equal(readFile(t, env.statePath), before) {
						t.Error("the read-only emulator file was changed")
					}
					if err := os.Chmod(env.statePath, 0o600); err != nil {
						t.Fatal(err)
					}
				},
				// Writable again, the renewal goes through.
				Config: env.readOnlyConfig(61),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(mgmtAddr, tfjsonpath.New("renewed_at"), knownvalue.StringExact(rfc3339(t0.Add(61*day)))),
				},
			},
		},
	})
}
