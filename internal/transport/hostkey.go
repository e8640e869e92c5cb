// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError reports a host key that does not match the configured one, or a host
// that known_hosts does not list. It says what the host presented so an operator can
// compare fingerprints out of band.
type HostKeyError struct {
	// Addr is the host:port dialled.
	Addr string
	// Source is the setting the expected key came from: SettingHostKey, or
	// SettingKnownHostsPath for the known_hosts file File; zero when File is the default
	// ~/.ssh/known_hosts.
	Source Setting
	// File is the known_hosts file checked; "" for a pinned HostKey.
	File string
	// Presented is the host's key as an authorized_keys line; PresentedFingerprint its
	// SHA256 fingerprint.
	Presented            string
	PresentedFingerprint string
	// Expected lists the fingerprints the source accepts for this host; empty when the
	// host is unknown to known_hosts.
	Expected []string
	// Revoked is true when known_hosts marks the presented key @revoked.
	Revoked bool
}

func (e *HostKeyError) Error() string { return e.Describe(Setting.String) }

// source says where the expected key came from.
func (e *HostKeyError) source(name SettingNames) string {
	switch e.Source {
	case SettingHostKey:
		return name(SettingHostKey)
	case SettingKnownHostsPath:
		return name(SettingKnownHostsPath) + " " + e.File
	}
	return "known_hosts " + e.File
}

// Describe is the error's text with the settings named by name.
func (e *HostKeyError) Describe(name SettingNames) string {
	host, port := splitAddr(e.Addr)
	keyscan := "ssh-keyscan -p " + port + " " + host
	var b strings.Builder
	switch {
	case e.Revoked:
		fmt.Fprintf(&b, "ssh: the host key of %s (%s) is marked @revoked in %s; refusing to connect", e.Addr, e.PresentedFingerprint, e.source(name))
	case len(e.Expected) == 0:
		fmt.Fprintf(&b, "ssh: the host key of %s (%s) is not in %s. Verify the fingerprint out of band, then add the host (%s >> %s) or set %s to: %s",
			e.Addr, e.PresentedFingerprint, e.source(name), keyscan, e.File, name(SettingHostKey), e.Presented)
	default:
		fmt.Fprintf(&b, "ssh: host key mismatch for %s: the host presented %s, but %s expects %s. "+
			"Either the host's key changed (reinstall, key rotation) or someone is intercepting the connection. "+
			"If the change is expected, verify the new fingerprint out of band, then ",
			e.Addr, e.PresentedFingerprint, e.source(name), strings.Join(e.Expected, " or "))
		if e.File != "" {
			fmt.Fprintf(&b, "update known_hosts: ssh-keygen -R '%s' -f %s; %s >> %s", knownhosts.Normalize(e.Addr), e.File, keyscan, e.File)
		} else {
			fmt.Fprintf(&b, "update %s to the host's new key: %s", name(SettingHostKey), e.Presented)
		}
	}
	return b.String()
}

func splitAddr(addr string) (host, port string) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, "22"
	}
	return h, p
}

func fingerprint(k ssh.PublicKey) string {
	return k.Type() + " " + ssh.FingerprintSHA256(k)
}

func authorizedLine(k ssh.PublicKey) string {
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k)))
}

// hostKeyVerifier checks the key a host presents during the handshake.
type hostKeyVerifier struct {
	addr     string
	pinned   ssh.PublicKey // HostKey
	file     string        // KnownHostsPath (or the default ~/.ssh/known_hosts)
	explicit bool          // file came from KnownHostsPath
	insecure bool
}

// parseHostKey accepts an authorized_keys line ("ssh-ed25519 AAAA... comment") or a
// known_hosts line ("host ssh-ed25519 AAAA..."), the two forms ssh-keyscan and .pub
// files produce.
func parseHostKey(line string) (ssh.PublicKey, error) {
	line = strings.TrimSpace(line)
	if strings.Contains(line, "\n") {
		return nil, errors.New("expected one public key line, got several lines")
	}
	k, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		var kerr error
		_, _, k, _, _, kerr = ssh.ParseKnownHosts([]byte(line))
		if kerr != nil {
			return nil, err
		}
	}
	if _, ok := k.(*ssh.Certificate); ok {
		return nil, errors.New("a certificate is not supported; give the host's plain public key")
	}
	return k, nil
}

