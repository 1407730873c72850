package main

// A stand-in of Partner Center and Azure AD written from Microsoft's documentation, not from ferry's
// simulator: it has its own types and imports nothing of providers/partnercenter, so that a field
// name or a shape that ferry's client and simulator agree on but Microsoft does not shows up here.
//
// Sources (learn.microsoft.com): the identity platform's "OAuth 2.0 client credentials flow" (token
// request and answer, error body), Partner Center "Get a list of subscriptions", "Validate a
// subscription for migration", "Create a new commerce migration", "Get a new commerce migration",
// "Query new commerce migrations" (a bare array, PageSize, MS-ContinuationToken), "Get new commerce
// migration events", "Partner Center REST headers", "Partner Center REST error codes"; the .NET SDK
// models NewCommerceMigration, NewCommerceEligibility, NewCommerceEligibilityErrorCode and
// NewCommerceMigrationEvent.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// stSub is a subscription as "Get a list of subscriptions" describes it.
type stSub struct {
	ID, OfferID, OfferName                  string
	Quantity                                int
	Status, BillingCycle, TermDuration      string
	CommitmentEndDate                       time.Time
	OrderID, ParentSubscriptionID           string
	MigratedFromSubscriptionID, ProductType string
	IsTrial                                 bool
	Created                                 time.Time
}

// stMigration is a NewCommerceMigration.
type stMigration struct {
	ID, CustomerTenantID, CurrentSubscriptionID string
	Status                                      string // Processing, Completed, Failed
	CatalogItemID                               string
	NewCommerceSubscriptionID                   string
	NewCommerceOrderID                          string
	ExternalReferenceID                         string
	TermDuration, BillingCycle                  string
	Quantity                                    int
	PurchaseFullTerm                            bool
	StartedTime                                 time.Time
	CompletedTime                               time.Time
	MicrosoftLed                                bool
	doneAt                                      time.Time
}

// stEvent is a NewCommerceMigrationEvent.
type stEvent struct {
	ID, NewCommerceMigrationID, CurrentSubscriptionID, CustomerTenantID, EventName string
	CreatedTime                                                                    time.Time
}

// standin is the stand-in's whole world.
type standin struct {
	mu sync.Mutex

	tenant, clientID, clientSecret string
	tokens                         map[string]time.Time

	customers  map[string][]*stSub // by lower-case customer id
	catalog    map[string]string   // legacy offerId → New Commerce catalogItemId
	migrations []*stMigration
	events     []stEvent

	// pageSize caps the migration query's pages whatever PageSize asks, so that ferry must follow
	// MS-ContinuationToken.
	pageSize int
	// migrationTime is how long a migration stays Processing.
	migrationTime time.Duration
	// dropCreateOf names legacy subscriptions whose create is performed and whose answer is lost
	// (the connection is closed without a response), once each.
	dropCreateOf map[string]bool

	// What was asked.
	creates       map[string]int // performed creates by legacy subscription id
	requests      map[string]int // "METHOD route" → count
	continuations int            // pages served for an MS-ContinuationToken
	tokenRequests int
	violations    []string // requests that break the documented contract
}

func newStandin(tenant, clientID, secret string) *standin {
	return &standin{
		tenant: tenant, clientID: clientID, clientSecret: secret,
		tokens:        map[string]time.Time{},
		customers:     map[string][]*stSub{},
		catalog:       map[string]string{},
		pageSize:      2,
		migrationTime: 400 * time.Millisecond,
		dropCreateOf:  map[string]bool{},
		creates:       map[string]int{},
		requests:      map[string]int{},
	}
}

func stID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (s *standin) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

