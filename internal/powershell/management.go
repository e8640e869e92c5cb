// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// This file reads the management cluster's credentials: access files (accessfiles.go),
// the CAPH and KVA tokens, kubeconfig-mgmt, and the cloud agent CAs they hold.

func (doc *Document) management(files []accessFile) ([]akshci.Credential, time.Time, error) {
	creds := catalogCredentials(false)
	var ca time.Time
	kva := false
	for _, a := range files {
		for _, c := range a.cas {
			// After a CA rotation the field holds the old and the new CA; the one that
			// counts is the newest (research §1 A, notes; inferred).
			if c.NotAfter.After(ca) {
				ca = c.NotAfter.UTC()
			}
		}
		cred := akshci.Credential{Client: a.client, Type: akshci.Certificate, Scope: akshci.ScopeInformational,
			Source: akshci.SourceAccessFile, Origin: a.origin(),
			// A host tool renews its own certificate each time it runs once 70% of the
			// lifetime has passed [moc pkg/auth/auth.go, certrenew.go, V-src]; an expired
			// mocctl certificate needs Repair-MocLogin [#168], not an update cmdlet.
			AutoRenew: true}
		switch {
		case a.failure != nil:
			cred.Source = ""
			cred.UnknownReason = failureReason(a.failure, toolAny, "reading "+a.path)
		case a.certificate == nil:
			cred.Source = ""
			cred.UnknownReason = "not-found: the access file " + a.path + " has no ClientCertificate"
		default:
			cred.NotAfter = a.certificate.NotAfter.UTC()
		}
		if a.kva {
			// KVA is renewed by Update-AksHciCertificates [d:certificates-update-after-sixty-days.md].
			kva = true
			set(creds, "KVA", akshci.Certificate, cred)
			continue
		}
		creds = append(creds, cred)
	}
	if !kva {
		set(creds, "KVA", akshci.Certificate, akshci.Credential{UnknownReason: doc.noKVAReason(files)})
	}
	for _, t := range []struct {
		where  string
		client string
		token  *DocToken
		detail string
	}{
		{"CAPH token", "CAPH", doc.CAPHToken, "Secret default/caphlogintoken"},
		{"KVA token", "KVA", doc.KVAToken, "(Get-AksHciConfig).Kva.identity"},
	} {
		tok, err := tokenCredential(t.where, t.token, toolKvactl, t.detail)
		if err != nil {
			return nil, ca, err
		}
		set(creds, t.client, akshci.Token, tok)
	}
	kc, err := kubeconfigCredential("management kubeconfig", doc.ManagementKubeconfig)
	if err != nil {
		return nil, ca, err
	}
	// kubeconfig-mgmt's client certificate (research B7): the management cluster's admin
	// kubeconfig, informational like a workload cluster's (akshci.KubeconfigAdminClient).
	k := akshci.KubeconfigAdminClient
	kc.Client, kc.Type, kc.Scope, kc.AutoRenew = k.Name, akshci.Certificate, k.Scope, k.CertificateAutoRenew
	creds = append(creds, kc)
	return creds, ca, nil
}

// noKVAReason says why no access file gave the KVA certificate: where the script looked
// and what it found instead.
func (doc *Document) noKVAReason(files []accessFile) string {
	var looked, failed []string
	for _, r := range doc.AccessFileRoots {
		looked = append(looked, r.Path+" ("+r.Location+")")
		if r.Failure != nil && r.Failure.Code != CodeNotFound {
			failed = append(failed, failureReason(r.Failure, toolAny, r.Path))
		}
	}
	if len(failed) > 0 {
		return strings.Join(failed, "; ")
	}
	why := "not-found: no kvactl access file (kvactl\\cloudconfig) under " + strings.Join(looked, " or ")
	for _, a := range files {
		if a.root {
			why += "; " + a.path + " sits directly in its folder: the 2020 layout: those releases kept one access file there, shared by " +
				"all of the account's MOC tools (aksArc#47; moc's default before its per-tool folders of March 2021), so it is " +
				"listed as an unrecognised access file rather than as KVA's"
		}
	}
	return why + " (AKS hybrid keeps access files in the configured directory, (Get-AksHciConfig).Moc.accessFileDirPath, " +
		"or in the profile of the account that installed it)"
}

// notRead is the reason for the kubelet server certificate: a source exists (a TLS
// handshake to each node's kubelet port, research C6, inferred), but the inventory does
// not read it.
const notRead = "not-found: the inventory does not read it (a TLS handshake to each node's kubelet port 10250 would, research C6)"

