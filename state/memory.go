package state

import (
	"slices"
	"sync"
)

// memory is the state as both backends hold it in memory: the resources, the lineage and the
// serial, under one mutex. The local file (Store) and PostgreSQL (PGStore) embed it and differ only in
// how they make it durable. Its readers are O(1) in the size of the state, except Addrs.
type memory struct {
	// mu guards the fields below and each backend's own in-memory fields; a backend's syncMu is
	// always taken before mu, never after.
	mu      sync.Mutex
	lineage string
	serial  uint64
	res     map[string]*Resource
}

// Lineage returns the state's lineage, a UUID fixed when the state was first written.
func (m *memory) Lineage() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lineage
}

// Serial increases with every record journaled and every compaction; a saved plan records it and
// apply refuses the plan if the serial moved on.
func (m *memory) Serial() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.serial
}

// Get returns a copy of one resource (nil, false when absent). O(1) in the size of the state.
func (m *memory) Get(addr string) (*Resource, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.res[addr]
	if !ok {
		return nil, false
	}
	return r.Clone(), true
}

// Addrs returns every address, sorted.
func (m *memory) Addrs() []string {
	m.mu.Lock()
	addrs := make([]string, 0, len(m.res))
	for a := range m.res {
		addrs = append(addrs, a)
	}
	m.mu.Unlock()
	slices.Sort(addrs)
	return addrs
}

// Len returns the number of resources.
func (m *memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.res)
}
