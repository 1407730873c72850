package executor

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// limitedFake is a watchFake that declares a send limit.
type limitedFake struct{ *watchFake }

func (limitedFake) SendLimit() (int, time.Duration) { return 100, 5 * time.Minute }

// TestSnapshotCountsTheRun: five changes create a migration each and wait for it (the remote work
// never ends); a sixth depends on the first. The snapshot every 30 s says where each change is,
// the sends of the last minute against the provider's limit, the oldest waits, and no ETA while
// nothing has ended. Time is synctest's fake clock, so the ages are exact.
func TestSnapshotCountsTheRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := limitedFake{&watchFake{fakeProvider: newFake()}}
		var cs []model.Change
		for _, a := range []string{"a", "b", "c", "d", "e"} {
			cs = append(cs, waitChange(a))
		}
		after := change("later", "migrate")
		after.DependsOn = []model.Addr{"a"}
		cs = append(cs, after)
		st := openStore(t)
		stop, cancel := context.WithCancel(context.Background())
		var snaps []Snapshot
		res := Run(stop, context.Background(), cs, map[string]providers.Provider{"fake": f}, st, Options{
			Lineage: st.Lineage(), Parallelism: 2, SnapshotEvery: 30 * time.Second,
			OnSnapshot: func(s Snapshot) {
				snaps = append(snaps, s)
				if len(snaps) == 3 {
					cancel()
				}
			},
		})
		if res.Interrupted != 5 || res.NotStarted != 1 {
			t.Fatalf("result %+v", res)
		}
		s := snaps[0]
		if s.Total != 6 || s.Waiting != 5 || s.Sending != 0 || s.Queued != 1 || s.Ended() != 0 {
			t.Errorf("first snapshot counts %+v", s)
		}
		if s.Elapsed != 30*time.Second || s.ETAKnown {
			t.Errorf("elapsed %s, eta known %v", s.Elapsed, s.ETAKnown)
		}
		want := SendRate{Provider: "fake", LastMinute: 5, Limit: Limit{Requests: 100, Per: 5 * time.Minute}}
		if len(s.Rates) != 1 || s.Rates[0] != want {
			t.Errorf("rates %+v, want %+v", s.Rates, want)
		}
		if len(s.OldestWaits) != MaxOldestWaits || s.OldestWaits[0].For != 30*time.Second ||
			s.OldestWaits[0].Addr != "a" || s.OldestWaits[2].Addr != "c" || s.OldestWaits[0].Step != "await" {
			t.Errorf("oldest waits %+v", s.OldestWaits)
		}
		if s.StatusReads == 0 {
			t.Error("no status reads counted")
		}
		// Two minutes later the sends have left the one-minute window.
		if last := snaps[2]; last.Rates[0].LastMinute != 0 || last.OldestWaits[0].For != 90*time.Second {
			t.Errorf("third snapshot %+v", last)
		}
		if got := want.Limit.PerMinute(); got != 20 {
			t.Errorf("limit per minute %v", got)
		}
	})
}

// TestSnapshotETA: with changes ending at a steady pace, the ETA is what remains at that pace.
func TestSnapshotETA(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	p := newProgress(func() time.Time { return now }, 10, nil)
	for i := 0; i < 4; i++ {
		now = now.Add(15 * time.Second)
		p.end(func(p *progress) *int { return &p.done })
	}
	s := p.snapshot() // 4 ended in 60 s: 6 remain, 90 s
	if !s.ETAKnown || s.ETA != 90*time.Second || s.Queued != 6 {
		t.Errorf("snapshot %+v", s)
	}
	now = now.Add(10 * time.Minute) // nothing ended within the window: unknown
	if s := p.snapshot(); s.ETAKnown {
		t.Errorf("ETA known after 10 quiet minutes: %+v", s)
	}
}
