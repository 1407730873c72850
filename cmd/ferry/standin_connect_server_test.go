package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A stand-in of the CloudBlue Connect public API v1, written from Connect's own documents only —
// its OpenAPI spec (connect-openapi30.yml v37: dp.ConfigurationDataRead/Write, dp.Parameter, the
// declared filters of each collection, Content-Range paging, 400 answers {error_code, errors[]}),
// the Python client's paging and error handling, and the community page on API tokens
// ("Authorization: ApiKey SU-…:…") — never from ferry's code: its types are its own.
//
// What it does that a lenient server would not:
//   - it answers only "Authorization: ApiKey <key>", exactly;
//   - it serves at most cxPage rows whatever limit is asked, and says which in Content-Range;
//   - it applies only the RQL filters a collection declares (eq and in, inside and()); any other
//     filter is silently ignored, as Connect does;
//   - a configuration write names the parameter by its PRM id (dp.Id), its value at most 2000
//     characters; 201 when it creates a row, 200 when it rewrites one;
//   - scripted faults: a gateway's HTML 502 page, a 429 with Retry-After whose early retries are
//     refused and recorded as violations.

const cxPage = 2 // the stand-in cuts every page to two rows

// cxParameter is dp.Parameter (the fields the stand-in keeps).
type cxParameter struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Title string `json:"title"`
	Type  string `json:"type"`
	Scope string `json:"scope"`
	Phase string `json:"phase"`
}

// cxConfiguration is dp.ConfigurationDataRead.
type cxConfiguration struct {
	Value           *string        `json:"value"`
	StructuredValue map[string]any `json:"structured_value"`
	Parameter       cxParameter    `json:"parameter"`
	Marketplace     *cxMarketplace `json:"marketplace,omitempty"`
	Item            *cxItem        `json:"item,omitempty"`
	Events          map[string]any `json:"events,omitempty"`
}

type cxMarketplace struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

type cxItem struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// cxRequest is a row of GET /requests (the documented fields the stand-in fills).
type cxRequest struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Asset  struct {
		ID          string              `json:"id"`
		Status      string              `json:"status"`
		Product     struct{ ID string } `json:"product"`
		Marketplace struct{ ID string } `json:"marketplace"`
	} `json:"asset"`
}

// cxProduct is a product: its parameters and configuration rows.
type cxProduct struct {
	params []cxParameter
	rows   []*cxConfiguration
}

type connectStandin struct {
	mu       sync.Mutex
	key      string // the API key, "SU-…:…"
	products map[string]*cxProduct
	requests []cxRequest

	// Scripted faults, each taken once by the read of that path.
	htmlOn    map[string]bool // path → answer a gateway's 502 HTML page
	throttle  map[string]bool // path → answer 429 Retry-After: 1
	throttled map[string]time.Time

	calls      map[string]int // "GET /configurations" …
	writes     []string       // the bodies of the writes, as sent
	violations []string
}

func newConnectStandin(key string) *connectStandin {
	return &connectStandin{key: key, products: map[string]*cxProduct{}, htmlOn: map[string]bool{},
		throttle: map[string]bool{}, throttled: map[string]time.Time{}, calls: map[string]int{}}
}

func (s *connectStandin) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *connectStandin) fail(w http.ResponseWriter, status int, code string, errs ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error_code": code, "errors": errs})
}

