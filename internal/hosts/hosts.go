// Package hosts turns a provider's host settings into an akshci.Host. It is the one
// place that knows every kind of host, so the provider itself only sees the interface.
package hosts

import (
	"context"
	"errors"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
	"github.com/akshybrid/terraform-provider-akshybrid/internal/emulator"
)

// Emulator configures the embedded emulated deployment.
type Emulator struct {
	StatePath        string
	WorkloadClusters []string
	TimeOffset       time.Duration
}

// Settings names exactly one host; the provider validates that before calling Open.
type Settings struct {
	Emulator *Emulator
	Clock    akshci.Clock
}

// Opened is a ready host plus anything the user should be warned about.
type Opened struct {
	Host     akshci.Host
	Warnings []string
}

// Open builds the configured host and checks that it can be reached, so configuration
// mistakes surface before any resource is planned.
func Open(ctx context.Context, s Settings) (*Opened, error) {
	switch {
	case s.Emulator != nil:
		emu, err := emulator.New(emulator.Config{
			StatePath:        s.Emulator.StatePath,
			Clock:            s.Clock,
			TimeOffset:       s.Emulator.TimeOffset,
			WorkloadClusters: s.Emulator.WorkloadClusters,
		})
		if err != nil {
			return nil, err
		}
		if err := emu.Prepare(ctx); err != nil {
			return nil, &SettingError{Attribute: emulatorAttribute(err), Err: err}
		}
		return &Opened{Host: emu}, nil
	}
	return nil, errNoHost
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

type hostError string

func (e hostError) Error() string { return string(e) }

const errNoHost = hostError("no host configured")
