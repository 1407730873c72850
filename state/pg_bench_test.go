package state

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
)

// benchBackends are the backends the journal benchmarks compare, each holding a state of n done
// resources whose addresses are returned.
func benchBackends(b *testing.B, n int) []struct {
	name  string
	open  func(b *testing.B) State
	addrs []string
} {
	path := statePath(b)
	addrs := writeSnapshotN(b, path, n)
	local := LocalBackend{Path: path}
	snap := openT(b, path).Snapshot()
	pg := pgBackend(b, "bench")
	st, err := pg.OpenLocked(context.Background(), "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Overwrite(snap); err != nil {
		b.Fatal(err)
	}
	_ = st.Close()
	open := func(be Backend) func(b *testing.B) State {
		return func(b *testing.B) State {
			st, err := be.OpenLocked(context.Background(), "bench", 0)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			return st
		}
	}
	return []struct {
		name  string
		open  func(b *testing.B) State
		addrs []string
	}{{"local", open(local), addrs}, {"postgres", open(pg), addrs}}
}

// BenchmarkJournalStep journals one step (its intent, then its outcome: two durable records) per
// iteration, one writer at a time, in a state of 10 000 resources, on both backends: the journal's
// cost per step (`make bench` runs 10 000 steps). Each record is one fsync (local) or one committed
// statement (PostgreSQL), whatever the size of the state.
func BenchmarkJournalStep(b *testing.B) {
	for _, be := range benchBackends(b, 10_000) {
		b.Run("backend="+be.name, func(b *testing.B) {
			st := be.open(b)
			n := len(be.addrs)
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				addr := be.addrs[(i*7919)%n]
				if err := st.Intent(addr, "subscription", "partnercenter", "migrate", 2, fmt.Sprint("k-", i)); err != nil {
					b.Fatal(err)
				}
				if err := st.Outcome(addr, "migrate", StepOutcome{Status: StatusDone, RemoteIDs: map[string]string{"migration_id": "m"}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkJournalStepParallel is BenchmarkJournalStep with 10 workers at once, as an apply with
// --parallelism 10 journals: writers arriving during a write share the next one (group commit).
func BenchmarkJournalStepParallel(b *testing.B) {
	for _, be := range benchBackends(b, 10_000) {
		b.Run("backend="+be.name, func(b *testing.B) {
			st := be.open(b)
			n := len(be.addrs)
			var next atomic.Int64
			b.ResetTimer()
			var wg sync.WaitGroup
			work := make(chan struct{})
			for range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range work {
						i := int(next.Add(1))
						addr := be.addrs[(i*7919)%n]
						if err := st.Intent(addr, "subscription", "partnercenter", "migrate", 2, fmt.Sprint("k-", i)); err != nil {
							b.Error(err)
							return
						}
						if err := st.Outcome(addr, "migrate", StepOutcome{Status: StatusDone}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			for b.Loop() {
				work <- struct{}{}
			}
			close(work)
			wg.Wait()
		})
	}
}

// BenchmarkOpenState opens (reads and replays) a state of 10 000 resources with 10 000 journal
// records on both backends: the state's part of a plan.
func BenchmarkOpenState(b *testing.B) {
	for _, be := range benchBackends(b, 10_000) {
		b.Run("backend="+be.name, func(b *testing.B) {
			st := be.open(b)
			for i, addr := range be.addrs {
				if err := st.Outcome(addr, "refresh", StepOutcome{Attributes: map[string]string{"n": fmt.Sprint(i)}}); err != nil {
					b.Fatal(err)
				}
			}
			_ = st.Close()
			var where Backend
			switch s := st.(type) {
			case *PGStore:
				where = s.b
			case *lockedStore:
				where = LocalBackend{Path: s.path}
			}
			b.ResetTimer()
			for b.Loop() {
				got, err := where.Open(context.Background())
				if err != nil {
					b.Fatal(err)
				}
				if got.Len() != len(be.addrs) {
					b.Fatalf("%d resources", got.Len())
				}
			}
		})
	}
}
