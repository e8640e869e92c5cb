// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package provider

import (
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// left says how long the cloud agent CA has: whole days from one day on, hours and
// minutes below a day (seconds dropped).
func TestCALeftInDaysFromOneDay(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		59 * 24 * time.Hour:                          "59 days",
		24 * time.Hour:                               "1 day",
		24*time.Hour - time.Minute:                   "23h59m0s",
		90*time.Minute + 30*time.Second:              "1h30m0s",
		24*time.Hour + 23*time.Hour + 59*time.Minute: "1 day",
	} {
		if got := left(&akshci.Inventory{Now: now, CAExpiresAt: now.Add(d)}); got != want {
			t.Errorf("left(%s) = %q, want %q", d, got, want)
		}
	}
}
