package state

import "time"

// Resource statuses kept in state. Providers may add their own; these are the common ones.
const (
	// StatusInProgress means a step was started and its remote work has not finished yet.
	StatusInProgress = "in_progress"
	// StatusDone means every step of the resource's last change finished successfully.
	StatusDone = "done"
	// StatusFailed means the last change ended in a failed step.
	StatusFailed = "failed"
	// StatusImported means the object was adopted with import and ferry did not create it.
	StatusImported = "imported"
)

// Step record statuses.
const (
	// StepIntent is journaled before a mutating remote call; an intent with no outcome must be
	// reconciled with the remote system before anything is sent again.
	StepIntent = "intent"
	// StepDone means the step finished and its outcome is recorded.
	StepDone = "done"
	// StepFailed means the step finished with an error.
	StepFailed = "failed"
	// StepRunning means a step reported progress (remote IDs) without a journaled intent: a
	// non-mutating step (a wait or a check) that is simply re-run on resume.
	StepRunning = "running"
)

// Resource is what the state knows about one resource instance, indexed by its address.
type Resource struct {
	// Addr is the instance address, e.g. subscription.m365["5c1f…"].
	Addr string `json:"addr"`
	// Kind is the block type: subscription, skip_list or cutover.
	Kind string `json:"kind"`
	// Provider is the provider that manages it (a name of the provider table).
	Provider string `json:"provider"`
	// Status is one of the Status* constants (or a provider-specific status).
	Status string `json:"status"`
	// RemoteIDs holds the remote identifiers known so far (customer_id, migration_id, …).
	RemoteIDs map[string]string `json:"remote_ids,omitempty"`
	// Attributes holds the last known attributes of the remote object, as strings.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Steps holds the record of each step by step name.
	Steps map[string]*StepRecord `json:"steps,omitempty"`
}

// StepRecord is the journaled life of one step of a resource.
type StepRecord struct {
	// Key is the idempotency key the step was sent with.
	Key string `json:"key"`
	// Attempt counts tries of this step; a new attempt gets a new key.
	Attempt int `json:"attempt"`
	// Status is StepIntent, StepDone or StepFailed.
	Status string `json:"status"`
	// RemoteIDs are the IDs the step reported (as soon as known, even before it finished).
	RemoteIDs map[string]string `json:"remote_ids,omitempty"`
	// Error is the failure message of a failed step.
	Error string `json:"error,omitempty"`
	// StartedAt is when the intent was journaled.
	StartedAt time.Time `json:"started_at"`
	// FinishedAt is when the outcome was journaled (zero while in flight).
	FinishedAt time.Time `json:"finished_at,omitempty"`
}

// Clone returns a deep copy of r, so callers can hold it while the state moves on.
func (r *Resource) Clone() *Resource {
	if r == nil {
		return nil
	}
	c := *r
	c.RemoteIDs = cloneMap(r.RemoteIDs)
	c.Attributes = cloneMap(r.Attributes)
	if r.Steps != nil {
		c.Steps = make(map[string]*StepRecord, len(r.Steps))
		for k, s := range r.Steps {
			if s == nil {
				c.Steps[k] = nil
				continue
			}
			sc := *s
			sc.RemoteIDs = cloneMap(s.RemoteIDs)
			c.Steps[k] = &sc
		}
	}
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