func (s *connectStandin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	path, ok := strings.CutPrefix(r.URL.Path, "/public/v1")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("Authorization"); got != "ApiKey "+s.key {
		if strings.Contains(got, s.key) {
			s.violate("%s %s: Authorization %q is not \"ApiKey <key>\"", r.Method, path, strings.ReplaceAll(got, s.key, "<key>"))
		}
		s.fail(w, http.StatusUnauthorized, "AUTH_001", "API request is not authorized.")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	kind := parts[len(parts)-1]
	s.calls[r.Method+" /"+kind]++
	if r.Method == http.MethodGet {
		if s.htmlOn[path] {
			delete(s.htmlOn, path)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>")
			return
		}
		if until, ok := s.throttled[path]; ok && time.Now().Before(until) {
			s.violate("GET %s retried %s before the Retry-After it was given", path, time.Until(until).Round(time.Millisecond))
			w.Header().Set("Retry-After", "1")
			s.fail(w, http.StatusTooManyRequests, "GEN_429", "Too many requests.")
			return
		}
		if s.throttle[path] {
			delete(s.throttle, path)
			s.throttled[path] = time.Now().Add(time.Second)
			w.Header().Set("Retry-After", "1")
			s.fail(w, http.StatusTooManyRequests, "GEN_429", "Too many requests.")
			return
		}
	}
	switch {
	case len(parts) == 3 && parts[0] == "products" && kind == "configurations" && r.Method == http.MethodGet:
		p := s.product(w, parts[1])
		if p == nil {
			return
		}
		declared := map[string]func(c *cxConfiguration) string{
			"parameter.id":    func(c *cxConfiguration) string { return c.Parameter.ID },
			"parameter.scope": func(c *cxConfiguration) string { return c.Parameter.Scope },
			"parameter.title": func(c *cxConfiguration) string { return c.Parameter.Title },
			"marketplace.id": func(c *cxConfiguration) string {
				if c.Marketplace == nil {
					return ""
				}
				return c.Marketplace.ID
			},
			"item.id": func(c *cxConfiguration) string {
				if c.Item == nil {
					return ""
				}
				return c.Item.ID
			},
		}
		var rows []any
		for _, c := range p.rows {
			if cxFilter(r.URL.RawQuery, func(field string) (string, bool) {
				f, ok := declared[field]
				if !ok {
					return "", false
				}
				return f(c), true
			}) {
				rows = append(rows, c)
			}
		}
		s.page(w, r, rows)
	case len(parts) == 3 && parts[0] == "products" && kind == "configurations" && r.Method == http.MethodPost:
		p := s.product(w, parts[1])
		if p != nil {
			s.write(w, r, p)
		}
	case len(parts) == 3 && parts[0] == "products" && kind == "parameters" && r.Method == http.MethodGet:
		p := s.product(w, parts[1])
		if p == nil {
			return
		}
		var rows []any
		for _, q := range p.params {
			if cxFilter(r.URL.RawQuery, func(field string) (string, bool) {
				switch field {
				case "id":
					return q.ID, true
				case "name":
					return q.Name, true
				case "scope":
					return q.Scope, true
				}
				return "", false
			}) {
				rows = append(rows, q)
			}
		}
		s.page(w, r, rows)
	case path == "/requests" && r.Method == http.MethodGet:
		var rows []any
		for _, q := range s.requests {
			if cxFilter(r.URL.RawQuery, func(field string) (string, bool) {
				switch field {
				case "status":
					return q.Status, true
				case "asset.product.id":
					return q.Asset.Product.ID, true
				case "asset.marketplace.id":
					return q.Asset.Marketplace.ID, true
				case "asset.id":
					return q.Asset.ID, true
				}
				return "", false
			}) {
				rows = append(rows, q)
			}
		}
		s.page(w, r, rows)
	default:
		s.fail(w, http.StatusNotFound, "GEN_404", "Not found.")
	}
}

func (s *connectStandin) product(w http.ResponseWriter, id string) *cxProduct {
	p, ok := s.products[id]
	if !ok {
		s.fail(w, http.StatusNotFound, "PRD_001", "Product "+id+" not found.")
	}
	return p
}

// page answers limit/offset with at most cxPage rows and Content-Range: items a-b/total.
func (s *connectStandin) page(w http.ResponseWriter, r *http.Request, rows []any) {
	q := r.URL.Query()
	limit, offset := 100, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(w, http.StatusBadRequest, "GEN_001", "limit: A valid integer is required.")
			return
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(w, http.StatusBadRequest, "GEN_001", "offset: A valid integer is required.")
			return
		}
		offset = n
	}
	limit = min(limit, cxPage)
	out := []any{}
	if offset < len(rows) {
		out = rows[offset:min(len(rows), offset+limit)]
	}
	if len(out) > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("items %d-%d/%d", offset, offset+len(out)-1, len(rows)))
	} else {
		w.Header().Set("Content-Range", fmt.Sprintf("items 0-0/%d", len(rows)))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// write is POST /products/{p}/configurations with dp.ConfigurationDataWrite.
func (s *connectStandin) write(w http.ResponseWriter, r *http.Request, p *cxProduct) {
	var body struct {
		Value           *string        `json:"value"`
		StructuredValue map[string]any `json:"structured_value"`
		Parameter       *struct {
			ID string `json:"id"`
		} `json:"parameter"`
		Item *struct {
			ID string `json:"id"`
		} `json:"item"`
		Marketplace *struct {
			ID string `json:"id"`
		} `json:"marketplace"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		s.violate("POST configurations: a body that is not dp.ConfigurationDataWrite: %v", err)
		s.fail(w, http.StatusBadRequest, "GEN_001", "Invalid request body.")
		return
	}
	raw, _ := json.Marshal(body)
	s.writes = append(s.writes, string(raw))
	if body.Parameter == nil || body.Parameter.ID == "" {
		s.fail(w, http.StatusBadRequest, "VAL_001", "parameter: This field is required.")
		return
	}
	var param *cxParameter
	for i := range p.params {
		if p.params[i].ID == body.Parameter.ID {
			param = &p.params[i]
		}
	}
	if param == nil {
		s.violate("POST configurations: parameter.id %q is not a parameter id (PRM-…)", body.Parameter.ID)
		s.fail(w, http.StatusBadRequest, "VAL_001", "parameter: Object with id="+body.Parameter.ID+" does not exist.")
		return
	}
	if body.Value != nil && len(*body.Value) > 2000 {
		s.fail(w, http.StatusBadRequest, "VAL_001", "value: Ensure this field has no more than 2000 characters.")
		return
	}
	mp := ""
	if body.Marketplace != nil {
		mp = body.Marketplace.ID
	}
	for _, c := range p.rows {
		if c.Parameter.ID == param.ID && c.Item == nil && c.Marketplace != nil && c.Marketplace.ID == mp {
			c.Value = body.Value
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(c) // a rewrite: 200
			return
		}
	}
	c := &cxConfiguration{Value: body.Value, StructuredValue: map[string]any{}, Parameter: *param, Marketplace: &cxMarketplace{ID: mp}}
	p.rows = append(p.rows, c)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(c)
}

// value returns the value of product's parameter (by name) in marketplace ("-" when unset).
func (s *connectStandin) value(product, name, marketplace string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.products[product].rows {
		if c.Parameter.Name == name && c.Item == nil && c.Marketplace != nil && c.Marketplace.ID == marketplace && c.Value != nil {
			return *c.Value
		}
	}
	return "-"
}

// cxFilter applies the RQL of a raw query: terms eq(f,v), in(f,(v,…)) and and(…) of them. A term on
// a field that fieldOf does not declare, or that does not parse, is ignored (it matches).
func cxFilter(raw string, fieldOf func(string) (string, bool)) bool {
	for _, term := range strings.Split(raw, "&") {
		if term == "" || strings.HasPrefix(term, "limit=") || strings.HasPrefix(term, "offset=") {
			continue
		}
		t, err := url.QueryUnescape(term)
		if err != nil {
			continue
		}
		if !cxTerm(t, fieldOf) {
			return false
		}
	}
	return true
}

func cxTerm(t string, fieldOf func(string) (string, bool)) bool {
	op, rest, ok := strings.Cut(t, "(")
	if !ok || !strings.HasSuffix(rest, ")") {
		return true
	}
	args := rest[:len(rest)-1]
	switch op {
	case "and":
		for _, a := range cxSplitTop(args) {
			if !cxTerm(a, fieldOf) {
				return false
			}
		}
		return true
	case "eq":
		f, v, ok := strings.Cut(args, ",")
		got, declared := fieldOf(f)
		return !ok || !declared || got == v
	case "in":
		f, list, ok := strings.Cut(args, ",")
		got, declared := fieldOf(f)
		if !ok || !declared {
			return true
		}
		for _, v := range strings.Split(strings.Trim(list, "()"), ",") {
			if got == v {
				return true
			}
		}
		return false
	}
	return true
}

// cxSplitTop splits a,b(c,d),e at the commas outside parentheses.
func cxSplitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