// noPublicSource is the reason for catalog credentials no public source exposes on a
// real host (research §1 B5, C3', C5).
const noPublicSource = "not-found: no public source exposes it on a real host"

// catalogCredentials lists every credential akshci.CatalogCredentials names, as unknown:
// a real host reports the same credentials as the emulator, the unreported ones unknown.
func catalogCredentials(cluster bool) []akshci.Credential {
	out := akshci.CatalogCredentials(cluster)
	for i := range out {
		out[i].UnknownReason = noPublicSource
		if out[i].Client == akshci.KubeletServerClient.Name {
			out[i].UnknownReason = notRead
		}
	}
	return out
}

// set fills in what a source found for the catalog credential client/typ.
func set(creds []akshci.Credential, client string, typ akshci.CredentialType, found akshci.Credential) {
	for i := range creds {
		if creds[i].Client == client && creds[i].Type == typ {
			creds[i].NotAfter, creds[i].Source, creds[i].UnknownReason, creds[i].Revoked, creds[i].Origin =
				found.NotAfter, found.Source, found.UnknownReason, found.Revoked, found.Origin
			return
		}
	}
}

func tokenCredential(where string, t *DocToken, tool, detail string) (akshci.Credential, error) {
	var c akshci.Credential
	if t == nil {
		return c, &InventoryError{Reason: where + ": missing"}
	}
	if err := checkCode(where, t.Failure); err != nil {
		return c, err
	}
	switch {
	case t.Failure != nil:
		c.UnknownReason = failureReason(t.Failure, tool, detail)
	case t.Exp == nil:
		c.UnknownReason = failureReason(&DocFailure{Code: CodeNoExp}, tool, detail)
	case *t.Exp < minUnixExpiry || *t.Exp > 1e11:
		return c, &InventoryError{Reason: fmt.Sprintf("%s: exp %d is not a Unix time in seconds", where, *t.Exp)}
	default:
		c.NotAfter, c.Source = time.Unix(*t.Exp, 0).UTC(), akshci.SourceTokenExp
	}
	return c, nil
}

func kubeconfigCredential(where string, k *DocKubeconfig) (akshci.Credential, error) {
	var c akshci.Credential
	if k == nil {
		return c, &InventoryError{Reason: where + ": missing"}
	}
	if err := checkCode(where, k.Failure); err != nil {
		return c, err
	}
	switch {
	case k.Failure != nil:
		c.UnknownReason = failureReason(k.Failure, toolKvactl, "")
	case k.ClientCertificate == nil || strings.TrimSpace(*k.ClientCertificate) == "":
		c.UnknownReason = "not-found: the kubeconfig has no client-certificate-data"
	default:
		certs, err := decodeCertificates(*k.ClientCertificate)
		if err != nil {
			return c, &InventoryError{Reason: where + ", client certificate: " + err.Error()}
		}
		c.NotAfter, c.Source = certs[0].NotAfter.UTC(), akshci.SourceKubeconfig
		if k.File != nil {
			c.Origin = "the file " + strconv.Quote(*k.File) + " Get-AksHciCredential wrote"
			if k.Form != nil {
				c.Origin += ", given -configPath as a " + *k.Form
			}
		}
	}
	return c, nil
}

// markCAs lists the cloud agent CAs the access files hold (after a rotation, the old and
// the new one: research §1 A, inferred) and names the issuer of each access-file client
// certificate, matched by name (the issuer of a certificate is its CA's subject).
func markCAs(inv *akshci.Inventory, files []accessFile) {
	seen := map[string]bool{}
	var cas []*x509.Certificate
	for _, a := range files {
		for _, c := range a.cas {
			fp := akshci.Fingerprint(c.Raw)
			if !seen[fp] {
				seen[fp] = true
				cas = append(cas, c)
				inv.CAs = append(inv.CAs, akshci.CA{Fingerprint: fp, NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()})
			}
		}
	}
	if len(cas) > 0 {
		inv.CASource = akshci.SourceAccessFile
	}
	issuers := map[string]string{}
	for _, a := range files {
		if a.certificate == nil || a.client == "" {
			continue
		}
		for _, ca := range cas {
			if bytes.Equal(a.certificate.RawIssuer, ca.RawSubject) {
				issuers[a.key()] = akshci.Fingerprint(ca.Raw)
			}
		}
	}
	for i, c := range inv.Management {
		if c.Type != akshci.Certificate || c.Source != akshci.SourceAccessFile {
			continue
		}
		key := c.Client
		if c.Client == "KVA" {
			key = "kvactl"
		}
		inv.Management[i].IssuerFingerprint = issuers[strings.ToLower(key)]
	}
}
