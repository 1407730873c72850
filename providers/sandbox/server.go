package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
)

// Server serves every simulator of one world. It is safe for concurrent use.
type Server struct {
	world *World
	env   *simkit.Env
	table providers.Table
	sims  map[string]simkit.Simulator // by provider name; providers without a simulator are absent
}

// New builds the simulators of the table's providers for w (nil: an empty world) with one shared
// Env. A provider with a simulator gets one even when the world has no section for it.
func New(w *World, table providers.Table, opts ...simkit.Option) (*Server, error) {
	if w == nil {
		w = &World{}
	}
	if err := w.Validate(table); err != nil {
		return nil, fmt.Errorf("sandbox world: %w", err)
	}
	env := simkit.NewEnv(w.Behaviour, opts...)
	s := &Server{world: w, env: env, table: table, sims: map[string]simkit.Simulator{}}
	for _, e := range table {
		if e.Simulator == nil {
			continue
		}
		sim, err := e.Simulator(w.Sections[e.Name], env)
		if err != nil {
			return nil, fmt.Errorf("sandbox world: %w", err)
		}
		s.sims[e.Name] = sim
	}
	return s, nil
}

// Env returns the environment the simulators share (stats, faults, clock).
func (s *Server) Env() *simkit.Env { return s.env }

// Simulator returns the simulator of provider name, or nil.
func (s *Server) Simulator(name string) simkit.Simulator { return s.sims[name] }

// World returns the current world in the world-file format: each simulator's objects as they are
// now, and the sections of providers without a simulator as written.
func (s *Server) World() World {
	w := World{Sections: map[string]json.RawMessage{}, Behaviour: s.env.Behaviour()}
	for name, raw := range s.world.Sections {
		w.Sections[name] = raw
	}
	for _, sim := range s.sims {
		if p, ok := sim.(simkit.Progresser); ok {
			p.Progress()
		}
	}
	for name, sim := range s.sims {
		raw, err := json.Marshal(sim.Snapshot())
		if err != nil {
			raw = json.RawMessage(fmt.Sprintf(`{"error": %q}`, err.Error()))
		}
		w.Sections[name] = raw
	}
	return w
}

// Handler serves the simulators under /<provider>/ and the /_sandbox endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	var prefixes []string
	for _, e := range s.table {
		if sim := s.sims[e.Name]; sim != nil {
			mux.Handle("/"+e.Name+"/", http.StripPrefix("/"+e.Name, sim.Handler()))
			prefixes = append(prefixes, "/"+e.Name+"/")
		}
	}
	mux.HandleFunc("GET /_sandbox/world", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.World())
	})
	mux.HandleFunc("GET /_sandbox/behaviour", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.env.Behaviour())
	})
	mux.HandleFunc("GET /_sandbox/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.env.Stats.Snapshot())
	})
	mux.HandleFunc("GET /_sandbox/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, faultsBody{Faults: s.env.Faults.Faults()})
	})
	mux.HandleFunc("POST /_sandbox/faults", s.setFaults)
	mux.HandleFunc("GET /_sandbox/healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{
			"error": fmt.Sprintf("no simulator serves %s %s; providers live under %s, the sandbox under /_sandbox/", r.Method, r.URL.Path, strings.Join(prefixes, ", ")),
		})
	})
	return mux
}

// faultsBody is the body of POST /_sandbox/faults and of its answer.
type faultsBody struct {
	Faults []simkit.Fault `json:"faults"`
}

func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	var body faultsBody
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("body must be {\"faults\": [...]}: %v", err)})
		return
	}
	for i, f := range body.Faults {
		if err := f.Validate(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("faults[%d]: %v", i, err)})
			return
		}
	}
	if err := checkFaultOperations("faults", body.Faults, s.table); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	s.env.Faults.Set(body.Faults)
	writeJSON(w, http.StatusOK, faultsBody{Faults: s.env.Faults.Faults()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
