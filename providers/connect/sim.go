package connect

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// The simulator keeps its own types, apart from the client's, so that a mistake in one is not
// mirrored in the other.

// SimWorld is the "connect" section of a sandbox world: products by ID, assets and requests, and
// where linked fulfilments create assets.
type SimWorld struct {
	Products   map[string]*SimProduct `json:"products"`
	Assets     []SimAsset             `json:"assets,omitempty"`
	Requests   []SimRequest           `json:"requests,omitempty"`
	Fulfilment *SimFulfilment         `json:"fulfilment,omitempty"`
}

// SimProduct is one product: its configuration rows.
type SimProduct struct {
	Configurations []SimConfiguration `json:"configurations"`
}

// SimConfiguration is one configuration row as Connect lists it.
type SimConfiguration struct {
	Parameter   SimParameter `json:"parameter"`
	Marketplace *SimRef      `json:"marketplace,omitempty"`
	Item        *SimRef      `json:"item,omitempty"`
	Value       *string      `json:"value,omitempty"`
}

// SimParameter is a row's parameter as Connect's OpenAPI spec (dp.Parameter) has it: id is
// Connect's "PRM-…" identifier, name the vendor's name for it (e.g. processor_skip_list).
type SimParameter struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Scope string `json:"scope,omitempty"`
}

// simMaxValue is the longest value Connect accepts (dp.ConfigurationDataWrite: value maxLength 2000).
const simMaxValue = 2000

// SimRef is a reference by id.
type SimRef struct {
	ID string `json:"id"`
}

// simMaxLimit is the largest page the simulator serves: a larger limit is cut silently.
const simMaxLimit = 100

// Simulator serves the configurations of Connect products from memory.
type Simulator struct {
	env        *simkit.Env
	mu         sync.Mutex
	products   map[string]*SimProduct
	assets     []SimAsset
	requests   []SimRequest
	fulfilment SimFulfilment
	nextAsset  int
}

// NewSandboxSimulator builds the simulator of a world section (empty: no products).
func NewSandboxSimulator(section json.RawMessage, env *simkit.Env) (simkit.Simulator, error) {
	s, err := NewSimulator(section, env)
	if err != nil {
		return nil, err
	}
	env.Link.SetConnect(linkSide{s})
	return s, nil
}

// NewSimulator builds the simulator of a world section. Unknown fields of the section's structure
// (products, configurations) are errors; fields of the rows ferry does not read are ignored.
func NewSimulator(section json.RawMessage, env *simkit.Env) (*Simulator, error) {
	var raw struct {
		Products   map[string]json.RawMessage `json:"products"`
		Assets     json.RawMessage            `json:"assets"`
		Requests   json.RawMessage            `json:"requests"`
		Fulfilment *SimFulfilment             `json:"fulfilment"`
	}
	if len(bytes.TrimSpace(section)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(section))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("connect: %w", err)
		}
	}
	// Assets and requests are API objects with many fields ferry does not read: like configuration
	// rows, their unknown fields are ignored.
	var assets []SimAsset
	var requests []SimRequest
	if len(raw.Assets) > 0 {
		if err := json.Unmarshal(raw.Assets, &assets); err != nil {
			return nil, fmt.Errorf("connect.assets: %w", err)
		}
	}
	if len(raw.Requests) > 0 {
		if err := json.Unmarshal(raw.Requests, &requests); err != nil {
			return nil, fmt.Errorf("connect.requests: %w", err)
		}
	}
	if err := validateAssets(assets, requests); err != nil {
		return nil, err
	}
	s := &Simulator{env: env, products: map[string]*SimProduct{}, assets: assets, requests: requests}
	if raw.Fulfilment != nil {
		s.fulfilment = *raw.Fulfilment
	}
	for id, body := range raw.Products {
		var p struct {
			Configurations []json.RawMessage `json:"configurations"`
		}
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			return nil, fmt.Errorf("connect.products[%q]: %w", id, err)
		}
		prod := &SimProduct{}
		ids := map[string]string{} // parameter name → PRM id
		for i, rb := range p.Configurations {
			var c SimConfiguration
			if err := json.Unmarshal(rb, &c); err != nil {
				return nil, fmt.Errorf("connect.products[%q].configurations[%d]: %w", id, i, err)
			}
			if c.Parameter.ID == "" {
				return nil, fmt.Errorf("connect.products[%q].configurations[%d]: parameter.id is required", id, i)
			}
			if c.Parameter.Name == "" {
				// Shorthand of older worlds: {"id": "processor_skip_list"} names the parameter; its
				// PRM id is derived from the product's (PRD-183-233-565 → PRM-183-233-565-0001).
				c.Parameter.Name = c.Parameter.ID
				if ids[c.Parameter.Name] == "" {
					ids[c.Parameter.Name] = fmt.Sprintf("PRM-%s-%04d", strings.TrimPrefix(id, "PRD-"), len(ids)+1)
				}
				c.Parameter.ID = ids[c.Parameter.Name]
			}
			prod.Configurations = append(prod.Configurations, c)
		}
		s.products[id] = prod
	}
	return s, nil
}

