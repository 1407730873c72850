package toy

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// SimWorld is the "toy" section of a sandbox world: the objects that exist.
type SimWorld struct {
	Objects []Object `json:"objects"`
}

// Simulator serves the toy API from memory.
type Simulator struct {
	env     *simkit.Env
	mu      sync.Mutex
	objects []Object
}

// NewSimulator builds the simulator of a world section (empty: no objects).
func NewSimulator(section json.RawMessage, env *simkit.Env) (simkit.Simulator, error) {
	var w SimWorld
	if len(bytes.TrimSpace(section)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(section))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			return nil, err
		}
	}
	return &Simulator{env: env, objects: w.Objects}, nil
}

// Snapshot returns the current objects as a world section.
func (s *Simulator) Snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return SimWorld{Objects: slices.Clone(s.objects)}
}

// Handler serves GET /objects?ids=a,b|key=k and POST /objects.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /objects", func(w http.ResponseWriter, r *http.Request) {
		s.env.Stats.Inc(OpList)
		ids := strings.Split(r.URL.Query().Get("ids"), ",")
		key := r.URL.Query().Get("key")
		s.mu.Lock()
		out := []Object{}
		for _, o := range s.objects {
			if (key != "" && o.Key == key) || (key == "" && slices.Contains(ids, o.ID)) {
				out = append(out, o)
			}
		}
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /objects", func(w http.ResponseWriter, r *http.Request) {
		s.env.Stats.Inc(OpCreate)
		var o Object
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&o); err != nil || o.ID == "" {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want {\"id\": …, \"key\": …}"})
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, have := range s.objects {
			if have.ID == o.ID {
				writeJSON(w, http.StatusConflict, map[string]string{"error": "object exists"})
				return
			}
		}
		s.objects = append(s.objects, o)
		writeJSON(w, http.StatusCreated, o)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
