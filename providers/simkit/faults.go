package simkit

import (
	"strings"
	"sync"
)

// Injector hands out the configured faults to matching requests; it is safe for concurrent use.
type Injector struct {
	mu     sync.Mutex
	faults []*faultState
}

type faultState struct {
	Fault
	seen int // matching requests so far
	hits int // requests hit so far
}

// NewInjector returns an injector holding faults.
func NewInjector(faults []Fault) *Injector {
	i := &Injector{}
	i.Set(faults)
	return i
}

// Set replaces the faults (their counters start again).
func (i *Injector) Set(faults []Fault) {
	states := make([]*faultState, len(faults))
	for n, f := range faults {
		states[n] = &faultState{Fault: f}
	}
	i.mu.Lock()
	i.faults = states
	i.mu.Unlock()
}

// Faults returns the faults that can still hit a request (exhausted ones are left out).
func (i *Injector) Faults() []Fault {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := []Fault{}
	for _, f := range i.faults {
		if !f.exhausted() {
			out = append(out, f.Fault)
		}
	}
	return out
}

// Armed reports whether some fault can still hit a request: when none can, a simulator need not
// work out what a request is about (its match keys), which is most of the cost of a cheap request.
func (i *Injector) Armed() bool {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, f := range i.faults {
		if !f.exhausted() {
			return true
		}
	}
	return false
}

// Take returns the HTTP fault (Status or LostResponse) for one request of op about keys, if any,
// and counts it. Outcome faults are left to TakeOutcome.
func (i *Injector) Take(op string, keys ...string) (Fault, bool) {
	return i.take(op, false, keys)
}

// TakeOutcome returns the forced outcome ("fail", "fail_suspended") for the remote work started by
// one request of op about keys, or "".
func (i *Injector) TakeOutcome(op string, keys ...string) string {
	f, ok := i.take(op, true, keys)
	if !ok {
		return ""
	}
	return f.Outcome
}

func (i *Injector) take(op string, outcome bool, keys []string) (Fault, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, f := range i.faults {
		if f.Operation != op || (f.Outcome != "") != outcome || f.exhausted() || !f.matches(keys) {
			continue
		}
		f.seen++
		if f.Every > 0 && f.seen%f.Every != 0 {
			continue
		}
		f.hits++
		return f.Fault, true
	}
	return Fault{}, false
}

func (f *faultState) exhausted() bool { return f.Count > 0 && f.hits >= f.Count }

func (f *faultState) matches(keys []string) bool {
	if f.Match == "" {
		return true
	}
	for _, k := range keys {
		if strings.EqualFold(k, f.Match) {
			return true
		}
	}
	return false
}