// ServeHTTP routes the token endpoint and the Partner Center routes ferry uses.
func (s *standin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance(time.Now())
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")

	// POST /{tenant}/oauth2/v2.0/token
	if len(seg) == 4 && seg[1] == "oauth2" && seg[2] == "v2.0" && seg[3] == "token" {
		s.token(w, r, seg[0])
		return
	}
	if len(seg) < 2 || seg[0] != "v1" {
		s.fail(w, http.StatusNotFound, 0, "Not found")
		return
	}
	if !s.authorized(w, r) {
		return
	}
	if r.Header.Get("MS-RequestId") == "" || r.Header.Get("MS-CorrelationId") == "" {
		s.violate("%s %s without MS-RequestId or MS-CorrelationId", r.Method, r.URL.Path)
	}
	route := func(name string) { s.requests[r.Method+" "+name]++ }
	switch {
	// GET /v1/migrations/newcommerce
	case len(seg) == 3 && seg[1] == "migrations" && seg[2] == "newcommerce" && r.Method == http.MethodGet:
		route("migrations")
		s.queryMigrations(w, r)
	// /v1/customers/{c}/subscriptions[/{s}]
	case len(seg) >= 4 && seg[1] == "customers" && seg[3] == "subscriptions" && r.Method == http.MethodGet:
		subs, ok := s.customers[strings.ToLower(seg[2])]
		if !ok {
			s.fail(w, http.StatusNotFound, 600001, "Customer not found.")
			return
		}
		if len(seg) == 4 {
			route("subscriptions")
			items := make([]any, 0, len(subs))
			for _, sub := range subs {
				items = append(items, s.subJSON(seg[2], sub))
			}
			s.json(w, http.StatusOK, map[string]any{"totalCount": len(items), "items": items,
				"links": map[string]any{}, "attributes": map[string]any{"objectType": "Collection"}})
			return
		}
		route("subscription")
		for _, sub := range subs {
			if strings.EqualFold(sub.ID, seg[4]) {
				s.json(w, http.StatusOK, s.subJSON(seg[2], sub))
				return
			}
		}
		s.fail(w, http.StatusNotFound, 800000, "Subscription not found.")
	// /v1/customers/{c}/migrations/newcommerce[/validate|/events|/{id}]
	case len(seg) >= 5 && seg[1] == "customers" && seg[3] == "migrations" && seg[4] == "newcommerce":
		customer := seg[2]
		if _, ok := s.customers[strings.ToLower(customer)]; !ok {
			s.fail(w, http.StatusNotFound, 600001, "Customer not found.")
			return
		}
		switch {
		case len(seg) == 6 && seg[5] == "validate" && r.Method == http.MethodPost:
			route("validate")
			s.validate(w, r, customer)
		case len(seg) == 6 && seg[5] == "events" && r.Method == http.MethodGet:
			route("events")
			s.queryEvents(w, r, customer)
		case len(seg) == 5 && r.Method == http.MethodPost:
			route("create")
			s.create(w, r, customer)
		case len(seg) == 6 && r.Method == http.MethodGet:
			route("get")
			for _, m := range s.migrations {
				if strings.EqualFold(m.ID, seg[5]) && strings.EqualFold(m.CustomerTenantID, customer) {
					s.json(w, http.StatusOK, m.json())
					return
				}
			}
			s.fail(w, http.StatusNotFound, 800000, "Migration not found.")
		default:
			s.fail(w, http.StatusNotFound, 0, "Not found")
		}
	default:
		s.violate("unexpected request %s %s", r.Method, r.URL.Path)
		s.fail(w, http.StatusNotFound, 0, "Not found")
	}
}

