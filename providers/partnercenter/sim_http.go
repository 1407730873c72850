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

// Numeric error codes of the simulator's error bodies. Microsoft documents the shape of the body,
// not a list of codes: these values are the simulator's own.
const (
	errCodeNotFound     = 600001
	errCodeBadRequest   = 600002
	errCodeIneligible   = 800002
	errCodeConflict     = 800003
	errCodeServerError  = 500
	simRequestBodyLimit = 1 << 20
	simErrorSource      = "PartnerFD"
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
	s.eventRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeReply(w, errorReply(http.StatusNotFound, errCodeNotFound, "", "The requested resource %s %s does not exist.", r.Method, r.URL.Path))
	})
	return mux
}

// simCall is one request as the operations see it.
type simCall struct {
	r    *http.Request
	body []byte
	// keys are what a fault's match is compared with: customer, subscription and migration IDs
	// (nil while no fault is armed).
	keys []string
}

// simReply is an operation's answer.
type simReply struct {
	status     int
	body       any
	retryAfter time.Duration
	headers    map[string]string
}

// errorReply is an error answer {code, description, data, source}; name is only a label for the
// reader of this file (the documented body has no name).
func errorReply(status, code int, name, format string, args ...any) simReply {
	_ = name
	return simReply{status: status, body: simErrorBody{Code: code, Description: fmt.Sprintf(format, args...), Data: []any{}, Source: simErrorSource}}
}

// throttleReply is the answer of a throttled request: {statusCode, message} with Retry-After.
func throttleReply(wait time.Duration, format string, args ...any) simReply {
	return simReply{status: http.StatusTooManyRequests, retryAfter: wait,
		body: simThrottleBody{StatusCode: http.StatusTooManyRequests, Message: fmt.Sprintf(format, args...)}}
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
		if s.env.Faults.Armed() {
			call.keys = matchKeys(r, call.body)
		}
		if s.env.Limiting() {
			if key, limit, ok := s.limitFor(op, r); ok {
				if allowed, wait := s.env.Allow(key, limit); !allowed {
					s.env.Stats.Inc(op + ".throttled")
					writeReply(w, throttleReply(wait, "Rate limit is exceeded. Try again in %d seconds.", int(wait/time.Second)))
					return
				}
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
		wait := time.Duration(f.RetryAfter)
		if wait <= 0 {
			wait = time.Second
		}
		reply = throttleReply(wait, "Rate limit is exceeded (injected fault).")
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
	for k, v := range r.headers {
		w.Header().Set(k, v)
	}
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
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
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
		page, next, err := s.page(call, len(c.subs))
		if err != nil {
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidContinuationToken", "%v", err)
		}
		items := make([]simSubscriptionWire, 0, page.end-page.start)
		for _, sub := range c.subs[page.start:page.end] {
			items = append(items, simSubscriptionOf(sub))
		}
		list := simSubscriptionList{TotalCount: len(items), Items: items, Attributes: simAttributes{ObjectType: "Collection"}}
		if next != "" {
			u := url.URL{Path: call.r.URL.Path, RawQuery: call.r.URL.RawQuery}
			list.Links = &simResourceLink{Next: &simLink{URI: u.String(), Method: http.MethodGet,
				Headers: []simKeyValue{{Key: "MS-ContinuationToken", Value: next}}}}
		}
		return simReply{status: http.StatusOK, body: list}
	})
}

func (s *Simulator) getSubscription(call *simCall) simReply {
	return s.withCustomer(call, func(c *simCustomer) simReply {
		sub := c.sub(call.r.PathValue("s"))
		if sub == nil {
			return subscriptionNotFound(call.r.PathValue("s"))
		}
		return simReply{status: http.StatusOK, body: simSubscriptionOf(sub)}
	})
}

func decodeMigrationRequest(body []byte) (simMigrationRequest, *simReply) {
	req, err := decodeSimRequest(body)
	if err != nil {
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
		_, res, _, reqErr := s.check(c, req)
		switch {
		case reqErr != nil:
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequest", "%v", reqErr)
		case res == nil:
			return subscriptionNotFound(req.CurrentSubscriptionID)
		}
		return simReply{status: http.StatusOK, body: *res}
	})
}

