// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

// Package hosts turns a provider's host settings into an akshci.Host. It is the one
// place that knows every kind of host, so the provider itself only sees the interface.
package hosts

import (
	"context"
	"errors"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/powershell"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/transport"
)

// DefaultPowerShell is the executable the AksHci module runs under on Windows.
const DefaultPowerShell = "powershell.exe"

// Emulator configures the embedded emulated deployment.
type Emulator struct {
	StatePath        string
	WorkloadClusters []string
	TimeOffset       time.Duration
}

// SSHConfig is the transport's SSH settings (also those of a bastion), named here so
// that the provider fills them in without importing internal/transport (depguard rule
// provider-sees-no-backend).
type SSHConfig = transport.SSHConfig

// SSH configures a real host reached over OpenSSH.
type SSH struct {
	transport.SSHConfig
	PowerShell string
}

// Local configures a real host that is the machine Terraform runs on.
type Local struct {
	PowerShell string
}

// Settings names exactly one host; the provider validates that before calling Open.
type Settings struct {
	Emulator *Emulator
	SSH      *SSH
	Local    *Local
	Clock    akshci.Clock
	// Trace, when set, receives the framing of every remote command.
	Trace TraceFunc
}

// Opened is a ready host plus anything the user should be warned about.
type Opened struct {
	Host     akshci.Host
	Warnings []string
}

// Open builds the configured host from its settings. It touches no host: the emulator
// opens its state file, and an SSH host connects, on first use. So a damaged state file
// or an unreachable host never stops what needs no host (terraform destroy only
// forgets), and every error here is about the settings themselves.
func Open(_ context.Context, s Settings) (*Opened, error) {
	switch {
	case s.Emulator != nil:
		emu, err := emulator.New(emulator.Config{
			StatePath:        s.Emulator.StatePath,
			Clock:            s.Clock,
			TimeOffset:       s.Emulator.TimeOffset,
			WorkloadClusters: s.Emulator.WorkloadClusters,
		})
		if err != nil {
			return nil, &SettingError{Attribute: emulatorAttribute(err), Err: err}
		}
		return &Opened{Host: emu}, nil
	case s.SSH != nil:
		runner, err := transport.NewSSH(s.SSH.SSHConfig)
		if err != nil {
			var ce *transport.ConfigError
			if errors.As(err, &ce) {
				return nil, sshSettingError(ce, err)
			}
			return nil, err
		}
		opened := &Opened{Host: powershell.New(traced(sshNamedRunner{runner}, s.Trace, s.Clock), orDefault(s.SSH.PowerShell))}
		for _, w := range runner.Warnings() {
			opened.Warnings = append(opened.Warnings, w.Describe(sshPathName(w.Bastion)))
		}
		return opened, nil
	case s.Local != nil:
		return &Opened{Host: powershell.New(traced(transport.NewLocal(), s.Trace, s.Clock), orDefault(s.Local.PowerShell))}, nil
	}
	return nil, errors.New("no host configured")
}

func orDefault(exe string) string {
	if exe == "" {
		return DefaultPowerShell
	}
	return exe
}

// SettingError is a host that cannot be opened because of one of its settings, named
// by its attribute in the provider's host block ("" when no single attribute is at fault).
type SettingError struct {
	Attribute string
	Err       error
}

func (e *SettingError) Error() string { return e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

func emulatorAttribute(err error) string {
	var clockErr *emulator.ClockError
	if errors.As(err, &clockErr) {
		return "time_offset"
	}
	return "state_path"
}
