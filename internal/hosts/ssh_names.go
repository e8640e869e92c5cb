// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package hosts

import (
	"context"
	"errors"
	"strings"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// sshAttributes names each SSH transport setting by the provider attribute that sets it,
// in the ssh block and, for the jump host, in the bastion block inside it; "" for a
// setting the provider leaves at the transport's default. The transport names settings
// by its own fields; messages a user reads name what to change in HCL.
var sshAttributes = map[transport.Setting]string{
	transport.SettingHost:                  "host",
	transport.SettingPort:                  "port",
	transport.SettingUser:                  "user",
	transport.SettingPassword:              "password",
	transport.SettingPrivateKey:            "private_key",
	transport.SettingPrivateKeyPassphrase:  "private_key_passphrase",
	transport.SettingAgent:                 "agent",
	transport.SettingHostKey:               "host_key",
	transport.SettingKnownHostsPath:        "known_hosts_path",
	transport.SettingInsecureIgnoreHostKey: "insecure_ignore_host_key",
	transport.SettingDialTimeout:           "", // the transport's default of 30 s; no attribute sets it
}

// SSHAttribute is the attribute of the provider's ssh block (or of its bastion block)
// that sets s, or "" when no attribute does.
func SSHAttribute(s transport.Setting) string { return sshAttributes[s] }

// sshName names s in a message: by its attribute, or by the transport's name for a
// setting no attribute sets (TestSSHAttributesNameEverySetting keeps that deliberate).
func sshName(s transport.Setting) string {
	if name := SSHAttribute(s); name != "" {
		return name
	}
	return s.String()
}

// sshPathName names a setting by its attribute's full path in the provider
// configuration, "ssh.agent" or, for the jump host's, "ssh.bastion.agent": a warning
// stands alone, without an error's "ssh bastion.user:" prefix to place it.
func sshPathName(bastion bool) transport.SettingNames {
	prefix := "ssh."
	if bastion {
		prefix = "ssh.bastion."
	}
	return func(s transport.Setting) string { return prefix + sshName(s) }
}

// sshBastionName names a setting of the jump host within the ssh block ("bastion.agent").
func sshBastionName(s transport.Setting) string { return "bastion." + sshName(s) }

// sshSettingError is a transport ConfigError as a SettingError on the attribute at fault
// ("bastion.user" for the jump host's), its message naming attributes.
func sshSettingError(ce *transport.ConfigError, err error) *SettingError {
	attr, name := SSHAttribute(ce.Setting), sshName(ce.Setting)
	if ce.Bastion {
		attr, name = strings.TrimSuffix("bastion."+attr, "."), "bastion."+name
	}
	return &SettingError{Attribute: attr, Err: &sshNamedError{msg: "ssh " + name + ": " + ce.Reason(sshName), err: err}}
}

// sshNamedError is an SSH transport error whose message names the provider's attributes
// instead of the transport's fields; errors.As still finds what it wraps.
type sshNamedError struct {
	msg string
	err error
}

func (e *sshNamedError) Error() string { return e.msg }
func (e *sshNamedError) Unwrap() error { return e.err }

// withSSHAttributeNames rewrites the parts of err's message that the transport's typed
// errors wrote (a host key or authentication failure, possibly behind "bastion: ", or
// an unreachable ssh-agent), so that they name attributes; any other error is returned
// as it is.
func withSSHAttributeNames(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	named := msg
	var herr *transport.HostKeyError
	if errors.As(err, &herr) {
		named = strings.Replace(named, herr.Error(), herr.Describe(sshName), 1)
	}
	var aerr *transport.AuthError
	if errors.As(err, &aerr) {
		named = strings.Replace(named, aerr.Error(), aerr.Describe(sshName), 1)
	}
	var gerr *transport.AgentError
	if errors.As(err, &gerr) {
		name := sshName
		if gerr.Bastion {
			name = sshBastionName
		}
		named = strings.Replace(named, gerr.Error(), gerr.Describe(name), 1)
	}
	if named == msg {
		return err
	}
	return &sshNamedError{msg: named, err: err}
}

// sshNamedRunner is the SSH runner with its errors naming the provider's attributes.
type sshNamedRunner struct {
	*transport.SSH
}

func (r sshNamedRunner) Run(ctx context.Context, program string, args []string) ([]byte, []byte, error) {
	stdout, stderr, err := r.SSH.Run(ctx, program, args)
	return stdout, stderr, withSSHAttributeNames(err)
}

func (r sshNamedRunner) RunInput(ctx context.Context, program string, args []string, stdin []byte) ([]byte, []byte, error) {
	stdout, stderr, err := r.SSH.RunInput(ctx, program, args, stdin)
	return stdout, stderr, withSSHAttributeNames(err)
}
