package state

import (
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is wrapped by errors about an address that is not in the state.
var ErrNotFound = errors.New("not in state")

// ErrExists is wrapped by errors about an address that is already in the state.
var ErrExists = errors.New("already in state")

// checkRecord reports whether r can be applied to res; applyRecord applies only records it accepts.
func checkRecord(res map[string]*Resource, r *record) error {
	if r.Addr == "" {
		return fmt.Errorf("%s record has no address", r.Op)
	}
	switch r.Op {
	case opIntent, opProgress, opOutcome:
		if r.Step == "" {
			return fmt.Errorf("%s record for %s has no step", r.Op, r.Addr)
		}
	case opPut:
		return validResource(r.Addr, r.Resource)
	case opRemove:
		if _, ok := res[r.Addr]; !ok {
			return fmt.Errorf("remove %s: %w", r.Addr, ErrNotFound)
		}
	case opMove:
		if r.To == "" {
			return fmt.Errorf("move %s: no destination address", r.Addr)
		}
		if _, ok := res[r.Addr]; !ok {
			return fmt.Errorf("move %s: %w", r.Addr, ErrNotFound)
		}
		if _, ok := res[r.To]; ok {
			return fmt.Errorf("move %s to %s: destination %w", r.Addr, r.To, ErrExists)
		}
	default:
		return fmt.Errorf("unknown journal op %q", r.Op)
	}
	return nil
}

// applyRecord applies one journal record to res. It either applies the whole record or, when the
// record is invalid for the current content (e.g. moving an absent address), changes nothing and
// returns an error. The journal append path and replay both use it, so replay gives the same state.
func applyRecord(res map[string]*Resource, r *record) error {
	if err := checkRecord(res, r); err != nil {
		return err
	}
	switch r.Op {
	case opIntent:
		applyIntent(res, r)
	case opProgress:
		applyProgress(res, r)
	case opOutcome:
		applyOutcome(res, r)
	case opPut:
		res[r.Addr] = r.Resource.Clone()
	case opRemove:
		delete(res, r.Addr)
	case opMove:
		rs := res[r.Addr]
		delete(res, r.Addr)
		rs.Addr = r.To
		res[r.To] = rs
	}
	return nil
}

// validResource checks a resource given to put or found in a snapshot under addr.
func validResource(addr string, r *Resource) error {
	if r == nil {
		return fmt.Errorf("resource %s: no content", addr)
	}
	if r.Addr != addr {
		return fmt.Errorf("resource filed under %q has address %q", addr, r.Addr)
	}
	for name, st := range r.Steps {
		if st == nil {
			return fmt.Errorf("resource %s: step %q has no record", addr, name)
		}
	}
	return nil
}

// resourceFor returns the resource at addr, creating it (in progress) when absent, and fills in
// kind and provider when they are known now and were not before.
func resourceFor(res map[string]*Resource, addr, kind, provider string) *Resource {
	rs, ok := res[addr]
	if !ok {
		rs = &Resource{Addr: addr, Status: StatusInProgress}
		res[addr] = rs
	}
	if rs.Kind == "" {
		rs.Kind = kind
	}
	if rs.Provider == "" {
		rs.Provider = provider
	}
	return rs
}

func applyIntent(res map[string]*Resource, r *record) {
	rs := resourceFor(res, r.Addr, r.Kind, r.Provider)
	rs.Status = StatusInProgress
	if rs.Steps == nil {
		rs.Steps = make(map[string]*StepRecord)
	}
	rs.Steps[r.Step] = &StepRecord{Key: r.Key, Attempt: r.Attempt, Status: StepIntent, StartedAt: r.Time, RemoteIDs: cloneMap(r.RemoteIDs)}
}

func applyProgress(res map[string]*Resource, r *record) {
	rs := resourceFor(res, r.Addr, r.Kind, r.Provider)
	st := stepFor(rs, r.Step, r.Time)
	if st.Status == "" {
		st.Status = StepRunning
	}
	st.RemoteIDs = mergeInto(st.RemoteIDs, r.RemoteIDs)
	rs.RemoteIDs = mergeInto(rs.RemoteIDs, r.RemoteIDs)
}

func applyOutcome(res map[string]*Resource, r *record) {
	rs := resourceFor(res, r.Addr, r.Kind, r.Provider)
	st := stepFor(rs, r.Step, r.Time)
	if st.Key == "" {
		st.Key = r.Key
	}
	if st.Attempt == 0 {
		st.Attempt = r.Attempt
	}
	st.Status = StepDone
	if r.Failed {
		st.Status = StepFailed
	}
	st.Error = r.Error
	st.FinishedAt = r.Time
	st.RemoteIDs = mergeInto(st.RemoteIDs, r.RemoteIDs)
	rs.RemoteIDs = mergeInto(rs.RemoteIDs, r.RemoteIDs)
	rs.Attributes = mergeInto(rs.Attributes, r.Attributes)
	if r.Status != "" {
		rs.Status = r.Status
	}
	if f := r.Final; f != nil && !r.Failed {
		applyFinal(rs, f)
	}
}

// applyFinal merges a change's final state entry into rs, the way the executor's separate put of
// the entry did before the entry travelled with the last outcome: kind, provider and a non-empty
// status replace, remote IDs and attributes are merged (the entry's values win). Its steps and
// address are ignored.
func applyFinal(rs *Resource, f *Resource) {
	if f.Kind != "" {
		rs.Kind = f.Kind
	}
	if f.Provider != "" {
		rs.Provider = f.Provider
	}
	if f.Status != "" {
		rs.Status = f.Status
	}
	rs.RemoteIDs = mergeInto(rs.RemoteIDs, f.RemoteIDs)
	rs.Attributes = mergeInto(rs.Attributes, f.Attributes)
}

// stepFor returns the record of step name, creating an empty one (Status "") when absent.
func stepFor(rs *Resource, name string, t time.Time) *StepRecord {
	if rs.Steps == nil {
		rs.Steps = make(map[string]*StepRecord)
	}
	st, ok := rs.Steps[name]
	if !ok {
		st = &StepRecord{StartedAt: t}
		rs.Steps[name] = st
	}
	return st
}

// mergeInto copies src into dst (allocating dst if needed) and returns dst.
func mergeInto(dst, src map[string]string) map[string]string {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]string, len(src))
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}
