// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"crypto/x509"
	"strconv"
	"strings"
)

// accessFile is one MOC access file as the provider reads it: where it came from, which
// client it belongs to, its decoded certificates.
type accessFile struct {
	location, folder, path string
	// client names the credential: a documented tool, or "unrecognised access file X".
	client string
	// kva: kvactl's access file, the KVA client of the catalog [#146].
	kva bool
	// root: the file sits directly in its location, not in a tool's folder (the 2020
	// layout, %USERPROFILE%\.wssd\cloudconfig [#47]).
	root bool
	// ignored lists other copies of the same tool's file, in later locations.
	ignored     []string
	certificate *x509.Certificate
	cas         []*x509.Certificate
	failure     *DocFailure
}

// accessFileClients are the access-file folders whose client is documented or follows
// from moc's rule that a tool's folder is named after its executable [moc
// pkg/auth/auth_env.go getExecutableName, V-src]: kvactl's [#146] (Obs) and mocctl's
// (Inf). Any other folder is listed as an unrecognised access file, never as a client.
var accessFileClients = map[string]string{
	"kvactl": "KVA",
	"mocctl": "mocctl",
}

// unrecognisedPrefix starts the client name of an access file the provider cannot
// attribute to a client.
const unrecognisedPrefix = "unrecognised access file "

func (a accessFile) key() string {
	if a.kva {
		return "kvactl"
	}
	return strings.ToLower(a.client)
}

// origin says where the file is, for users: its path and which location it was found in.
func (a accessFile) origin() string {
	where := "the profile"
	if a.location == LocationConfigured {
		where = "the configured access-file directory"
	}
	s := a.path + " (" + where + ")"
	for _, p := range a.ignored {
		s += "; another copy at " + p + " was not counted"
	}
	return s
}

// normPath compares Windows paths: case-insensitive, either slash, no trailing one.
func normPath(p string) string {
	return strings.TrimRight(strings.ToLower(strings.ReplaceAll(p, "/", `\`)), `\`)
}

func parentPath(p string) string {
	n := normPath(p)
	if i := strings.LastIndex(n, `\`); i >= 0 {
		return n[:i]
	}
	return ""
}

func baseName(p string) string {
	n := strings.TrimRight(strings.ReplaceAll(p, "/", `\`), `\`)
	return n[strings.LastIndex(n, `\`)+1:]
}

// accessFiles checks and decodes the access files: the configured directory first, then
// the profile (the script's order), each file once — the same path reached from both
// locations counts once, and of two copies of one tool's file the first location's
// counts.
func (doc *Document) accessFiles() ([]accessFile, error) {
	roots := map[string]string{} // location → normalised path
	for _, r := range doc.AccessFileRoots {
		if r.Location != LocationConfigured && r.Location != LocationProfile {
			return nil, &InventoryError{Reason: "access files: unknown location " + strconv.Quote(r.Location)}
		}
		if _, dup := roots[r.Location]; dup {
			return nil, &InventoryError{Reason: "access files: location " + r.Location + " listed twice"}
		}
		if err := checkCode("access files under "+r.Path, r.Failure); err != nil {
			return nil, err
		}
		roots[r.Location] = normPath(r.Path)
	}
	var out []accessFile
	paths := map[string]bool{}
	byClient := map[string]int{}
	for _, d := range doc.AccessFiles {
		where := "access file " + strconv.Quote(d.Path)
		root, ok := roots[d.Location]
		if !ok {
			return nil, &InventoryError{Reason: where + ": location " + strconv.Quote(d.Location) + " is not among the locations searched"}
		}
		if d.Path == "" || d.Folder == "" {
			return nil, &InventoryError{Reason: "access files: a file without a path or folder"}
		}
		if err := checkCode(where, d.Failure); err != nil {
			return nil, err
		}
		p := normPath(d.Path)
		if paths[p] {
			continue // the same file, reached from both locations
		}
		paths[p] = true
		a := accessFile{location: d.Location, folder: d.Folder, path: d.Path, failure: d.Failure}
		switch {
		case parentPath(d.Path) == root:
			a.root = true
			a.client = unrecognisedPrefix + baseName(parentPath(d.Path))
		case accessFileClients[strings.ToLower(d.Folder)] != "":
			a.client = accessFileClients[strings.ToLower(d.Folder)]
			a.kva = a.client == "KVA"
		default:
			a.client = unrecognisedPrefix + d.Folder
		}
		if i, dup := byClient[a.key()]; dup {
			out[i].ignored = append(out[i].ignored, d.Path)
			continue
		}
		if d.CloudCertificate != nil && strings.TrimSpace(*d.CloudCertificate) != "" {
			certs, err := decodeCertificates(*d.CloudCertificate)
			if err != nil {
				return nil, &InventoryError{Reason: where + ", CloudCertificate: " + err.Error()}
			}
			a.cas = certs
		}
		if d.Failure == nil && d.ClientCertificate != nil && strings.TrimSpace(*d.ClientCertificate) != "" {
			certs, err := decodeCertificates(*d.ClientCertificate)
			if err != nil {
				return nil, &InventoryError{Reason: where + ", ClientCertificate: " + err.Error()}
			}
			a.certificate = certs[0]
		}
		byClient[a.key()] = len(out)
		out = append(out, a)
	}
	return out, nil
}
