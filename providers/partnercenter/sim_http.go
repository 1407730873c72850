package partnercenter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// Numeric error codes of the simulator's error bodies.
const (
	errCodeNotFound     = 600001
	errCodeBadRequest   = 600002
	errCodeIneligible   = 800002
	errCodeConflict     = 800003
	errCodeThrottled    = 429
	errCodeServerError  = 500
	simRequestBodyLimit = 1 << 20
)

// Handler serves the Partner Center REST API under /v1.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /v1/customers/{c}/subscriptions", s.route(OpListSubscriptions, s.listSubscriptions))
	mux.Handle("GET /v1/customers/{c}/subscriptions/{s}", s.route(OpGetSubscription, s.getSubscription))
	mux.Handle("POST /v1/customers/{c}/migrations/newcommerce/validate", s.route(OpValidateMigration, s.validate))
	mux.Handle("POST /v1/customers/{c}/migrations/newcommerce", s.route(OpCreateMigration, s.create))
	mux.Handle("GET /v1/customers/{c}/migrations/newcommerce/{id}", s.route(OpGetMigration, s.getMigration))
	mux.Handle("GET /v1/migrations/newcommerce", s.route(OpListMigrations, s.listMigrations))
	s.scheduleRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, ErrorBody{Code: errCodeNotFound, ErrorName: "NotFound",
			Description: fmt.Sprintf("The requested resource %s %s does not exist.", r.Method, r.URL.Path)})
	})
	return mux
}

// simCall is one request as the operations see it.
type simCall struct {
	r    *http.Request
	body []byte
	// keys are what a fault's match is compared with: customer, subscription and migration IDs.
	keys []string
}

// simReply is an operation's answer.
type simReply struct {
	status     int
	body       any
	retryAfter time.Duration
}

func errorReply(status, code int, name, format string, args ...any) simReply {
	return simReply{status: status, body: ErrorBody{Code: code, ErrorName: name, Description: fmt.Sprintf(format, args...)}}
}

// route wraps an operation with what every request goes through: stats, latency, rate limits,
// injected faults (before the operation, or after it for a lost response) and the JSON answer.
func (s *Simulator) route(op string, fn func(*simCall) simReply) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.env.Stats.Inc(op)
		s.env.Delay(r.Context())
		for _, h := range []string{"MS-RequestId", "MS-CorrelationId"} {
			if v := r.Header.Get(h); v != "" {
				w.Header().Set(h, v)
			}
		}
		call := &simCall{r: r}
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, simRequestBodyLimit))
			if err != nil {
				writeReply(w, errorReply(http.StatusBadRequest, errCodeBadRequest, "BadRequest", "The request body could not be read: %v", err))
				return
			}
			call.body = body
		}
		call.keys = matchKeys(r, call.body)
		if key, limit, ok := s.limitFor(op, r); ok {
			if allowed, wait := s.env.Allow(key, limit); !allowed {
				s.env.Stats.Inc(op + ".throttled")
				writeReply(w, simReply{status: http.StatusTooManyRequests, retryAfter: wait,
					body: ErrorBody{Code: errCodeThrottled, ErrorName: "TooManyRequests",
						Description: fmt.Sprintf("Rate limit is exceeded. Try again in %d seconds.", int(wait/time.Second))}})
				return
			}
		}
		fault, faulty := s.env.Faults.Take(op, call.keys...)
		if faulty && !fault.LostResponse {
			writeReply(w, faultReply(fault))
			return
		}
		reply := fn(call)
		if faulty {
			if fault.Status == 0 && simkit.DropConnection(w) {
				return
			}
			if fault.Status == 0 {
				fault.Status = http.StatusInternalServerError
			}
			reply = faultReply(fault)
		}
		writeReply(w, reply)
	})
}

func faultReply(f simkit.Fault) simReply {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	reply := errorReply(status, errCodeServerError, "ServiceError", "%s (injected fault).", http.StatusText(status))
	if status == http.StatusTooManyRequests {
		reply.body = ErrorBody{Code: errCodeThrottled, ErrorName: "TooManyRequests", Description: "Rate limit is exceeded (injected fault)."}
		reply.retryAfter = time.Duration(f.RetryAfter)
		if reply.retryAfter <= 0 {
			reply.retryAfter = time.Second
		}
	}
	return reply
}

