package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// A stand-in of CloudBlue Commerce's APS REST order manager, written from CloudBlue's documents only,
// never from ferry's code (its types are its own):
//   - the APS SDK "Manage Orders" guide and the OrderManagement APS type: placeOrder
//     POST /aps/2/services/order-manager/orders with "type" SALES | CHANGE | CANCELLATION, answered
//     {"orderId": "<APS UUID>"}; estimateOrder POST …/orders/estimate (same body); orderInfo
//     GET …/orders/{orderId} and the order list GET …/orders (RQL on the query string, as every APS
//     collection takes it);
//   - CloudBlue's own migration tool (aps1toconnect), which waits on an order's provisioningStatus
//     (COMPLETED) after placing it: the stand-in's orders carry provisioningStatus and no status;
//   - the NCE migration guide's ordering parameters (transaction_info_object, microsoft_domain,
//     transaction_id), checked on every SALES order;
//   - APS errors {code, type, message}; the APS-Token header on every request.
//
// Inferred (not publicly documented, so served as ferry's docs say): the subscription list
// …/subscription-manager/subscriptions with eq(accountId,…) and in(vendorSubscriptionId,(…)), and the
// echo of the order's products[].parameters in the order list.
//
// Collections (the order and subscription lists) are paged as every APS collection is: RQL
// limit(offset,count), answered with Content-Range; the stand-in cuts each page to two rows.
//
// Scripted faults: a gateway's HTML 503 on a read, a 429 with Retry-After whose early retries are
// refused and recorded as violations.

// ccSubscription is a Commerce subscription as the stand-in serves it.
type ccSubscription struct {
	ID                   string `json:"id"`
	AccountID            string `json:"accountId"`
	PlanID               string `json:"planId"`
	Status               string `json:"status"`
	VendorSubscriptionID string `json:"vendorSubscriptionId,omitempty"`
}

// ccParam is an ordering parameter of an order line.
type ccParam struct {
	Key             string          `json:"key"`
	Value           string          `json:"value,omitempty"`
	StructuredValue json.RawMessage `json:"structured_value,omitempty"`
}

// ccLine is one products[] line of an order.
type ccLine struct {
	PlanID         string    `json:"planId,omitempty"`
	SubscriptionID string    `json:"subscriptionId,omitempty"`
	Parameters     []ccParam `json:"parameters,omitempty"`
	Period         any       `json:"period,omitempty"`
	Resources      any       `json:"resources,omitempty"`
}

// ccOrder is an order: what placeOrder took, plus what orderInfo answers.
type ccOrder struct {
	OrderID            string   `json:"orderId"`
	OrderNumber        string   `json:"orderNumber"`
	Type               string   `json:"type"`
	AccountID          string   `json:"accountId"`
	ProvisioningStatus string   `json:"provisioningStatus"`
	Products           []ccLine `json:"products"`

	placed time.Time
}

type commerceStandin struct {
	mu    sync.Mutex
	token string
	subs  []*ccSubscription
	// orders complete provisioning this long after they are placed.
	takes  time.Duration
	orders []*ccOrder
	seq    int

	htmlOn    map[string]bool
	throttle  map[string]bool
	throttled map[string]time.Time

	calls      map[string]int
	sales      map[string]int // SALES orders placed per transaction_id
	cancels    map[string]int // CANCELLATION orders placed per subscription
	violations []string
}

func newCommerceStandin(token string) *commerceStandin {
	return &commerceStandin{token: token, takes: 300 * time.Millisecond, htmlOn: map[string]bool{}, throttle: map[string]bool{},
		throttled: map[string]time.Time{}, calls: map[string]int{}, sales: map[string]int{}, cancels: map[string]int{}}
}

func (s *commerceStandin) violate(format string, args ...any) {
	s.violations = append(s.violations, fmt.Sprintf(format, args...))
}

func (s *commerceStandin) apsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": status, "type": typ, "message": msg})
}