// Snapshot returns the products as a world section.
func (s *Simulator) Snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := SimWorld{Products: map[string]*SimProduct{}, Assets: slices.Clone(s.assets), Requests: slices.Clone(s.requests)}
	for id, p := range s.products {
		out.Products[id] = &SimProduct{Configurations: slices.Clone(p.Configurations)}
	}
	if s.fulfilment != (SimFulfilment{}) {
		f := s.fulfilment
		out.Fulfilment = &f
	}
	return out
}

type simError struct {
	Code   string   `json:"error_code"`
	Errors []string `json:"errors"`
}

// Handler serves GET and POST /products/{p}/configurations.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /products/{product}/configurations", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, OpListConfigurations, s.list)
	})
	mux.HandleFunc("POST /products/{product}/configurations", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, OpSetConfiguration, s.set)
	})
	mux.HandleFunc("GET /products/{product}/parameters", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, OpListConfigurations, s.listParameters)
	})
	mux.HandleFunc("GET /requests", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, OpListRequests, s.listRequests)
	})
	mux.HandleFunc("GET /assets", func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, OpListAssets, s.listAssets)
	})
	return mux
}

type simReply struct {
	status int
	header http.Header
	body   any
}

func errReply(status int, code, format string, args ...any) simReply {
	return simReply{status: status, body: simError{Code: code, Errors: []string{fmt.Sprintf(format, args...)}}}
}

// serve counts the operation, applies the faults (a lost response performs the operation first)
// and writes the reply.
func (s *Simulator) serve(w http.ResponseWriter, r *http.Request, op string, fn func(*http.Request) simReply) {
	s.env.Stats.Inc(op)
	s.env.Delay(r.Context())
	product := r.PathValue("product")
	fault, faulty := s.env.Faults.Take(op, product)
	if faulty && !fault.LostResponse {
		writeFault(w, fault)
		return
	}
	reply := fn(r)
	if faulty {
		if fault.Status == 0 && simkit.DropConnection(w) {
			return
		}
		writeFault(w, fault)
		return
	}
	for k, v := range reply.header {
		w.Header()[k] = v
	}
	writeJSON(w, reply.status, reply.body)
}

