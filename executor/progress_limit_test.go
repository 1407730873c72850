package executor

import (
	"testing"
	"time"
)

// TestSnapshotAtTheLimit: once the limit's window holds its requests, the snapshot says so, when
// the next send can go, and the ETA is never less than the limit allows for what is not sent yet.
func TestSnapshotAtTheLimit(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := newProgress(func() time.Time { return now }, 250, nil)
	p.limits["pc"] = Limit{Requests: 100, Per: 5 * time.Minute}
	for i := 0; i < 100; i++ {
		p.sent("pc")
		p.end(endedAs(nil))
		now = now.Add(100 * time.Millisecond)
	}
	now = now.Add(time.Minute) // 100 sent between 12:00:00 and 12:00:10; now 12:01:10
	s := p.snapshot()
	if len(s.Rates) != 1 || !s.Rates[0].AtLimit {
		t.Fatalf("rates %+v: want at the limit", s.Rates)
	}
	if got, want := s.Rates[0].NextIn, 5*time.Minute-70*time.Second; got != want {
		t.Errorf("next send in %s, want %s", got, want)
	}
	if s.Rates[0].LastMinute != 0 {
		t.Errorf("sent in the last minute %d, want 0", s.Rates[0].LastMinute)
	}
	// 150 changes are not sent yet: two more windows, the first from the next free slot.
	if want := 5*time.Minute + s.Rates[0].NextIn; !s.ETAKnown || s.ETA < want {
		t.Errorf("ETA %s (known %v), want at least %s", s.ETA, s.ETAKnown, want)
	}
}

// TestSnapshotCountsEarlierSends: a re-apply right after an interrupted one waits for the sends the
// earlier run made (the provider's pacing is seeded with them); the snapshot counted only this run's
// sends and showed "0 sent in the last minute" and no next send while every create waited.
func TestSnapshotCountsEarlierSends(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := newProgress(func() time.Time { return now }, 1000, nil)
	p.limits["pc"] = Limit{Requests: 100, Per: 5 * time.Minute}
	var earlier []time.Time
	for i := 0; i < 100; i++ {
		earlier = append(earlier, now.Add(-time.Duration(100-i)*time.Second/10)) // 11:59:50 … 11:59:59.9
	}
	earlier = append(earlier, now.Add(-2*time.Hour)) // long out of every window
	p.seed(map[string][]time.Time{"pc": earlier})
	s := p.snapshot()
	if len(s.Rates) != 1 || !s.Rates[0].AtLimit {
		t.Fatalf("rates %+v: want at the limit", s.Rates)
	}
	if s.Rates[0].LastMinute != 100 {
		t.Errorf("sent in the last minute %d, want 100", s.Rates[0].LastMinute)
	}
	if got, want := s.Rates[0].NextIn, 5*time.Minute-10*time.Second; got != want {
		t.Errorf("next send in %s, want %s", got, want)
	}
}