// token is the identity platform's client-credentials token endpoint.
func (s *standin) token(w http.ResponseWriter, r *http.Request, tenant string) {
	s.tokenRequests++
	aadError := func(status int, code, aadsts int, desc string) {
		now := time.Now().UTC()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"error": map[int]string{400: "invalid_request", 401: "invalid_client"}[status], "error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", aadsts, desc, stID(), stID(), now.Format("2006-01-02 15:04:05Z")),
			"error_codes": []int{aadsts}, "timestamp": now.Format("2006-01-02 15:04:05Z"), "trace_id": stID(), "correlation_id": stID(),
			"error_uri": "https://login.microsoftonline.com/error?code=" + strconv.Itoa(aadsts),
		})
		_ = code
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		aadError(400, 0, 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	if err := r.ParseForm(); err != nil {
		aadError(400, 0, 900144, "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	if tenant != s.tenant {
		aadError(400, 0, 90002, fmt.Sprintf("Tenant '%s' not found.", tenant))
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		aadError(400, 0, 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", g))
		return
	}
	if sc := r.PostForm.Get("scope"); sc != "https://api.partnercenter.microsoft.com/.default" {
		aadError(400, 0, 70011, fmt.Sprintf("The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", sc))
		return
	}
	if r.PostForm.Get("client_id") != s.clientID {
		aadError(400, 0, 700016, fmt.Sprintf("Application with identifier '%s' was not found in the directory.", r.PostForm.Get("client_id")))
		return
	}
	if r.PostForm.Get("client_secret") != s.clientSecret {
		aadError(401, 0, 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '"+s.clientID+"'.")
		return
	}
	tok := "eyJ0eXAiOiJKV1QifQ." + stID() + ".sig"
	s.tokens[tok] = time.Now().Add(3599 * time.Second)
	s.json(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok})
}

func (s *standin) authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if exp, known := s.tokens[tok]; ok && known && time.Now().Before(exp) {
		return true
	}
	s.violate("%s %s with Authorization %q", r.Method, r.URL.Path, map[bool]string{true: "Bearer <unknown>", false: "<none>"}[ok])
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	s.fail(w, http.StatusUnauthorized, 0, "Unauthorized: Invalid Authorization header")
	return false
}

// fail writes the documented Partner Center error body.
func (s *standin) fail(w http.ResponseWriter, status, code int, desc string) {
	s.json(w, status, map[string]any{"code": code, "description": desc, "data": []any{}, "source": "PartnerFD"})
}

func (s *standin) json(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func stDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (s *standin) subJSON(customer string, sub *stSub) map[string]any {
	m := map[string]any{
		"id": sub.ID, "entitlementId": sub.ID, "offerId": sub.OfferID, "offerName": sub.OfferName, "friendlyName": sub.OfferName,
		"quantity": sub.Quantity, "unitType": "Licenses", "creationDate": stDate(sub.Created), "effectiveStartDate": stDate(sub.Created),
		"commitmentEndDate": stDate(sub.CommitmentEndDate), "status": sub.Status, "autoRenewEnabled": true, "isTrial": sub.IsTrial,
		"billingType": "license", "billingCycle": sub.BillingCycle, "termDuration": sub.TermDuration, "orderId": sub.OrderID,
		"contractType": "subscription", "productType": map[string]any{"id": sub.ProductType, "displayName": sub.ProductType},
		"links":      map[string]any{"self": map[string]any{"uri": "/customers/" + customer + "/subscriptions/" + sub.ID, "method": "GET", "headers": []any{}}},
		"attributes": map[string]any{"etag": stID(), "objectType": "Subscription"},
	}
	if sub.ParentSubscriptionID != "" {
		m["parentSubscriptionId"] = sub.ParentSubscriptionID
	}
	if sub.MigratedFromSubscriptionID != "" {
		m["migratedFromSubscriptionId"] = sub.MigratedFromSubscriptionID
	}
	return m
}

func (m *stMigration) json() map[string]any {
	out := map[string]any{
		"id": m.ID, "startedTime": m.StartedTime.UTC().Format(time.RFC3339Nano), "currentSubscriptionId": m.CurrentSubscriptionID,
		"status": m.Status, "customerTenantId": m.CustomerTenantID, "catalogItemId": m.CatalogItemID, "quantity": m.Quantity,
		"termDuration": m.TermDuration, "billingCycle": m.BillingCycle, "purchaseFullTerm": m.PurchaseFullTerm,
		"externalReferenceId": m.ExternalReferenceID, "addOnMigrations": []any{},
	}
	if m.MicrosoftLed {
		out["microsoftLed"] = true
	}
	if m.Status == "Completed" {
		out["completedTime"] = m.CompletedTime.UTC().Format(time.RFC3339Nano)
		out["newCommerceSubscriptionId"] = m.NewCommerceSubscriptionID
		out["newCommerceOrderId"] = m.NewCommerceOrderID
	}
	return out
}

func (s *standin) findSub(customer, id string) *stSub {
	for _, sub := range s.customers[strings.ToLower(customer)] {
		if strings.EqualFold(sub.ID, id) {
			return sub
		}
	}
	return nil
}

func (s *standin) processing(legacy string) *stMigration {
	for _, m := range s.migrations {
		if strings.EqualFold(m.CurrentSubscriptionID, legacy) && m.Status == "Processing" {
			return m
		}
	}
	return nil
}

// advance completes the migrations whose time has come: the New Commerce subscription appears with
// migratedFromSubscriptionId, the legacy one is suspended, and the events are written.
func (s *standin) advance(now time.Time) {
	for _, m := range s.migrations {
		if m.Status != "Processing" {
			continue
		}
		half := m.StartedTime.Add(m.doneAt.Sub(m.StartedTime) / 2)
		if now.After(half) && !s.hasEvent(m.ID, "NewCommerceSubscriptionCreated") {
			m.NewCommerceSubscriptionID, m.NewCommerceOrderID = stID(), stID()
			s.event(m, "NewCommerceSubscriptionCreated", half)
		}
		if now.Before(m.doneAt) {
			continue
		}
		if !s.hasEvent(m.ID, "NewCommerceSubscriptionCreated") {
			m.NewCommerceSubscriptionID, m.NewCommerceOrderID = stID(), stID()
			s.event(m, "NewCommerceSubscriptionCreated", m.doneAt)
		}
		legacy := s.findSub(m.CustomerTenantID, m.CurrentSubscriptionID)
		m.Status, m.CompletedTime = "Completed", m.doneAt
		legacy.Status = "suspended"
		s.customers[strings.ToLower(m.CustomerTenantID)] = append(s.customers[strings.ToLower(m.CustomerTenantID)], &stSub{
			ID: m.NewCommerceSubscriptionID, OfferID: m.CatalogItemID, OfferName: legacy.OfferName, Quantity: m.Quantity,
			Status: "active", BillingCycle: strings.ToLower(m.BillingCycle), TermDuration: m.TermDuration,
			CommitmentEndDate: m.doneAt.AddDate(1, 0, 0).Truncate(24 * time.Hour), OrderID: m.NewCommerceOrderID,
			MigratedFromSubscriptionID: legacy.ID, ProductType: "OnlineServicesNCE", Created: m.doneAt,
		})
		s.event(m, "NewCommerceSubscriptionProvisioned", m.doneAt)
	}
}

func (s *standin) hasEvent(migration, name string) bool {
	for _, e := range s.events {
		if e.NewCommerceMigrationID == migration && e.EventName == name {
			return true
		}
	}
	return false
}

func (s *standin) event(m *stMigration, name string, at time.Time) {
	s.events = append(s.events, stEvent{ID: stID(), NewCommerceMigrationID: m.ID, CurrentSubscriptionID: m.CurrentSubscriptionID,
		CustomerTenantID: m.CustomerTenantID, EventName: name, CreatedTime: at})
}

// eligibility is the NewCommerceEligibility of a request; errors carry the integer codes of
// NewCommerceEligibilityErrorCode with a description.
func (s *standin) eligibility(customer string, req map[string]any) map[string]any {
	legacyID, _ := req["currentSubscriptionId"].(string)
	term, _ := req["termDuration"].(string)
	billing, _ := req["billingCycle"].(string)
	var errs []any
	add := func(code int, desc string) { errs = append(errs, map[string]any{"code": code, "description": desc}) }
	catalog := ""
	sub := s.findSub(customer, legacyID)
	switch {
	case sub == nil:
		add(0, "The subscription was not found or is not active.")
	default:
		catalog = s.catalog[strings.ToLower(sub.OfferID)]
		if !strings.EqualFold(sub.Status, "active") {
			add(0, "Subscription status is not active.")
		}
		if s.processing(sub.ID) != nil {
			add(1, "The subscription is being processed in OMS.")
		}
		if catalog == "" {
			add(5, "New commerce product is not available for the current subscription.")
		}
		if strings.EqualFold(term, "P1M") && strings.EqualFold(billing, "Annual") {
			add(6, "The term duration and billing cycle combination is not supported.")
		}
	}
	if errs == nil {
		errs = []any{}
	}
	return map[string]any{"currentSubscriptionId": legacyID, "isEligible": len(errs) == 0, "catalogItemId": catalog,
		"termDuration": term, "billingCycle": billing, "customTermEndDate": nil, "errors": errs, "addOnMigrations": []any{}}
}

func (s *standin) readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	b, _ := io.ReadAll(r.Body)
	var req map[string]any
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || json.Unmarshal(b, &req) != nil {
		s.violate("%s %s: body %q is not JSON", r.Method, r.URL.Path, b)
		s.fail(w, http.StatusBadRequest, 900001, "The request body is not valid.")
		return nil, false
	}
	for k := range req {
		switch k {
		case "currentSubscriptionId", "termDuration", "billingCycle", "purchaseFullTerm", "quantity", "customTermEndDate",
			"externalReferenceId", "addOnMigrations", "id", "catalogItemId":
		default:
			s.violate("%s %s: field %q is not in the documented request", r.Method, r.URL.Path, k)
		}
	}
	return req, true
}

func (s *standin) validate(w http.ResponseWriter, r *http.Request, customer string) {
	req, ok := s.readBody(w, r)
	if !ok {
		return
	}
	s.json(w, http.StatusOK, s.eligibility(customer, req))
}

func (s *standin) create(w http.ResponseWriter, r *http.Request, customer string) {
	req, ok := s.readBody(w, r)
	if !ok {
		return
	}
	e := s.eligibility(customer, req)
	if e["isEligible"] != true {
		s.fail(w, http.StatusBadRequest, 800002, "The subscription is not eligible for migration to New Commerce.")
		return
	}
	legacy := s.findSub(customer, req["currentSubscriptionId"].(string))
	q, _ := req["quantity"].(float64)
	full, _ := req["purchaseFullTerm"].(bool)
	ext, _ := req["externalReferenceId"].(string)
	now := time.Now()
	m := &stMigration{ID: stID(), CustomerTenantID: customer, CurrentSubscriptionID: legacy.ID, Status: "Processing",
		CatalogItemID: e["catalogItemId"].(string), ExternalReferenceID: ext, TermDuration: req["termDuration"].(string),
		BillingCycle: req["billingCycle"].(string), Quantity: int(q), PurchaseFullTerm: full, StartedTime: now, doneAt: now.Add(s.migrationTime)}
	if m.Quantity == 0 {
		m.Quantity = legacy.Quantity
	}
	s.migrations = append(s.migrations, m)
	s.creates[legacy.ID]++
	if s.dropCreateOf[legacy.ID] {
		delete(s.dropCreateOf, legacy.ID)
		// Performed, and the answer is lost: the connection closes without a response.
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	s.json(w, http.StatusCreated, m.json())
}

// queryMigrations is "Query new commerce migrations": at least one of CustomerTenantId,
// CurrentSubscriptionId, ExternalReferenceId; PageSize up to 300; a bare array; more pages through
// the MS-ContinuationToken response header, sent back as a request header.
func (s *standin) queryMigrations(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "CustomerTenantId", "CurrentSubscriptionId", "ExternalReferenceId", "PageSize", "IsMicrosoftLed":
		default:
			s.violate("migration query with undocumented parameter %q", k)
		}
	}
	cust, cur, ext := q.Get("CustomerTenantId"), q.Get("CurrentSubscriptionId"), q.Get("ExternalReferenceId")
	if cust == "" && cur == "" && ext == "" {
		s.fail(w, http.StatusBadRequest, 900002, "At least one of CustomerTenantId, CurrentSubscriptionId or ExternalReferenceId is required.")
		return
	}
	size := 300
	if ps := q.Get("PageSize"); ps != "" {
		n, err := strconv.Atoi(ps)
		if err != nil || n < 1 || n > 300 {
			s.fail(w, http.StatusBadRequest, 900003, "PageSize must be between 1 and 300.")
			return
		}
		size = n
	}
	size = min(size, s.pageSize)
	var match []*stMigration
	for _, m := range s.migrations {
		if (cust == "" || strings.EqualFold(m.CustomerTenantID, cust)) && (cur == "" || strings.EqualFold(m.CurrentSubscriptionID, cur)) &&
			(ext == "" || m.ExternalReferenceID == ext) {
			match = append(match, m)
		}
	}
	start := 0
	if tok := r.Header.Get("MS-ContinuationToken"); tok != "" {
		v, err := url.ParseQuery(tok)
		n, aerr := strconv.Atoi(v.Get("o"))
		if err != nil || aerr != nil || v.Get("q") != r.URL.RawQuery || n < 0 || n > len(match) {
			s.violate("continuation token %q does not belong to query %q", tok, r.URL.RawQuery)
			s.fail(w, http.StatusBadRequest, 900004, "The continuation token is not valid.")
			return
		}
		start = n
		s.continuations++
	}
	end := min(start+size, len(match))
	page := make([]any, 0, end-start)
	for _, m := range match[start:end] {
		page = append(page, m.json())
	}
	if end < len(match) {
		w.Header().Set("MS-ContinuationToken", url.Values{"q": {r.URL.RawQuery}, "o": {strconv.Itoa(end)}}.Encode())
	}
	s.json(w, http.StatusOK, page)
}