// limitFor returns the documented limit that applies to one request of op (the Env applies the
// behaviour's rate-limit mode): validate 450 per customer per 5 minutes, create 100 per partner per
// 5 minutes, subscription reads 500 per minute.
func (s *Simulator) limitFor(op string, r *http.Request) (key string, l simkit.Limit, ok bool) {
	switch op {
	case OpValidateMigration:
		return "partnercenter.validate/" + strings.ToLower(r.PathValue("c")), simkit.Limit{Requests: 450, Window: 5 * time.Minute}, true
	case OpCreateMigration:
		return "partnercenter.create", simkit.Limit{Requests: 100, Window: 5 * time.Minute}, true
	case OpListSubscriptions, OpGetSubscription:
		return "partnercenter.subscriptions", simkit.Limit{Requests: 500, Window: time.Minute}, true
	}
	return "", simkit.Limit{}, false
}

func matchKeys(r *http.Request, body []byte) []string {
	var keys []string
	for _, name := range []string{"c", "s", "id"} {
		if v := r.PathValue(name); v != "" {
			keys = append(keys, v)
		}
	}
	for _, name := range []string{"CustomerTenantId", "CurrentSubscriptionId", "ExternalReferenceId"} {
		if v := r.URL.Query().Get(name); v != "" {
			keys = append(keys, v)
		}
	}
	if len(body) > 0 {
		var peek struct {
			CurrentSubscriptionID string `json:"currentSubscriptionId"`
			ExternalReferenceID   string `json:"externalReferenceId"`
		}
		if json.Unmarshal(body, &peek) == nil {
			keys = append(keys, peek.CurrentSubscriptionID, peek.ExternalReferenceID)
		}
	}
	return keys
}

