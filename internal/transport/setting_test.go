// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// Settings lists every setting once, in order, each named after the SSHConfig field it is.
func TestSettingsAreTheSSHConfigFields(t *testing.T) {
	want := []string{"Host", "Port", "User", "Password", "PrivateKey", "PrivateKeyPassphrase", "Agent",
		"HostKey", "KnownHostsPath", "InsecureIgnoreHostKey", "DialTimeout"}
	var got []string
	cfg := reflect.TypeOf(transport.SSHConfig{})
	for _, s := range transport.Settings() {
		got = append(got, s.String())
		if _, ok := cfg.FieldByName(s.String()); !ok {
			t.Errorf("setting %d is named %q, which is no SSHConfig field", int(s), s)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Settings() = %q, want %q", got, want)
	}
	if transport.SettingHost.String() != "Host" || transport.SettingDialTimeout.String() != "DialTimeout" {
		t.Errorf("the first and last constants are %q and %q", transport.SettingHost, transport.SettingDialTimeout)
	}
	// Values outside the list are shown as numbers, never as another setting's name.
	for s, want := range map[transport.Setting]string{0: "Setting(0)", -1: "Setting(-1)", transport.Setting(len(want) + 1): "Setting(12)"} {
		if got := s.String(); got != want {
			t.Errorf("Setting(%d).String() = %q, want %q", int(s), got, want)
		}
	}
}

func TestAuthErrorNamesTheSettingsThatSuppliedCredentials(t *testing.T) {
	refused := errors.New("ssh: unable to authenticate")
	err := &transport.AuthError{User: "ops", Addr: "h:22", Methods: []transport.Setting{transport.SettingPrivateKey, transport.SettingPassword}, Err: refused}
	const want = "authentication as ops@h:22 with PrivateKey, Password failed: the host refused the credentials (check User and PrivateKey, Password): ssh: unable to authenticate"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err.Error(), want)
	}
	upper := err.Describe(func(s transport.Setting) string { return strings.ToUpper(s.String()) })
	if !strings.HasPrefix(upper, "authentication as ops@h:22 with PRIVATEKEY, PASSWORD failed") || !strings.Contains(upper, "(check USER and PRIVATEKEY, PASSWORD)") {
		t.Errorf("Describe = %q", upper)
	}
	if !errors.Is(err, refused) {
		t.Error("AuthError does not wrap the library's error")
	}
}
