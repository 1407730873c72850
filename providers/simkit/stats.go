package simkit

import "sync"

// Stats counts requests per operation; it is safe for concurrent use.
type Stats struct {
	mu     sync.Mutex
	counts map[string]int64
}

// NewStats returns empty statistics.
func NewStats() *Stats { return &Stats{counts: map[string]int64{}} }

// Inc counts one request of op.
func (s *Stats) Inc(op string) {
	s.mu.Lock()
	s.counts[op]++
	s.mu.Unlock()
}

// Get returns the count of op.
func (s *Stats) Get(op string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// Snapshot returns a copy of all counts.
func (s *Stats) Snapshot() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int64, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}