func (s *Simulator) create(call *simCall) simReply {
	req, errReply := decodeMigrationRequest(call.body)
	if errReply != nil {
		return *errReply
	}
	return s.withCustomer(call, func(c *simCustomer) simReply {
		plan, res, inProgress, reqErr := s.check(c, req)
		switch {
		case reqErr != nil:
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequest", "%v", reqErr)
		case res == nil:
			return subscriptionNotFound(req.CurrentSubscriptionID)
		case inProgress:
			return errorReply(http.StatusConflict, errCodeConflict, "MigrationInProgress", "%s", strings.Join(res.reasons(), " "))
		case plan == nil:
			return errorReply(http.StatusBadRequest, errCodeIneligible, "NotEligible", "The subscription is not eligible for migration to New Commerce. %s", strings.Join(res.reasons(), " "))
		}
		outcome := s.env.Faults.TakeOutcome(OpCreateMigration, call.keys...)
		m := s.start(c, req, plan, outcome)
		return simReply{status: http.StatusOK, body: m.copy()}
	})
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

// listMigrations answers the migration query: a bare JSON array, at most PageSize (≤ 300) items,
// and an MS-ContinuationToken response header while more follow. At least one filter is required.
func (s *Simulator) listMigrations(call *simCall) simReply {
	q := call.r.URL.Query()
	customer, current, ref := q.Get("CustomerTenantId"), q.Get("CurrentSubscriptionId"), q.Get("ExternalReferenceId")
	if customer == "" && current == "" && ref == "" {
		return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequest", "At least one of CustomerTenantId, CurrentSubscriptionId or ExternalReferenceId is required.")
	}
	size := 0
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxMigrationPageSize {
			return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidRequest", "PageSize must be between 1 and %d.", maxMigrationPageSize)
		}
		size = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	items := []simMigrationWire{}
	for _, m := range s.migrations {
		if customer != "" && !strings.EqualFold(m.m.CustomerTenantID, customer) {
			continue
		}
		if current != "" && !strings.EqualFold(m.m.CurrentSubscriptionID, current) {
			continue
		}
		if ref != "" && !strings.EqualFold(m.m.ExternalReferenceID, ref) {
			continue
		}
		if m.m.StartedTime != nil && !s.env.Listed(*m.m.StartedTime) {
			continue // behaviour.query_lag: not in query answers yet
		}
		items = append(items, m.copy())
	}
	page, next, err := s.pageOf(call, len(items), size)
	if err != nil {
		return errorReply(http.StatusBadRequest, errCodeBadRequest, "InvalidContinuationToken", "%v", err)
	}
	reply := simReply{status: http.StatusOK, body: items[page.start:page.end]}
	if next != "" {
		reply.headers = map[string]string{"MS-ContinuationToken": next}
	}
	return reply
}

// maxMigrationPageSize is the documented maximum PageSize of the migration query.
const maxMigrationPageSize = 300

type pageRange struct{ start, end int }

// page picks the slice of n items the request's continuation token asks for, and the token of the
// next page ("" on the last one), with the simulator's page size.
func (s *Simulator) page(call *simCall, n int) (pageRange, string, error) {
	return s.pageOf(call, n, 0)
}

// pageOf is page with a page size the request asked for (0: the simulator's, which a behaviour's
// page size lowers). Tokens are opaque to clients; here they are "seek:<offset>".
func (s *Simulator) pageOf(call *simCall, n, asked int) (pageRange, string, error) {
	size := s.env.PageSize(defaultPageSize)
	if asked > 0 && (asked < size || s.env.PageSize(0) == 0) {
		size = asked
	}
	start := 0
	if tok := call.r.Header.Get("MS-ContinuationToken"); tok != "" {
		v, ok := strings.CutPrefix(tok, "seek:")
		off, err := strconv.Atoi(v)
		if !ok || err != nil || off < 0 || off > n {
			return pageRange{}, "", errors.New("the continuation token is not valid for this query")
		}
		start = off
	}
	end := min(start+size, n)
	if end >= n {
		return pageRange{start, end}, "", nil
	}
	return pageRange{start, end}, "seek:" + strconv.Itoa(end), nil
}
