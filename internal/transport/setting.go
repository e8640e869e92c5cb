// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package transport

import (
	"strconv"
	"strings"
)

// Setting is one field of SSHConfig, named by the errors it causes so that a caller can
// point at the value to change. String gives the Go field name; a caller with names of
// its own for the settings (a configuration language) renders the errors with them
// through the Describe methods.
type Setting int

// The settings an error can name, one per SSHConfig field.
const (
	SettingHost Setting = iota + 1
	SettingPort
	SettingUser
	SettingPassword
	SettingPrivateKey
	SettingPrivateKeyPassphrase
	SettingAgent
	SettingHostKey
	SettingKnownHostsPath
	SettingInsecureIgnoreHostKey
	SettingDialTimeout
	settingEnd // one past the last setting; keep it last
)

var settingFields = [settingEnd]string{
	SettingHost:                  "Host",
	SettingPort:                  "Port",
	SettingUser:                  "User",
	SettingPassword:              "Password",
	SettingPrivateKey:            "PrivateKey",
	SettingPrivateKeyPassphrase:  "PrivateKeyPassphrase",
	SettingAgent:                 "Agent",
	SettingHostKey:               "HostKey",
	SettingKnownHostsPath:        "KnownHostsPath",
	SettingInsecureIgnoreHostKey: "InsecureIgnoreHostKey",
	SettingDialTimeout:           "DialTimeout",
}

// Settings lists every Setting, so that a caller mapping them to names of its own can
// prove it names each one.
func Settings() []Setting {
	var all []Setting
	for s := SettingHost; s < settingEnd; s++ {
		all = append(all, s)
	}
	return all
}

// String is the SSHConfig field the setting is, e.g. "PrivateKey".
func (s Setting) String() string {
	if s > 0 && s < settingEnd {
		return settingFields[s]
	}
	return "Setting(" + strconv.Itoa(int(s)) + ")"
}

// SettingNames names settings for the user; Setting.String is the neutral one.
type SettingNames func(Setting) string

// text is a message that mentions settings: its parts are strings and Settings, the
// latter rendered by whoever shows the message.
type text []any

func (t text) render(name SettingNames) string {
	var b strings.Builder
	for _, p := range t {
		switch p := p.(type) {
		case Setting:
			b.WriteString(name(p))
		case string:
			b.WriteString(p)
		}
	}
	return b.String()
}

// ConfigError names the SSH setting that is missing, invalid or conflicting.
type ConfigError struct {
	// Setting is the field at fault.
	Setting Setting
	// Bastion is true when the setting is the jump host's (in SSHConfig.Bastion).
	Bastion bool
	// ConflictsWith is the other setting when the two exclude each other (set only one);
	// zero otherwise.
	ConflictsWith Setting
	// reason says what is wrong and how to fix it.
	reason text
}

func configError(s Setting, reason ...any) *ConfigError {
	return &ConfigError{Setting: s, reason: reason}
}

func conflict(s, other Setting, advice string) *ConfigError {
	return &ConfigError{Setting: s, ConflictsWith: other, reason: text{"conflicts with ", other, ": " + advice}}
}

// Reason says what is wrong with the setting and how to fix it, naming the settings it
// mentions with name.
func (e *ConfigError) Reason(name SettingNames) string { return e.reason.render(name) }

// Error names the setting by its field path, e.g. "ssh Bastion.User: must be set ...".
func (e *ConfigError) Error() string {
	field := e.Setting.String()
	if e.Bastion {
		field = "Bastion." + field
	}
	return "ssh " + field + ": " + e.Reason(Setting.String)
}

// AuthError reports a host that refused every credential offered.
type AuthError struct {
	User, Addr string
	// Methods are the settings that supplied the credentials, in the order offered.
	Methods []Setting
	Err     error
}

// Describe is the error's text with the settings named by name.
func (e *AuthError) Describe(name SettingNames) string {
	methods := make([]string, len(e.Methods))
	for i, m := range e.Methods {
		methods[i] = name(m)
	}
	list := strings.Join(methods, ", ")
	return "authentication as " + e.User + "@" + e.Addr + " with " + list + " failed: the host refused the credentials (check " +
		name(SettingUser) + " and " + list + "): " + e.Err.Error()
}

func (e *AuthError) Error() string { return e.Describe(Setting.String) }
func (e *AuthError) Unwrap() error { return e.Err }

// Warning is something the user should be told about the SSH settings although the
// runner works with them: a host whose identity is not verified, an agent that is not
// used.
type Warning struct {
	// Setting is the setting the warning is about.
	Setting Setting
	// Bastion is true when the setting is the jump host's.
	Bastion bool
	text    text
}

// Describe is the warning's text with the settings named by name.
func (w Warning) Describe(name SettingNames) string { return w.text.render(name) }

// AgentError reports an ssh-agent that cannot be reached when it is the only credential
// set. It keeps the dial error in Err but does not unwrap to it: a missing socket file
// would otherwise pass for a missing program or file (fs.ErrNotExist).
type AgentError struct {
	// Socket is the agent's socket; FromEnv says it came from SSH_AUTH_SOCK.
	Socket  string
	FromEnv bool
	// Bastion is true when the agent was to log in to the jump host.
	Bastion bool
	// Err is why connecting to the socket failed.
	Err error
}

// Describe is the error's text with the settings named by name.
func (e *AgentError) Describe(name SettingNames) string {
	socket := e.Socket
	if e.FromEnv {
		socket = "SSH_AUTH_SOCK=" + e.Socket
	}
	return "ssh-agent cannot be reached at " + socket + " (" + e.Err.Error() + "), and " + name(SettingAgent) +
		" is the only credential set: start ssh-agent and add the key (eval $(ssh-agent); ssh-add) in the environment this program runs in, " +
		"so that SSH_AUTH_SOCK names its socket, or set " + name(SettingPrivateKey) + " or " + name(SettingPassword)
}

func (e *AgentError) Error() string { return e.Describe(Setting.String) }
