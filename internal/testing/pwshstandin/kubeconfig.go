// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// kubeconfig answers the kubeconfig op as Get-AksHciCredential and the script would: the
// emulator issues an admin kubeconfig from the cluster's Kubernetes CA, written as the
// YAML kubectl writes and printed base64-encoded between the nonce's markers. Nothing
// of it is logged.
func kubeconfig(ctx context.Context, emu *emulator.Emulator, o op, s *settings, stdout, stderr io.Writer) int {
	if o.Nonce == "" {
		fmt.Fprintln(stderr, "pwshstandin: kubeconfig op without a nonce")
		return exitContract
	}
	// The stand-in cannot run PowerShell: it checks that the script makes the calls it
	// models, into a temporary folder that is removed in finally.
	if code := s.checkConfirm(o, stderr); code != 0 {
		return code
	}
	confirm := ""
	if o.Confirm {
		confirm = " -Confirm:$false"
	}
	for _, want := range []string{
		"$null = New-Item -ItemType Directory -Path $dir",
		"try { Get-AksHciCredential -name " + quoteName(o.Cluster) + " -configPath $dir" + confirm + " | Out-Null }",
		"} finally {",
		"Remove-Item -LiteralPath $dir -Recurse -Force -ErrorAction SilentlyContinue",
		"AKSHYBRID-CLUSTER-NOT-FOUND: ",
	} {
		if !scriptLines(s.script)[want] && !strings.Contains(s.script, want) {
			fmt.Fprintf(stderr, "pwshstandin: the kubeconfig script lacks %q\n", want)
			return exitContract
		}
	}
	kc, err := emu.Kubeconfig(ctx, o.Cluster)
	var nf *akshci.ClusterNotFoundError
	if errors.As(err, &nf) {
		names, _ := json.Marshal(nf.Existing)
		fmt.Fprintf(stderr, "AKSHYBRID-CLUSTER-NOT-FOUND: %s\r\n", names)
		return exitNotFound
	}
	if err != nil {
		return fail(stderr, "Get-AksHciCredential -name "+quoteName(o.Cluster), err)
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	yaml := fmt.Sprintf("apiVersion: v1\r\nclusters:\r\n- cluster:\r\n    certificate-authority-data: %s\r\n    server: %s\r\n  name: %s\r\n"+
		"contexts:\r\n- context:\r\n    cluster: %s\r\n    user: %s-admin\r\n  name: %s-admin@%s\r\ncurrent-context: %s-admin@%s\r\nkind: Config\r\n"+
		"preferences: {}\r\nusers:\r\n- name: %s-admin\r\n  user:\r\n    client-certificate-data: %s\r\n    client-key-data: %s\r\n",
		b64(kc.CACertificatePEM), kc.Host, o.Cluster, o.Cluster, o.Cluster, o.Cluster, o.Cluster, o.Cluster, o.Cluster,
		o.Cluster, b64(kc.ClientCertificatePEM), b64(kc.ClientKeyPEM))
	fmt.Fprintf(stdout, "\r\nAKSHYBRID-BEGIN-%s\r\n%s\r\nAKSHYBRID-END-%s\r\n", o.Nonce, b64(yaml), o.Nonce)
	return 0
}

// quoteName is a PowerShell single-quoted literal of a (validated) cluster name.
func quoteName(name string) string { return "'" + strings.ReplaceAll(name, "'", "''") + "'" }
