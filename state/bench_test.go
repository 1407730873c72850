package state

import (
	"fmt"
	"path/filepath"
	"testing"
)

// BenchmarkIntentOutcome journals an intent and an outcome per iteration into states of growing
// size; the cost per record must not grow with the size of the state.
func BenchmarkIntentOutcome(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("resources=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "ferry.state.json")
			addrs := writeSnapshotN(b, path, n)
			s := openT(b, path)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				addr := addrs[(i*7919)%n]
				if err := s.Intent(addr, "subscription", "partnercenter", "migrate", 2, "k"); err != nil {
					b.Fatal(err)
				}
				if err := s.Outcome(addr, "migrate", StepOutcome{Status: StatusDone, RemoteIDs: map[string]string{"migration_id": "m"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIntentOutcomeParallel shows group commit: parallel workers share fsyncs.
func BenchmarkIntentOutcomeParallel(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ferry.state.json")
	addrs := writeSnapshotN(b, path, 10_000)
	s := openT(b, path)
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			addr := addrs[i%len(addrs)]
			i++
			if err := s.Intent(addr, "subscription", "partnercenter", "migrate", 2, "k"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkOpen opens a state of 10k resources with a journal of 10k records to replay.
func BenchmarkOpen(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ferry.state.json")
	addrs := writeSnapshotN(b, path, 10_000)
	s := openT(b, path)
	for i, addr := range addrs {
		if err := s.Outcome(addr, "refresh", StepOutcome{Attributes: map[string]string{"n": fmt.Sprint(i)}}); err != nil {
			b.Fatal(err)
		}
	}
	must(b, s.Close())
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Open(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompact compacts a state of 10k resources.
func BenchmarkCompact(b *testing.B) {
	path := filepath.Join(b.TempDir(), "ferry.state.json")
	writeSnapshotN(b, path, 10_000)
	s := openT(b, path)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := s.Compact(); err != nil {
			b.Fatal(err)
		}
	}
}
