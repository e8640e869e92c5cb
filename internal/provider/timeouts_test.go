// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// Issue 20, item 12: a misspelled timeouts key used to be dropped without a word
// (Terraform converts an object literal to the attribute's object type, dropping keys it
// lacks, on 1.5.7 and 1.11 alike); timeouts is now a map, whose keys the provider sees.
func TestAccTimeouts_misspelledKeyIsRefusedAtValidate(t *testing.T) {
	t.Parallel()
	env := newAccEnv(t)
	host := &countingHost{}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: env.factoriesWith(host),
		Steps: []resource.TestStep{
			{
				Config:      env.config(`resource "akshybrid_management_certificates" "m" { timeouts = { craete = "5m" } }`),
				PlanOnly:    true,
				ExpectError: errorLike(`Unsupported timeout ... timeouts has no "craete": this one takes create and read. Did you mean "create"?`),
			},
			{
				Config:      env.config(`data "akshybrid_clusters" "all" { timeouts = { create = "5m" } }`),
				PlanOnly:    true,
				ExpectError: errorLike(`timeouts has no "create": this one takes read.`),
			},
			{
				Config:      env.config(`resource "akshybrid_workload_clusters" "all" { timeouts = { raed = "1m" } }`),
				PlanOnly:    true,
				ExpectError: errorLike(`timeouts has no "raed": this one takes read. Did you mean "read"?`),
			},
		},
	})
	if n := host.calls.Load(); n != 0 {
		t.Errorf("the host was called %d times for configurations that validation refuses", n)
	}
}

// State written before timeouts was a map (schema version 0: an object, with null
// members for the keys not set; testdata/timeouts-object.tfstate was written by that
// version, private state left out) reads back: the plan is empty, and the next apply
// writes version 1 with the same timeouts.
func TestAccTimeouts_stateWrittenWithTheObjectReadsBack(t *testing.T) {
	t.Parallel()
	ws, _ := newEmulatorWorkspace(t, []string{"demo"}, `
resource "akshybrid_management_certificates" "this" {
  timeouts = { create = "90m" }
}

resource "akshybrid_cluster_certificates" "demo" {
  cluster_name = "demo"
  timeouts     = { read = "2m" }
}

resource "akshybrid_cloud_agent_ca" "this" {}
`)
	writeFile(t, filepath.Join(ws.dir, "terraform.tfstate"), string(readFile(t, filepath.Join("testdata", "timeouts-object.tfstate"))), 0o644)
	if code, out := ws.exitCode(nil, "plan", "-input=false", "-detailed-exitcode", "-var", "time_offset=0h"); code != 0 {
		t.Fatalf("the plan over the old state is not empty (exit %d):\n%s", code, out)
	}
	ws.run(nil, "apply", "-auto-approve", "-input=false", "-var", "time_offset=0h")
	data, err := os.ReadFile(filepath.Join(ws.dir, "terraform.tfstate"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Resources []struct {
			Type      string `json:"type"`
			Instances []struct {
				SchemaVersion int `json:"schema_version"`
				Attributes    struct {
					Timeouts map[string]string `json:"timeouts"`
				} `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"akshybrid_management_certificates": {"create": "90m"},
		"akshybrid_cluster_certificates":    {"read": "2m"},
		"akshybrid_cloud_agent_ca":          nil,
	}
	for _, r := range st.Resources {
		got := r.Instances[0]
		if got.SchemaVersion != 1 || len(got.Attributes.Timeouts) != len(want[r.Type]) {
			t.Errorf("%s: schema version %d, timeouts %v; want 1, %v", r.Type, got.SchemaVersion, got.Attributes.Timeouts, want[r.Type])
		}
		for k, v := range want[r.Type] {
			if got.Attributes.Timeouts[k] != v {
				t.Errorf("%s: timeouts.%s = %q, want %q", r.Type, k, got.Attributes.Timeouts[k], v)
			}
		}
	}
}
