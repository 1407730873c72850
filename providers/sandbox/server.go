package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ferry-dev/ferry/providers/partnercenter"
	"github.com/ferry-dev/ferry/providers/simkit"
)

// Server serves every simulator of one world. It is safe for concurrent use.
type Server struct {
	world *World
	env   *simkit.Env
	pc    *partnercenter.Simulator
}

// New builds the simulators of w (nil: an empty world) with one shared Env.
func New(w *World, opts ...simkit.Option) (*Server, error) {
	if w == nil {
		w = &World{}
	}
	if err := w.Validate(); err != nil {
		return nil, fmt.Errorf("sandbox world: %w", err)
	}
	env := simkit.NewEnv(w.Behaviour, opts...)
	var pcWorld partnercenter.SimWorld
	if w.PartnerCenter != nil {
		pcWorld = *w.PartnerCenter
	}
	return &Server{world: w, env: env, pc: partnercenter.NewSimulator(pcWorld, env)}, nil
}

// Env returns the environment the simulators share (stats, faults, clock).
func (s *Server) Env() *simkit.Env { return s.env }

// PartnerCenter returns the Partner Center simulator.
func (s *Server) PartnerCenter() *partnercenter.Simulator { return s.pc }

// World returns the current world in the world-file format.
func (s *Server) World() World {
	pc := s.pc.World()
	return World{
		PartnerCenter: &pc,
		Commerce:      s.world.Commerce,
		Connect:       s.world.Connect,
		MGN:           s.world.MGN,
		Behaviour:     s.env.Behaviour(),
	}
}

// Handler serves the simulators under /<provider>/ and the /_sandbox endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/partnercenter/", http.StripPrefix("/partnercenter", s.pc.Handler()))
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
			"error": fmt.Sprintf("no simulator serves %s %s; providers live under /partnercenter/, the sandbox under /_sandbox/", r.Method, r.URL.Path),
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
	if err := checkFaultOperations("faults", body.Faults); err != nil {
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
