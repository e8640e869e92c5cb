// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package prereq

import "testing"

func TestSkipped(t *testing.T) {
	for _, tt := range []struct {
		env, name string
		want      bool
	}{
		{"", "sshd", false},
		{"sshd", "sshd", true},
		{"acceptance, sshd", "sshd", true},
		{"acceptance", "sshd", false},
		{"sshdx", "sshd", false},
		{"all", "acceptance", true},
	} {
		t.Setenv(SkipEnv, tt.env)
		if got := Skipped(tt.name); got != tt.want {
			t.Errorf("%s=%q: Skipped(%q) = %v, want %v", SkipEnv, tt.env, tt.name, got, tt.want)
		}
	}
}

// recorder captures how Missing ends a test without ending this one.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(string, ...any) {
	r.skipped = true
}
func (r *recorder) Fatalf(string, ...any) {
	r.failed = true
}

func TestMissing_failsUnlessSkippedKnowingly(t *testing.T) {
	t.Setenv(SkipEnv, "")
	r := &recorder{TB: t}
	Missing(r, "sshd", "no sshd", "apt-get install openssh-server")
	if !r.failed || r.skipped {
		t.Errorf("without %s: failed %v, skipped %v; want a failure", SkipEnv, r.failed, r.skipped)
	}
	t.Setenv(SkipEnv, "sshd")
	r = &recorder{TB: t}
	Missing(r, "sshd", "no sshd", "apt-get install openssh-server")
	if r.failed || !r.skipped {
		t.Errorf("with %s=sshd: failed %v, skipped %v; want a skip", SkipEnv, r.failed, r.skipped)
	}
}
