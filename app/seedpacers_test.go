package app

import (
	"testing"
	"time"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// pacerStub records what seedPacers hands a pacing provider.
type pacerStub struct {
	providers.Provider
	got map[string][]time.Time
}

func (p *pacerStub) RecordedSends(step string, at []time.Time) {
	p.got[step] = append(p.got[step], at...)
}

// stateStub serves resources from a map; only what seedPacers reads.
type stateStub struct {
	state.State
	res map[string]*state.Resource
}

func (s stateStub) Addrs() []string {
	out := make([]string, 0, len(s.res))
	for a := range s.res {
		out = append(out, a)
	}
	return out
}

func (s stateStub) Get(addr string) (*state.Resource, bool) {
	r, ok := s.res[addr]
	return r, ok
}

// TestSeedPacersUsesLatestSendTime: the intent is journaled before the provider waits for its rate
// limit, so a send can come long after the intent. Seeding the pacer with the intent time freed the
// slots too early and a re-apply right after an interrupted or killed one was throttled (429). The
// pacer gets the outcome time, or now for an intent without outcome; old intents are left out.
func TestSeedPacersUsesLatestSendTime(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	st := stateStub{res: map[string]*state.Resource{
		"subscription.a": {Provider: "pc", Steps: map[string]*state.StepRecord{
			"migrate": {Key: "k1", StartedAt: now.Add(-5 * time.Minute), FinishedAt: now.Add(-10 * time.Second)}}},
		"subscription.b": {Provider: "pc", Steps: map[string]*state.StepRecord{
			"migrate": {Key: "k2", StartedAt: now.Add(-4 * time.Minute)}}},
		"subscription.old": {Provider: "pc", Steps: map[string]*state.StepRecord{
			"migrate": {Key: "k3", StartedAt: now.Add(-2 * time.Hour), FinishedAt: now.Add(-2 * time.Hour)}}},
	}}
	p := &pacerStub{got: map[string][]time.Time{}}
	seedPacers(st, map[string]providers.Provider{"pc": p}, now)
	got := p.got["migrate"]
	if len(got) != 2 {
		t.Fatalf("seeded %d sends, want 2: %v", len(got), got)
	}
	want := map[time.Time]bool{now.Add(-10 * time.Second): true, now: true}
	for _, at := range got {
		if !want[at] {
			t.Errorf("seeded send at %s, want one of the outcome time %s or now %s", at, now.Add(-10*time.Second), now)
		}
	}
}
