// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package powershell

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// Document is the JSON the inventory script prints between its markers (version
// DocumentVersion): raw public material per source, each with a failure when the source
// failed. Field names are the script's; every decision about them is made in Inventory.
type Document struct {
	Version              int             `json:"version"`
	Now                  string          `json:"now"`
	ManagementCluster    *string         `json:"managementCluster"`
	Config               *DocConfig      `json:"config"`
	ClusterNames         []string        `json:"clusterNames"`
	ClusterNamesError    *DocFailure     `json:"clusterNamesError"`
	Probe                *DocProbe       `json:"probe"`
	Session              *DocSession     `json:"session"`
	AccessFileRoots      []DocRoot       `json:"accessFileRoots"`
	AccessFiles          []DocAccessFile `json:"accessFiles"`
	ManagementKubeconfig *DocKubeconfig  `json:"managementKubeconfig"`
	CAPHToken            *DocToken       `json:"caphToken"`
	KVAToken             *DocToken       `json:"kvaToken"`
	Clusters             []DocCluster    `json:"clusters"`
}

// DocFailure is a source that failed: a mechanical code the script can tell by itself
// (one of the Code* constants of inventory.go) and the host's own text, bounded, with
// anything shaped like a token blanked on the host; it is masked again here.
type DocFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// DocConfig is what Get-AksHciConfig reports: the cloud agent's address and the
// configured access-file directory.
type DocConfig struct {
	CloudFqdn         *string     `json:"cloudFqdn"`
	AccessFileDirPath *string     `json:"accessFileDirPath"`
	Failure           *DocFailure `json:"failure"`
}

// DocProbe is the parameter-set probe of the cmdlets the provider runs.
type DocProbe struct {
	Module   string       `json:"module"`
	Commands []DocCommand `json:"commands"`
}

// DocCommand is one probed cmdlet; Target is null when Get-Command found nothing.
type DocCommand struct {
	Name          string        `json:"name"`
	Target        *string       `json:"target"`
	Confirm       bool          `json:"confirm"`
	ConfirmImpact *string       `json:"confirmImpact"`
	Sets          []DocParamSet `json:"sets"`
}

// DocParamSet is one parameter set; a trailing ! marks a mandatory parameter.
type DocParamSet struct {
	Name       string   `json:"name"`
	Parameters []string `json:"parameters"`
}

// DocSession says whether the session holds network credentials.
type DocSession struct {
	KerberosTickets *int        `json:"kerberosTickets"`
	Failure         *DocFailure `json:"failure"`
}

// DocRoot is one location the script searched for access files.
type DocRoot struct {
	Location string      `json:"location"`
	Path     string      `json:"path"`
	Failure  *DocFailure `json:"failure"`
}

// DocAccessFile is one cloudconfig found under a root.
type DocAccessFile struct {
	Location          string      `json:"location"`
	Folder            string      `json:"folder"`
	Path              string      `json:"path"`
	IdentityName      *string     `json:"identityName"`
	ClientCertificate *string     `json:"clientCertificate"`
	CloudCertificate  *string     `json:"cloudCertificate"`
	Failure           *DocFailure `json:"failure"`
}

// DocKubeconfig is the client certificate of a kubeconfig; File is the name of the file
// Get-AksHciCredential wrote (workload clusters only).
type DocKubeconfig struct {
	ClientCertificate *string `json:"clientCertificate"`
	File              *string `json:"file,omitempty"`
	// Form says how -configPath was given when the cmdlet wrote it: "folder" or "file".
	Form    *string     `json:"form,omitempty"`
	Failure *DocFailure `json:"failure"`
}

// DocToken is a login token's exp claim (Unix seconds), decoded on the host.
type DocToken struct {
	Exp     *int64      `json:"exp"`
	Failure *DocFailure `json:"failure"`
}

// DocIdentity is what mocctl printed for [0].[tokenexpiryinseconds,tokenexpiry,revoked]:
// public numbers and a flag, as text, parsed here (parseIdentityFields).
type DocIdentity struct {
	Printed *string     `json:"printed"`
	Failure *DocFailure `json:"failure"`
}

// DocCluster is one workload cluster.
type DocCluster struct {
	Name               string         `json:"name"`
	Kubeconfig         *DocKubeconfig `json:"kubeconfig"`
	ServingCertificate *string        `json:"servingCertificate"`
	ServingFailure     *DocFailure    `json:"servingFailure"`
	CSIToken           *DocToken      `json:"csiToken"`
	KMSToken           *DocToken      `json:"kmsToken"`
	KMSIdentity        *DocIdentity   `json:"kmsIdentity"`
	// Calls counts the external calls the script made for this cluster.
	Calls int `json:"calls"`
}

// codeMeaning says what each mechanical code means; the host's text, when there is one,
// is read by failureReason.
var codeMeaning = map[string]string{
	CodeNotFound:    "the source does not exist on this host",
	CodeDenied:      "the session's account may not read it (run as the account that installed AKS hybrid, or an administrator)",
	CodeTimeout:     "the call exceeded its timeout",
	CodeUnreachable: "the source did not answer",
	CodeNotStarted:  "the program could not be started on the host",
	CodeExit:        "the program failed",
	CodeException:   "the cmdlet failed",
	CodeEmpty:       "the source answered null or nothing (for mocctl: no such identity, or it holds no token)",
	CodeNoExp:       "the token has no exp claim the host could decode (MOC tokens are JWTs by inference, not documented)",
	CodeSkipped:     "not read, because a step it needs failed",
}

// ParseInventory reads the inventory script's output: the document between the
// markers of nonce, with everything around it (banners, warnings) ignored.
func ParseInventory(out []byte, nonce string) (*akshci.Inventory, error) {
	doc, err := ParseDocument(out, nonce)
	if err != nil {
		return nil, err
	}
	return doc.Inventory()
}

// ParseDocument extracts and decodes the document, refusing fields it does not know.
func ParseDocument(out []byte, nonce string) (*Document, error) {
	raw, err := extractDocument(out, nonce)
	if err != nil {
		return nil, err
	}
	var probe struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, &InventoryError{Reason: "the document is not valid JSON: " + err.Error()}
	}
	if probe.Version != DocumentVersion {
		return nil, &InventoryError{Reason: fmt.Sprintf("document version %d is not supported (want %d): the host ran a script from another provider version", probe.Version, DocumentVersion)}
	}
	var doc Document
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		return nil, &InventoryError{Reason: "the document does not match version " + strconv.Itoa(DocumentVersion) + ": " + err.Error()}
	}
	return &doc, nil
}

func checkCode(where string, f *DocFailure) error {
	if f == nil {
		return nil
	}
	if _, ok := codeMeaning[f.Code]; !ok {
		return &InventoryError{Reason: fmt.Sprintf("%s: unknown failure code %q", where, f.Code)}
	}
	return nil
}