func (s *commerceStandin) reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// progress completes the orders whose time has come and applies their effect.
func (s *commerceStandin) progress() {
	for _, o := range s.orders {
		if o.ProvisioningStatus != "PROVISIONING" || time.Since(o.placed) < s.takes {
			continue
		}
		o.ProvisioningStatus = "COMPLETED"
		switch o.Type {
		case "SALES":
			for i := range o.Products {
				s.seq++
				sub := &ccSubscription{ID: fmt.Sprint(1000200 + s.seq), AccountID: o.AccountID, PlanID: o.Products[i].PlanID, Status: "ACTIVE"}
				s.subs = append(s.subs, sub)
				o.Products[i].SubscriptionID = sub.ID
			}
		case "CANCELLATION":
			for _, l := range o.Products {
				for _, sub := range s.subs {
					if sub.ID == l.SubscriptionID {
						sub.Status = "TERMINATED"
					}
				}
			}
		}
	}
}

func (s *commerceStandin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("APS-Token") != s.token {
		s.apsError(w, http.StatusUnauthorized, "Unauthorized", "APS token is missing or invalid.")
		return
	}
	path, ok := strings.CutPrefix(r.URL.Path, "/aps/2/services/")
	if !ok {
		s.apsError(w, http.StatusNotFound, "NotFound", "Not found.")
		return
	}
	s.progress()
	key := r.Method + " " + path
	if strings.HasPrefix(path, "order-manager/orders/") && path != "order-manager/orders/estimate" {
		key = r.Method + " order-manager/orders/{id}"
	}
	s.calls[key]++
	if r.Method == http.MethodGet {
		if s.htmlOn[path] {
			delete(s.htmlOn, path)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, "<html><body><h1>503 Service Unavailable</h1>The APS controller is restarting.</body></html>")
			return
		}
		if until, ok := s.throttled[path]; ok && time.Now().Before(until) {
			s.violate("GET %s retried %s before the Retry-After it was given", path, time.Until(until).Round(time.Millisecond))
			w.Header().Set("Retry-After", "1")
			s.apsError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
			return
		}
		if s.throttle[path] {
			delete(s.throttle, path)
			s.throttled[path] = time.Now().Add(time.Second)
			w.Header().Set("Retry-After", "1")
			s.apsError(w, http.StatusTooManyRequests, "TooManyRequests", "Too many requests.")
			return
		}
	}
	q, _ := url.QueryUnescape(r.URL.RawQuery)
	switch {
	case r.Method == http.MethodGet && path == "subscription-manager/subscriptions":
		out := []*ccSubscription{}
		for _, sub := range s.subs {
			if ccMatch(q, map[string]string{"accountId": sub.AccountID, "vendorSubscriptionId": sub.VendorSubscriptionID}) {
				out = append(out, sub)
			}
		}
		ccPage(w, q, out)
	case r.Method == http.MethodGet && path == "order-manager/orders":
		out := []*ccOrder{}
		for _, o := range s.orders {
			if ccMatch(q, map[string]string{"accountId": o.AccountID, "type": o.Type}) {
				out = append(out, o)
			}
		}
		ccPage(w, q, out)
	case r.Method == http.MethodGet && strings.HasPrefix(path, "order-manager/orders/"):
		id := strings.TrimPrefix(path, "order-manager/orders/")
		for _, o := range s.orders {
			if o.OrderID == id {
				s.reply(w, http.StatusOK, o)
				return
			}
		}
		s.apsError(w, http.StatusNotFound, "NotFound", "Order "+id+" is not found.")
	case r.Method == http.MethodPost && (path == "order-manager/orders" || path == "order-manager/orders/estimate"):
		o, msg := s.readOrder(r)
		if msg != "" {
			s.apsError(w, http.StatusBadRequest, "ValidationError", msg)
			return
		}
		if path == "order-manager/orders/estimate" {
			s.reply(w, http.StatusOK, map[string]any{"currency": "USD", "total": map[string]any{"value": 0}})
			return
		}
		s.seq++
		o.OrderID = fmt.Sprintf("f0817852-282c-4047-a4d3-%012d", s.seq)
		o.OrderNumber = fmt.Sprintf("SO%06d", s.seq)
		o.ProvisioningStatus, o.placed = "PROVISIONING", time.Now()
		s.orders = append(s.orders, o)
		// The guide shows the answer body only; the first order is answered 201, later ones 200.
		status := http.StatusOK
		if s.seq == 1 {
			status = http.StatusCreated
		}
		s.reply(w, status, map[string]string{"orderId": o.OrderID})
	default:
		s.apsError(w, http.StatusNotFound, "NotFound", "Not found.")
	}
}

