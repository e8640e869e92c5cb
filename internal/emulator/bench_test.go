// Copyright (c) The terraform-provider-akshybrid Authors
// SPDX-License-Identifier: MPL-2.0

package emulator

import (
	"fmt"
	"testing"
	"time"

	"github.com/akshybrid/terraform-provider-akshybrid/internal/akshci"
)

// hundredClusters names the clusters of the benchmark deployments.
func hundredClusters() []string {
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("cluster-%03d", i)
	}
	return names
}

// BenchmarkInventory100Clusters: the provider's one round trip per run, on a deployment
// with 100 workload clusters, with nothing to replay.
func BenchmarkInventory100Clusters(b *testing.B) {
	f := newFixture(b, hundredClusters()...)
	b.ResetTimer()
	for b.Loop() {
		inv, err := f.e.Inventory(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Clusters) != 100 {
			b.Fatal(len(inv.Clusters))
		}
	}
}

// BenchmarkInventory100ClustersAdvancing: the same with the clock moving a day per call,
// so every call commits and re-signs about a third of the kubelet certificates. The
// management credentials are renewed every 60 days outside the timer, as the provider
// would, so that kvactl never locks the cluster list out.
func BenchmarkInventory100ClustersAdvancing(b *testing.B) {
	f := newFixture(b, hundredClusters()...)
	b.ResetTimer()
	for b.Loop() {
		f.advance(day)
		if f.clock.Now().Sub(t0)%(60*day) == 0 {
			b.StopTimer()
			f.must(f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}))
			b.StartTimer()
		}
		inv, err := f.e.Inventory(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if len(inv.Clusters) != 100 {
			b.Fatal(len(inv.Clusters))
		}
		if f.clock.Now().Sub(t0) > 300*day {
			b.StopTimer()
			f = newFixture(b, hundredClusters()...)
			b.StartTimer()
		}
	}
}

// BenchmarkUpdateManagementCertificates100Clusters: a forced management renewal (eight
// new tokens, keys and certificates) on a deployment with 100 workload clusters.
func BenchmarkUpdateManagementCertificates100Clusters(b *testing.B) {
	f := newFixture(b, hundredClusters()...)
	b.ResetTimer()
	for b.Loop() {
		f.advance(time.Second)
		if err := f.e.UpdateManagementCertificates(ctx, akshci.ManagementOptions{Force: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckFile100Clusters: the structural check every operation runs before bbolt
// maps the file, on a deployment with 100 workload clusters.
func BenchmarkCheckFile100Clusters(b *testing.B) {
	f := newFixture(b, hundredClusters()...)
	data := f.bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if err := checkFile(data); err != nil {
			b.Fatal(err)
		}
	}
}