func writeReply(w http.ResponseWriter, r simReply) {
	if r.retryAfter > 0 {
		simkit.SetRetryAfter(w, r.retryAfter)
	}
	writeJSON(w, r.status, r.body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"code":500,"description":"The simulator could not encode its answer."}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// customer looks up the customer of the path; callers hold s.mu.
func (s *Simulator) customer(call *simCall) (*simCustomer, *simReply) {
	id := call.r.PathValue("c")
	c := s.customerByID[strings.ToLower(id)]
	if c == nil {
		r := errorReply(http.StatusNotFound, errCodeNotFound, "CustomerNotFound", "Customer %s was not found, or it is not associated with this partner.", id)
		return nil, &r
	}
	return c, nil
}

func subscriptionNotFound(id string) simReply {
	return errorReply(http.StatusNotFound, errCodeNotFound, "SubscriptionNotFound", "Subscription %s was not found for this customer.", id)
}

func (s *Simulator) listSubscriptions(call *simCall) simReply {
	return s.withCustomer(call, func(c *simCustomer) simReply {
		items := make([]Subscription, len(c.subs))
		for i, sub := range c.subs {
			items[i] = *sub
		}
		page, links, err := s.page(call, len(items))
		if err != nil {
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidContinuationToken", "%v", err)
		}
		return simReply{status: http.StatusOK, body: SubscriptionList{TotalCount: page.end - page.start, Items: items[page.start:page.end], Links: links}}
	})
}

func (s *Simulator) getSubscription(call *simCall) simReply {
	return s.withCustomer(call, func(c *simCustomer) simReply {
		sub := c.sub(call.r.PathValue("s"))
		if sub == nil {
			return subscriptionNotFound(call.r.PathValue("s"))
		}
		return simReply{status: http.StatusOK, body: *sub}
	})
}

func decodeMigrationRequest(body []byte) (MigrationRequest, *simReply) {
	var req MigrationRequest
	if err := json.Unmarshal(body, &req); err != nil {
		r := errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequestBody", "The request body is not a valid migration: %v", err)
		return req, &r
	}
	if strings.TrimSpace(req.CurrentSubscriptionID) == "" {
		r := errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequestBody", "currentSubscriptionId is required.")
		return req, &r
	}
	return req, nil
}

// withCustomer runs fn for the customer named by the request path, under the simulator's lock and
// after time has advanced; an unknown customer is answered 404.
func (s *Simulator) withCustomer(call *simCall, fn func(c *simCustomer) simReply) simReply {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	c, errReply := s.customer(call)
	if errReply != nil {
		return *errReply
	}
	return fn(c)
}

func (s *Simulator) validate(call *simCall) simReply {
	req, errReply := decodeMigrationRequest(call.body)
	if errReply != nil {
		return *errReply
	}
	return s.withCustomer(call, func(c *simCustomer) simReply {
		plan, errs, _ := s.check(c, req)
		if plan == nil && errs == nil {
			return subscriptionNotFound(req.CurrentSubscriptionID)
		}
		res := ValidationResult{CurrentSubscriptionID: req.CurrentSubscriptionID, IsEligible: plan != nil, Errors: errs}
		if plan != nil {
			res.CatalogItemID = plan.item.catalogItemID
		}
		return simReply{status: http.StatusOK, body: res}
	})
}

func (s *Simulator) create(call *simCall) simReply {
	req, errReply := decodeMigrationRequest(call.body)
	if errReply != nil {
		return *errReply
	}
	return s.withCustomer(call, func(c *simCustomer) simReply {
		plan, errs, inProgress := s.check(c, req)
		switch {
		case plan == nil && errs == nil:
			return subscriptionNotFound(req.CurrentSubscriptionID)
		case inProgress:
			return errorReply(http.StatusConflict, errCodeConflict, CodeMigrationInProgress, "%s", joinErrors(errs))
		case plan == nil:
			name := errs[0].Code
			return errorReply(http.StatusBadRequest, errCodeIneligible, name, "The subscription is not eligible for migration to New Commerce. %s", joinErrors(errs))
		}
		outcome := s.env.Faults.TakeOutcome(OpCreateMigration, call.keys...)
		m := s.start(c, req, plan, outcome)
		return simReply{status: http.StatusOK, body: m.copy()}
	})
}

func joinErrors(errs []ValidationError) string {
	parts := make([]string, len(errs))
	for i, e := range errs {
		parts[i] = e.Description
	}
	return strings.Join(parts, " ")
}

func (s *Simulator) getMigration(call *simCall) simReply {
	return s.withCustomer(call, func(c *simCustomer) simReply {
		id := call.r.PathValue("id")
		m := s.migrationByID[strings.ToLower(id)]
		if m == nil || m.customer != c {
			return errorReply(http.StatusNotFound, errCodeNotFound, "MigrationNotFound", "Migration %s was not found for customer %s.", id, c.id)
		}
		return simReply{status: http.StatusOK, body: m.copy()}
	})
}

func (s *Simulator) listMigrations(call *simCall) simReply {
	q := call.r.URL.Query()
	customer, current, ref := q.Get("CustomerTenantId"), q.Get("CurrentSubscriptionId"), q.Get("ExternalReferenceId")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	var items []Migration
	for _, m := range s.migrations {
		if customer != "" && !strings.EqualFold(m.m.CustomerTenantID, customer) {
			continue
		}
		if current != "" && !strings.EqualFold(m.m.CurrentSubscriptionID, current) {
			continue
		}
		if ref != "" && m.m.ExternalReferenceID != ref {
			continue
		}
		items = append(items, m.copy())
	}
	page, links, err := s.page(call, len(items))
	if err != nil {
		return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidContinuationToken", "%v", err)
	}
	return simReply{status: http.StatusOK, body: MigrationList{TotalCount: page.end - page.start, Items: emptyIfNil(items[page.start:page.end]), Links: links}}
}

func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type pageRange struct{ start, end int }

// page picks the slice of n items the request's continuation token asks for, and the link to the
// next page (nil on the last one). Tokens are opaque to clients; here they are "seek:<offset>".
func (s *Simulator) page(call *simCall, n int) (pageRange, *ResourceLinks, error) {
	size := s.env.PageSize(defaultPageSize)
	start := 0
	if tok := call.r.Header.Get("MS-ContinuationToken"); tok != "" {
		v, ok := strings.CutPrefix(tok, "seek:")
		off, err := strconv.Atoi(v)
		if !ok || err != nil || off < 0 || off > n {
			return pageRange{}, nil, errors.New("the continuation token is not valid for this query")
		}
		start = off
	}
	end := min(start+size, n)
	if end >= n {
		return pageRange{start, end}, nil, nil
	}
	u := url.URL{Path: call.r.URL.Path, RawQuery: call.r.URL.RawQuery}
	next := &Link{URI: u.String(), Method: http.MethodGet, Headers: []KeyValuePair{{Key: "MS-ContinuationToken", Value: "seek:" + strconv.Itoa(end)}}}
	return pageRange{start, end}, &ResourceLinks{Next: next}, nil
}