// source is the setting the expected key comes from (see HostKeyError.Source).
func (v *hostKeyVerifier) source() Setting {
	if v.pinned != nil {
		return SettingHostKey
	}
	if v.explicit {
		return SettingKnownHostsPath
	}
	return 0
}

// prepare returns the host key callback for one dial and the host key algorithms to
// ask for. Asking for the algorithm of the expected key matters: a host usually has
// several keys (RSA, ECDSA, Ed25519) and would otherwise present whichever it prefers.
func (v *hostKeyVerifier) prepare() (ssh.HostKeyCallback, []string, error) {
	switch {
	case v.insecure:
		return ssh.InsecureIgnoreHostKey(), nil, nil //nolint:gosec // explicit opt-in, warned about
	case v.pinned != nil:
		want := v.pinned
		cb := func(_ string, _ net.Addr, key ssh.PublicKey) error {
			if keysEqual(key, want) {
				return nil
			}
			return &HostKeyError{Addr: v.addr, Source: SettingHostKey, Presented: authorizedLine(key),
				PresentedFingerprint: fingerprint(key), Expected: []string{fingerprint(want)}}
		}
		return cb, algorithmsFor([]ssh.PublicKey{want}), nil
	}
	db, err := knownhosts.New(v.file)
	if err != nil {
		return nil, nil, fmt.Errorf("ssh: read the known_hosts file %s: %w", v.file, err)
	}
	// Ask the database which keys it knows for this address by checking a throwaway
	// key: a KeyError lists them.
	var known []ssh.PublicKey
	if probe, err := probeKey(); err == nil {
		var kerr *knownhosts.KeyError
		if errors.As(db(v.addr, dummyRemote(v.addr), probe), &kerr) {
			for _, w := range kerr.Want {
				known = append(known, w.Key)
			}
		}
	}
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := db(hostname, remote, key)
		if err == nil {
			return nil
		}
		herr := &HostKeyError{Addr: v.addr, Source: v.source(), File: v.file,
			Presented: authorizedLine(key), PresentedFingerprint: fingerprint(key)}
		var kerr *knownhosts.KeyError
		var rerr *knownhosts.RevokedError
		switch {
		case errors.As(err, &rerr):
			herr.Revoked = true
		case errors.As(err, &kerr):
			for _, w := range kerr.Want {
				herr.Expected = append(herr.Expected, fingerprint(w.Key)+" ("+w.Filename+":"+strconv.Itoa(w.Line)+")")
			}
		default:
			return fmt.Errorf("ssh: check host key of %s against the known_hosts file %s: %w", v.addr, v.file, err)
		}
		return herr
	}
	return cb, algorithmsFor(known), nil
}

func keysEqual(a, b ssh.PublicKey) bool {
	return string(a.Marshal()) == string(b.Marshal())
}

func probeKey() (ssh.PublicKey, error) {
	pub, _, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil, err
	}
	return ssh.NewPublicKey(pub)
}

func dummyRemote(addr string) net.Addr {
	host, port := splitAddr(addr)
	p, _ := strconv.Atoi(port)
	return &net.TCPAddr{IP: net.ParseIP(host), Port: p}
}

// algorithmsFor lists the host key algorithms that can present the given keys, or nil
// (the library's default) when there are none.
func algorithmsFor(keys []ssh.PublicKey) []string {
	var algos []string
	seen := map[string]bool{}
	add := func(a string) {
		if !seen[a] {
			seen[a] = true
			algos = append(algos, a)
		}
	}
	for _, k := range keys {
		if k.Type() == ssh.KeyAlgoRSA {
			add(ssh.KeyAlgoRSASHA512)
			add(ssh.KeyAlgoRSASHA256)
			add(ssh.KeyAlgoRSA)
			continue
		}
		add(k.Type())
	}
	return algos
}