// readOrder reads and checks a placeOrder body; the message says why it is refused.
func (s *commerceStandin) readOrder(r *http.Request) (*ccOrder, string) {
	var o ccOrder
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20)).Decode(&o); err != nil {
		return nil, "The request body is not valid JSON."
	}
	if o.AccountID == "" || len(o.Products) == 0 {
		return nil, "accountId and products are required."
	}
	switch o.Type {
	case "SALES":
		for _, l := range o.Products {
			if l.PlanID == "" {
				return nil, "Every product of a sales order names its planId."
			}
		}
		var tx, domain string
		var info struct {
			TransactionType string `json:"transaction_type"`
			MSCustomerID    string `json:"ms_customer_id"`
			SubscriptionID  string `json:"subscription_id"`
		}
		for _, p := range o.Products[0].Parameters {
			switch p.Key {
			case "transaction_id":
				tx = p.Value
			case "microsoft_domain":
				domain = p.Value
			case "transaction_info_object":
				if err := json.Unmarshal(p.StructuredValue, &info); err != nil {
					return nil, "transaction_info_object is not a JSON object."
				}
			}
		}
		placing := strings.HasSuffix(r.URL.Path, "/orders")
		// transaction_id identifies a placed transaction; an estimate places nothing.
		if info.TransactionType != "NCEmigration" || info.MSCustomerID == "" || info.SubscriptionID == "" || (placing && tx == "") ||
			!strings.HasSuffix(domain, ".onmicrosoft.com") {
			s.violate("SALES order without the migration guide's ordering parameters: %+v tx=%q domain=%q", info, tx, domain)
			return nil, "The ordering parameters of an NCE migration are missing."
		}
		if placing {
			s.sales[tx]++
		}
	case "CANCELLATION":
		sub := o.Products[0].SubscriptionID
		var found *ccSubscription
		for _, c := range s.subs {
			if c.ID == sub && c.AccountID == o.AccountID {
				found = c
			}
		}
		if found == nil || found.Status != "ACTIVE" {
			return nil, "Subscription " + sub + " cannot be cancelled."
		}
		if strings.HasSuffix(r.URL.Path, "/orders") {
			s.cancels[sub]++
		}
	case "CHANGE":
	default:
		return nil, "Unknown order type " + o.Type + "."
	}
	return &o, ""
}

// ccPage answers one page of a collection as the APS controller does: RQL limit(offset,count)
// picks the slice, cut to two rows (a server may send fewer than asked), and "Content-Range:
// items a-b/total" says which.
func ccPage[T any](w http.ResponseWriter, q string, rows []T) {
	from, count := 0, len(rows)
	for _, term := range strings.Split(q, "&") {
		if args, ok := strings.CutPrefix(term, "limit("); ok {
			if _, err := fmt.Sscanf(args, "%d,%d)", &from, &count); err != nil {
				from, count = 0, len(rows)
			}
		}
	}
	from = min(max(from, 0), len(rows))
	page := rows[from:min(from+min(count, 2), len(rows))]
	if len(page) == 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("items 0-0/%d", len(rows)))
	} else {
		w.Header().Set("Content-Range", fmt.Sprintf("items %d-%d/%d", from, from+len(page)-1, len(rows)))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(page)
}

// ccMatch applies eq(field,value) and in(field,(a,b)) terms joined by & (other terms are ignored).
func ccMatch(q string, fields map[string]string) bool {
	for _, term := range strings.Split(q, "&") {
		op, rest, ok := strings.Cut(term, "(")
		if !ok || !strings.HasSuffix(rest, ")") {
			continue
		}
		f, arg, ok := strings.Cut(rest[:len(rest)-1], ",")
		got, known := fields[f]
		if !ok || !known {
			continue
		}
		switch op {
		case "eq":
			if got != arg {
				return false
			}
		case "in":
			hit := false
			for _, v := range strings.Split(strings.Trim(arg, "()"), ",") {
				hit = hit || v == got
			}
			if !hit {
				return false
			}
		}
	}
	return true
}