func writeFault(w http.ResponseWriter, f simkit.Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusTooManyRequests {
		ra := time.Duration(f.RetryAfter)
		if ra <= 0 {
			ra = time.Second
		}
		simkit.SetRetryAfter(w, ra)
	}
	if status >= 500 {
		// Connect's gateway answers server errors with an HTML page.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d %s</h1> (injected fault)</body></html>", status, http.StatusText(status))
		return
	}
	writeJSON(w, status, simError{Code: "GEN_" + strconv.Itoa(status), Errors: []string{http.StatusText(status) + " (injected fault)."}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func atoiDefault(s string, def int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// list answers one page: limit (default and maximum 100, or the world's page_size) and offset, with
// Content-Range: items a-b/total.
func (s *Simulator) list(r *http.Request) simReply {
	q := r.URL.Query()
	maxLimit := s.env.PageSize(simMaxLimit)
	limit, ok1 := atoiDefault(q.Get("limit"), maxLimit)
	offset, ok2 := atoiDefault(q.Get("offset"), 0)
	if !ok1 || !ok2 {
		return errReply(http.StatusBadRequest, "GEN_001", "limit and offset must be whole numbers.")
	}
	limit = min(limit, maxLimit)
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[r.PathValue("product")]
	if !ok {
		return errReply(http.StatusNotFound, "PRD_001", "Product %s not found.", r.PathValue("product"))
	}
	total := len(p.Configurations)
	page := []SimConfiguration{}
	if offset < total && limit > 0 {
		page = slices.Clone(p.Configurations[offset:min(total, offset+limit)])
	}
	h := http.Header{}
	if len(page) > 0 {
		h.Set("Content-Range", fmt.Sprintf("items %d-%d/%d", offset, offset+len(page)-1, total))
	} else {
		h.Set("Content-Range", fmt.Sprintf("items 0-0/%d", total))
	}
	return simReply{status: http.StatusOK, header: h, body: page}
}

// listParameters answers GET /products/{p}/parameters: the parameters the rows name, RQL on id and
// name (declared filters), then one page.
func (s *Simulator) listParameters(r *http.Request) simReply {
	nodes := parseRQL(r.URL.RawQuery)
	s.mu.Lock()
	p, ok := s.products[r.PathValue("product")]
	var rows []SimParameter
	if ok {
		for _, c := range p.Configurations {
			if !slices.ContainsFunc(rows, func(q SimParameter) bool { return q.ID == c.Parameter.ID }) &&
				matchAll(nodes, map[string]string{"id": c.Parameter.ID, "name": c.Parameter.Name}) {
				rows = append(rows, c.Parameter)
			}
		}
	}
	s.mu.Unlock()
	if !ok {
		return errReply(http.StatusNotFound, "PRD_001", "Product %s not found.", r.PathValue("product"))
	}
	return s.page(r, rows)
}

// set sets (or, without value, clears) the value of a parameter for a marketplace. The parameter
// is named by its PRM id, as Connect's write schema has it (a name is not found), and must be one of
// the product's (some row names it); a marketplace without a row gets one. The answer is 201 with the
// row written, as documented.
func (s *Simulator) set(r *http.Request) simReply {
	var body struct {
		Parameter   *SimRef `json:"parameter"`
		Marketplace *SimRef `json:"marketplace"`
		Item        *SimRef `json:"item"`
		Value       *string `json:"value"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&body); err != nil {
		return errReply(http.StatusBadRequest, "GEN_001", "The body is not valid JSON: %v.", err)
	}
	if body.Parameter == nil || body.Parameter.ID == "" {
		return errReply(http.StatusBadRequest, "VAL_001", "parameter.id is required.")
	}
	if body.Value != nil && len(*body.Value) > simMaxValue {
		return errReply(http.StatusBadRequest, "VAL_001", "value: Ensure this field has no more than %d characters.", simMaxValue)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.products[r.PathValue("product")]
	if !ok {
		return errReply(http.StatusNotFound, "PRD_001", "Product %s not found.", r.PathValue("product"))
	}
	var param *SimParameter
	for i := range p.Configurations {
		c := &p.Configurations[i]
		if c.Parameter.ID != body.Parameter.ID {
			continue
		}
		param = &c.Parameter
		if sameRef(c.Marketplace, body.Marketplace) && sameRef(c.Item, body.Item) {
			c.Value = body.Value
			return simReply{status: http.StatusCreated, body: *c}
		}
	}
	if param == nil {
		return errReply(http.StatusBadRequest, "VAL_001", "Parameter %s is not a configuration parameter of product %s.", body.Parameter.ID, r.PathValue("product"))
	}
	c := SimConfiguration{Parameter: *param, Marketplace: body.Marketplace, Item: body.Item, Value: body.Value}
	p.Configurations = append(p.Configurations, c)
	return simReply{status: http.StatusCreated, body: c}
}

func sameRef(a, b *SimRef) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.ID == b.ID
}

// Products returns the product IDs in order (for tests).
func (s *Simulator) Products() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.products))
	for id := range s.products {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
