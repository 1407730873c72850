package partnercenter

import (
	"bytes"
	"encoding/json"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// DecodeSimWorld decodes the "partnercenter" section of a sandbox world file (empty: an empty world)
// and checks it. Unknown fields of the world's own structure are refused; JSON errors keep their
// offsets, relative to the section, so the caller can place them in the file.
func DecodeSimWorld(section json.RawMessage) (SimWorld, error) {
	var w SimWorld
	if len(bytes.TrimSpace(section)) == 0 || string(bytes.TrimSpace(section)) == "null" {
		return w, nil
	}
	dec := json.NewDecoder(bytes.NewReader(section))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return SimWorld{}, err
	}
	if err := w.Validate(); err != nil {
		return SimWorld{}, err
	}
	return w, nil
}

// NewSandboxSimulator builds the simulator of a world-file section: the provider table's hook.
func NewSandboxSimulator(section json.RawMessage, env *simkit.Env) (simkit.Simulator, error) {
	w, err := DecodeSimWorld(section)
	if err != nil {
		// The errors name their place in the world file (partnercenter.customers[0]…, or an
		// offset the sandbox turns into line:col): no second prefix here.
		return nil, err
	}
	sim := NewSimulator(w, env)
	env.Link.SetMicrosoft(linkSide{sim})
	return sim, nil
}

// Snapshot returns the current world section (a SimWorld), for GET /_sandbox/world.
func (s *Simulator) Snapshot() any { return s.World() }

// Durations are the behaviour.durations keys the simulator reads.
func Durations() []string { return []string{DurationMigration, DurationSchedule, DurationResolve} }