// queryEvents is "Get new commerce migration events": a bare array of NewCommerceMigrationEvent,
// filtered by migration_id / current_subscription_id. The conceptual page says at least one of the
// two IDs is required (the REST reference lists the route without them too): the stand-in takes the
// stricter reading and refuses a read without either.
func (s *standin) queryEvents(w http.ResponseWriter, r *http.Request, customer string) {
	q := r.URL.Query()
	mid := firstNonEmpty(q.Get("migration_id"), q.Get("MigrationId"))
	cur := firstNonEmpty(q.Get("current_subscription_id"), q.Get("CurrentSubscriptionId"))
	if mid == "" && cur == "" {
		s.fail(w, http.StatusBadRequest, 900005, "At least one of MigrationId or CurrentSubscriptionId is required.")
		return
	}
	out := []any{}
	evs := append([]stEvent(nil), s.events...)
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].CreatedTime.Before(evs[j].CreatedTime) })
	for _, e := range evs {
		if !strings.EqualFold(e.CustomerTenantID, customer) || (mid != "" && !strings.EqualFold(e.NewCommerceMigrationID, mid)) ||
			(cur != "" && !strings.EqualFold(e.CurrentSubscriptionID, cur)) {
			continue
		}
		out = append(out, map[string]any{"id": e.ID, "newCommerceMigrationId": e.NewCommerceMigrationID, "currentSubscriptionId": e.CurrentSubscriptionID,
			"customerTenantId": e.CustomerTenantID, "eventName": e.EventName, "createdTime": e.CreatedTime.UTC().Format(time.RFC3339Nano)})
	}
	s.json(w, http.StatusOK, out)
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
