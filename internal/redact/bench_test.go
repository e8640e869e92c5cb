// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package redact

import (
	"strings"
	"testing"
)

// errorRecordBlock is one failed run as a host reports it: a PowerShell error record
// (coloured, as PowerShell 7 writes it to a terminal), kvactl's lockout message, paths,
// a GUID, a thumbprint, a public certificate and a few secrets the masker must catch.
const errorRecordBlock = "\x1b[31;1mUpdate-AksHciClusterCertificates : Error: failed to get new provider: failed to create azurestackhci session: " +
	"rpc error: code = Unauthenticated desc = Valid Token Required.\x1b[0m\r\n" +
	"At line:1 char:1\r\n" +
	"+ Update-AksHciClusterCertificates -name demo -fixCloudCredentials\r\n" +
	"+ ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\r\n" +
	"    + CategoryInfo          : NotSpecified: (:) [Write-Error], WriteErrorException\r\n" +
	"    + FullyQualifiedErrorId : Microsoft.PowerShell.Commands.WriteErrorException,Update-AksHciClusterCertificates\r\n" +
	"x509: certificate has expired or is not yet valid: current time 2024-05-01T10:00:00Z is after 2024-04-30T09:59:59Z\r\n" +
	"reading C:\\Users\\admin\\.wssd\\kvactl\\cloudconfig (cluster 6f9619ff-8b86-d011-b42d-00c04fc964ff, thumbprint 3B7E0C1F9A8D2E4F5A6B7C8D9E0F1A2B3C4D5E6F)\r\n" +
	"+ $cred = New-Object System.Management.Automation.PSCredential('admin', (ConvertTo-SecureString 'P@ssw0rd!' -AsPlainText -Force))\r\n" +
	"+ $env:AKSHCI_TOKEN = 'opaque-token-value'\r\n" +
	"downloading https://builder:hunter2@mirror.example.com/aks/1.0.zip?sv=2022-11-02&se=2024-06-01&sp=r&sig=AbCdEf0123456789%2B%2Fxyz%3D\r\n" +
	"totp seed JBSWY3DPEHPK3PXP, login token: eyJhbGciOiJSUzI1NiIs.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJl\r\n" +
	"-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIUQ2FmZWJhYmVjYWZlYmFiZWNhZmViYWJlMAoGCCqGSM49BAMC\r\n-----END CERTIFICATE-----\r\n"

// realisticErrorText repeats errorRecordBlock up to 64 KiB.
func realisticErrorText() string {
	const size = 64 << 10
	s := strings.Repeat(errorRecordBlock, size/len(errorRecordBlock)+1)
	return s[:size]
}

func BenchmarkMask64KiB(b *testing.B) {
	text := realisticErrorText()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Mask(text)
	}
}

// plainErrorBlock is the common case: a failed run's record with nothing to mask.
const plainErrorBlock = "Get-AksHciCluster : Error: failed to get new provider: failed to create azurestackhci session: " +
	"Certificate has expired: Expired\n" +
	"At C:\\Program Files\\WindowsPowerShell\\Modules\\AksHci\\1.0.24.10106\\AksHci.psm1:1543 char:9\n" +
	"+         throw $_\n" +
	"+         ~~~~~~~~\n" +
	"    + CategoryInfo          : OperationStopped: (Error: failed t...xpired: Expired:String) [], RuntimeException\n" +
	"    + FullyQualifiedErrorId : Error: failed to get new provider: failed to create azurestackhci session: Certificate has expired: Expired\n" +
	"delete C:\\Users\\admin\\.wssd\\kvactl\\cloudconfig and run Repair-MocLogin on node 6f9619ff-8b86-d011-b42d-00c04fc964ff\n"

func BenchmarkMaskPlain64KiB(b *testing.B) {
	const size = 64 << 10
	text := strings.Repeat(plainErrorBlock, size/len(plainErrorBlock)+1)[:size]
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Mask(text)
	}
}
