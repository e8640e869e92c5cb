// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReadSingleQuoted(t *testing.T) {
	for in, want := range map[string][2]string{
		`'demo' -force`:  {"demo", " -force"},
		`'it''s' x`:      {"it's", " x"},
		"'a‘‘b’’c'":      {"a‘b’c", ""},
		`'$(x)'`:         {"$(x)", ""},
		"’mixed’ -fixKu": {"mixed", " -fixKu"},
	} {
		v, rest, err := readSingleQuoted(in)
		if err != nil || v != want[0] || rest != want[1] {
			t.Errorf("readSingleQuoted(%q) = %q, %q, %v", in, v, rest, err)
		}
	}
	for _, bad := range []string{"", "demo", "'open"} {
		if _, _, err := readSingleQuoted(bad); err == nil {
			t.Errorf("readSingleQuoted(%q): no error", bad)
		}
	}
}

func TestRunRejectsBadCommandLines(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-state", "x", "-NoProfile", "-NonInteractive"},
		{"-state", "x", "-NoProfile", "-NonInteractive", "-EncodedCommand", "!!"},
		{"-state", "x", "-NoProfile", "-NonInteractive", "-Command", "Get-Date"},
		{"-NoProfile", "-NonInteractive", "-EncodedCommand", "QQA="},
	} {
		t.Setenv("AKSHYBRID_STANDIN_STATE", "")
		var out, errOut bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errOut); code != exitContract || !strings.HasPrefix(errOut.String(), "pwshstandin: ") {
			t.Errorf("run(%q) = %d, %q", args, code, errOut.String())
		}
	}
}

func TestClusterCallsNeedOneParameterSet(t *testing.T) {
	if _, err := clusterCalls("Update-AksHciClusterCertificates -name 'a' -fixKubeletCredentials -fixCloudCredentials"); err == nil {
		t.Error("two parameter sets in one call accepted")
	}
	if _, err := clusterCalls("Update-AksHciClusterCertificates -name 'a' -fixCloudCredentials; Remove-Item x"); err == nil {
		t.Error("trailing code accepted")
	}
}
