package views

import (
	"io"
	"time"

	"github.com/ferry-dev/ferry/state"
)

// ValidateReport is the result of validate: a JSON document of type "validate", or the success line.
// A spec with errors prints its diagnostics instead.
type ValidateReport struct {
	Header
	Valid bool `json:"valid"`
	// Instances counts the resource instances the spec declares.
	Instances int `json:"instances"`
}

// NewValidateReport reports a valid spec of n instances.
func NewValidateReport(n int) *ValidateReport {
	return &ValidateReport{Header: header(TypeValidate), Valid: true, Instances: n}
}

var validateTemplate = parse("validate", `{{define "validate"}}Success! The spec is valid: {{.Instances}} resource {{if eq .Instances 1}}instance{{else}}instances{{end}}.
{{end}}`)

// WriteValidate writes the report as text, or as JSON when asJSON.
func WriteValidate(w io.Writer, r *ValidateReport, asJSON bool) error {
	if asJSON {
		return writeJSON(w, r, false)
	}
	return render(w, validateTemplate, "validate", style{}, r)
}

// StateReport is the state for `show` without a plan file: a JSON document of type "state".
type StateReport struct {
	Header
	Lineage   string          `json:"lineage"`
	Serial    uint64          `json:"serial"`
	Resources []StateResource `json:"resources"`
}

// StateResource is one resource of the state. As a document of its own (`state show`) its type is
// "state_resource".
type StateResource struct {
	*Header
	Address  string `json:"address"`
	Kind     string `json:"kind"`
	Provider string `json:"provider"`
	Status   string `json:"status"`
	// RemoteIDs are the remote identifiers known (customer_id, migration_id, …).
	RemoteIDs map[string]string `json:"remote_ids,omitempty"`
	// Attributes are the last known attributes of the remote object.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Steps is the journaled record of each step, by step name.
	Steps map[string]StepRecord `json:"steps,omitempty"`
}

// StepRecord is the record of one step of a resource.
type StepRecord struct {
	// Key is the idempotency key the step was sent with.
	Key     string `json:"key"`
	Attempt int    `json:"attempt"`
	// Status is "intent" (sent, outcome not yet known), "done" or "failed".
	Status     string            `json:"status"`
	RemoteIDs  map[string]string `json:"remote_ids,omitempty"`
	Error      string            `json:"error,omitempty"`
	StartedAt  time.Time         `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at,omitempty"`
}

// NewStateResource converts a state entry.
func NewStateResource(r *state.Resource) StateResource {
	out := StateResource{Address: r.Addr, Kind: r.Kind, Provider: r.Provider, Status: r.Status,
		RemoteIDs: r.RemoteIDs, Attributes: r.Attributes}
	for name, s := range r.Steps {
		if s == nil {
			continue
		}
		if out.Steps == nil {
			out.Steps = map[string]StepRecord{}
		}
		rec := StepRecord{Key: s.Key, Attempt: s.Attempt, Status: s.Status, RemoteIDs: s.RemoteIDs, Error: s.Error, StartedAt: s.StartedAt}
		if !s.FinishedAt.IsZero() {
			t := s.FinishedAt
			rec.FinishedAt = &t
		}
		out.Steps[name] = rec
	}
	return out
}

// StateSource is what the state views read: the state's addresses in order, and each entry.
type StateSource interface {
	Lineage() string
	Serial() uint64
	Addrs() []string
	Get(addr string) (*state.Resource, bool)
}

// NewStateReport converts the whole state.
func NewStateReport(st StateSource) *StateReport {
	r := &StateReport{Header: header(TypeState), Lineage: st.Lineage(), Serial: st.Serial(), Resources: []StateResource{}}
	for _, a := range st.Addrs() {
		if res, ok := st.Get(a); ok {
			r.Resources = append(r.Resources, NewStateResource(res))
		}
	}
	return r
}

// NewEmptyStateReport is the state when there is no state file: no lineage, serial 0, no resources.
func NewEmptyStateReport() *StateReport {
	return &StateReport{Header: header(TypeState), Resources: []StateResource{}}
}

// VersionReport is ferry's version: a JSON document of type "version", or "ferry VERSION".
type VersionReport struct {
	Header
	Version string `json:"version"`
}

// WriteVersion writes the version as text, or as JSON when asJSON.
func WriteVersion(w io.Writer, version string, asJSON bool) error {
	r := VersionReport{Header: header(TypeVersion), Version: version}
	if asJSON {
		return writeJSON(w, r, false)
	}
	_, err := io.WriteString(w, "ferry "+Escape(version)+"\n")
	return err
}

var stateTemplate = parse("state", `{{define "state"}}{{if not .Resources}}The state is empty.
{{end}}{{range .Resources}}{{esc .Address}} ({{esc .Provider}}, {{esc .Status}})
{{range $k, $v := .RemoteIDs}}    {{esc $k}} = {{esc $v}}
{{end}}{{end}}{{end}}`)

// WriteState writes the state for people (each address with its provider, status and remote IDs),
// or as JSON when asJSON.
func WriteState(w io.Writer, r *StateReport, asJSON bool) error {
	if asJSON {
		return writeJSON(w, r, true)
	}
	return render(w, stateTemplate, "state", style{}, r)
}

// WriteStateResource writes one entry as a JSON document of type "state_resource" (`state show`
// prints JSON with or without --json).
func WriteStateResource(w io.Writer, r StateResource) error {
	h := header(TypeStateResource)
	r.Header = &h
	return writeJSON(w, r, true)
}

// StateList lists the addresses of the state: a JSON document of type "state_list", or a line per
// address with its status.
type StateList struct {
	Header
	Resources []StateListItem `json:"resources"`
}

// StateListItem is one address of the state.
type StateListItem struct {
	Address  string `json:"address"`
	Kind     string `json:"kind"`
	Provider string `json:"provider"`
	Status   string `json:"status"`
}

// NewStateList lists the state.
func NewStateList(st StateSource) *StateList {
	l := &StateList{Header: header(TypeStateList), Resources: []StateListItem{}}
	for _, a := range st.Addrs() {
		if r, ok := st.Get(a); ok {
			l.Resources = append(l.Resources, StateListItem{Address: a, Kind: r.Kind, Provider: r.Provider, Status: r.Status})
		}
	}
	return l
}

// NewEmptyStateList is the list of a state that does not exist yet: no resources.
func NewEmptyStateList() *StateList {
	return &StateList{Header: header(TypeStateList), Resources: []StateListItem{}}
}

var stateListTemplate = parse("state_list", "{{define \"state_list\"}}{{range .Resources}}{{esc .Address}}\t{{esc .Status}}\n{{end}}{{end}}")

// WriteStateList writes the list as text, or as JSON when asJSON.
func WriteStateList(w io.Writer, l *StateList, asJSON bool) error {
	if asJSON {
		return writeJSON(w, l, true)
	}
	return render(w, stateListTemplate, "state_list", style{}, l)
}
