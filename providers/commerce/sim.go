package commerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// simDefaultOrder is how long a simulated order takes when the world does not say (commerce.order).
const simDefaultOrder = 2 * time.Second

type simOrder struct {
	SimOrder
	placed  time.Time
	outcome string // "fail" from a fault
}

// Simulator serves the APS order manager and subscription list from memory. Orders complete
// commerce.order after they are placed: a completed SALES order creates the subscription of its
// plan (and one per add-on of its transaction_info_object), a CHANGE switches the subscription's
// plan, a CANCELLATION terminates it.
type Simulator struct {
	env      *simkit.Env
	mu       sync.Mutex
	accounts []SimAccount
	plans    map[string]SimPlan
	orders   []*simOrder
	nextID   int
}

// NewSandboxSimulator builds the simulator of a world section (empty: an empty world).
func NewSandboxSimulator(section json.RawMessage, env *simkit.Env) (simkit.Simulator, error) {
	var w SimWorld
	if len(bytes.TrimSpace(section)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(section))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&w); err != nil {
			return nil, fmt.Errorf("commerce: %w", err)
		}
	}
	for i, a := range w.Accounts {
		if a.ID == "" {
			return nil, fmt.Errorf("commerce.accounts[%d]: id is required", i)
		}
	}
	s := &Simulator{env: env, accounts: w.Accounts, plans: w.Plans, nextID: 1}
	for _, o := range w.Orders {
		s.orders = append(s.orders, &simOrder{SimOrder: o, placed: env.Now()})
		s.nextID++
	}
	return s, nil
}

// Snapshot returns the current world section.
func (s *Simulator) Snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress()
	w := SimWorld{Plans: s.plans, Orders: []SimOrder{}}
	for _, a := range s.accounts {
		a.Subscriptions = append([]SimSubscription(nil), a.Subscriptions...)
		w.Accounts = append(w.Accounts, a)
	}
	for _, o := range s.orders {
		w.Orders = append(w.Orders, o.SimOrder)
	}
	return w
}

// Progress completes the orders whose time has come (simkit.Progresser): the sandbox calls it before
// it snapshots the world, so that what the orders did to Connect and Partner Center shows there too.
func (s *Simulator) Progress() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.progress()
}

// progress completes the orders whose time has come (s.mu held).
func (s *Simulator) progress() {
	now := s.env.Now()
	d := s.env.Duration(DurationOrder, simDefaultOrder)
	for _, o := range s.orders {
		if o.ended() || now.Before(o.placed.Add(d)) {
			continue
		}
		if o.outcome != "" {
			o.Status, o.ProvisioningStatus, o.Details = simStatusFailed, simStatusFailed, "the order failed (injected fault)"
			continue
		}
		if err := s.fulfil(o); err != "" {
			o.Status, o.ProvisioningStatus, o.Details = simStatusFailed, simStatusFailed, err
			continue
		}
		o.Status, o.ProvisioningStatus = simStatusCompleted, simStatusCompleted
	}
}

func (s *Simulator) account(id string) *SimAccount {
	for i := range s.accounts {
		if s.accounts[i].ID == id {
			return &s.accounts[i]
		}
	}
	return nil
}

func (a *SimAccount) subscription(id string) *SimSubscription {
	for i := range a.Subscriptions {
		if a.Subscriptions[i].ID == id {
			return &a.Subscriptions[i]
		}
	}
	return nil
}

// fulfil applies a completed order; a non-empty answer is why it fails. Through the sandbox's link
// (simkit.Link) it is fulfilled as Connect's processor would: a migration order migrates the legacy
// subscription with Microsoft and becomes a Connect purchase (or change) request and asset with the
// same transaction_id; an adoption order is checked against the Microsoft subscription; a
// cancellation terminates the Connect asset. A world without those systems is left alone.
func (s *Simulator) fulfil(o *simOrder) string {
	a := s.account(o.AccountID)
	if a == nil {
		return "account " + o.AccountID + " does not exist"
	}
	line := &o.Products[0]
	tx := o.param(simParamTransactionID)
	domain := o.param(simParamMicrosoftDomain)
	switch o.Type {
	case simOrderSales:
		params := []SimParameter{{Key: simParamTransactionID, Value: tx}}
		sub := SimSubscription{ID: s.newID("sub"), PlanID: line.PlanID, Status: simSubscriptionActive, Parameters: params}
		var addons []SimSubscription
		if m := o.migration(); m != nil {
			if why := s.checkAdoption(m); why != "" {
				return why
			}
			sub.VendorSubscriptionID = m.SubscriptionID
			s.connectFulfil(simkit.LinkFulfilment{Type: "purchase", TransactionID: tx, CustomerID: m.MSCustomerID, MicrosoftDomain: domain, SubscriptionID: m.SubscriptionID})
		} else if t := o.transaction(); t != nil {
			migrated, linked, why := s.migrate(t, tx)
			if why != "" {
				return why
			}
			addonPlans := o.addonPlans()
			for i, ad := range t.Addons {
				plan := line.PlanID + "-addon"
				if i < len(addonPlans) {
					plan = addonPlans[i]
				}
				as := SimSubscription{ID: s.newID("sub"), PlanID: plan, Status: simSubscriptionActive,
					Parameters: []SimParameter{{Key: simParamTransactionID, Value: tx}}}
				if linked {
					as.VendorSubscriptionID = migrated.AddOns[strings.ToLower(ad.SubscriptionID)]
				}
				addons = append(addons, as)
			}
			if linked {
				sub.VendorSubscriptionID = migrated.SubscriptionID
				for _, id := range append([]string{migrated.SubscriptionID}, mapsValues(migrated.AddOns, t.Addons)...) {
					s.connectFulfil(simkit.LinkFulfilment{Type: "purchase", TransactionID: tx, CustomerID: t.MSCustomerID, MicrosoftDomain: domain, SubscriptionID: id})
				}
			}
		}
		a.Subscriptions = append(a.Subscriptions, sub)
		a.Subscriptions = append(a.Subscriptions, addons...)
		line.SubscriptionID = sub.ID
	case simOrderChange:
		sub := a.subscription(line.SubscriptionID)
		if sub == nil || sub.Status != simSubscriptionActive {
			return "subscription " + line.SubscriptionID + " is not active"
		}
		if t := o.transaction(); t != nil {
			migrated, linked, why := s.migrate(t, tx)
			if why != "" {
				return why
			}
			if linked {
				old := sub.VendorSubscriptionID
				sub.VendorSubscriptionID = migrated.SubscriptionID
				sub.Parameters = setParam(sub.Parameters, simParamTransactionID, tx)
				s.connectFulfil(simkit.LinkFulfilment{Type: "change", TransactionID: tx, CustomerID: t.MSCustomerID, MicrosoftDomain: domain,
					SubscriptionID: migrated.SubscriptionID, Replaces: old})
			}
		}
		sub.PlanID = line.PlanID
	case simOrderCancellation:
		sub := a.subscription(line.SubscriptionID)
		if sub == nil {
			return "subscription " + line.SubscriptionID + " does not exist"
		}
		sub.Status = simSubscriptionTerminated
		if c := s.env.Link.Connect(); c != nil && sub.VendorSubscriptionID != "" {
			_ = c.Terminate(sub.VendorSubscriptionID, tx)
		}
	}
	return ""
}

// migrate asks Microsoft, through the link, for the migration a transaction_info_object describes.
// linked is false when the sandbox has no Microsoft side for the customer (the order completes
// unlinked); a non-empty why fails the order with Microsoft's reason.
func (s *Simulator) migrate(t *simTransactionInfo, tx string) (migrated simkit.LinkMigrated, linked bool, why string) {
	ms := s.env.Link.Microsoft()
	if ms == nil {
		return migrated, false, ""
	}
	req := simkit.LinkMigration{CustomerID: t.MSCustomerID, SubscriptionID: t.SubscriptionID, Reference: tx}
	if t.PurchaseFullTerm != nil {
		req.PurchaseFullTerm = *t.PurchaseFullTerm
	}
	for _, a := range t.Addons {
		req.AddOns = append(req.AddOns, simkit.LinkAddOn{SubscriptionID: a.SubscriptionID, TermDuration: a.TermDuration,
			BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm})
	}
	migrated, err := ms.Migrate(req)
	if errors.Is(err, simkit.ErrNotInWorld) {
		return migrated, false, ""
	}
	if err != nil {
		return migrated, false, "Microsoft refused the migration: " + err.Error()
	}
	return migrated, true, ""
}

// checkAdoption is the processor's check of an import order against the Microsoft subscription:
// it exists, is active, and was placed by the order csp_order_id names.
func (s *Simulator) checkAdoption(m *simMigrationInfo) string {
	ms := s.env.Link.Microsoft()
	if ms == nil {
		return ""
	}
	sub, err := ms.Subscription(m.MSCustomerID, m.SubscriptionID)
	switch {
	case errors.Is(err, simkit.ErrNotInWorld):
		return ""
	case err != nil:
		return "Migration validation requirements not met: " + err.Error()
	case !strings.EqualFold(sub.Status, "active"):
		return "Migration validation requirements not met: Microsoft subscription " + sub.ID + " is " + sub.Status
	case m.CSPOrderID != "" && !strings.EqualFold(sub.OrderID, m.CSPOrderID):
		return "Migration validation requirements not met: Microsoft subscription " + sub.ID + " belongs to order " + sub.OrderID + ", not csp_order_id " + m.CSPOrderID
	}
	return ""
}

// connectFulfil records a fulfilled order in Connect, when the sandbox has Connect.
func (s *Simulator) connectFulfil(f simkit.LinkFulfilment) {
	if c := s.env.Link.Connect(); c != nil && f.SubscriptionID != "" {
		_, _ = c.Fulfil(f)
	}
}

// mapsValues returns the new subscriptions of the add-ons, in the order of addons.
func mapsValues(m map[string]string, addons []simAddon) []string {
	var out []string
	for _, a := range addons {
		if id := m[strings.ToLower(a.SubscriptionID)]; id != "" {
			out = append(out, id)
		}
	}
	return out
}

func (s *Simulator) newID(kind string) string {
	s.nextID++
	if kind == "sub" {
		return strconv.Itoa(2000000 + s.nextID)
	}
	return strconv.Itoa(5000000 + s.nextID)
}

// Handler serves the order manager and the subscription list under /aps/2/services.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+simPathOrders, s.guard(OpListOrders, func(w http.ResponseWriter, r *http.Request) {
		account := rqlEqValue(r.URL.RawQuery, "accountId")
		out := []SimOrder{}
		for _, o := range s.orders {
			if (account == "" || o.AccountID == account) && s.env.Listed(o.placed) {
				out = append(out, o.SimOrder)
			}
		}
		writePage(w, r, out)
	}))
	mux.HandleFunc("GET "+simPathOrders+"/{id}", s.guard(OpGetOrder, func(w http.ResponseWriter, r *http.Request) {
		for _, o := range s.orders {
			if o.OrderID == r.PathValue("id") {
				writeJSON(w, http.StatusOK, o.SimOrder)
				return
			}
		}
		apsError(w, http.StatusNotFound, "order "+r.PathValue("id")+" not found")
	}))
	mux.HandleFunc("GET "+simPathSubscriptions, s.guard(OpListSubscriptions, func(w http.ResponseWriter, r *http.Request) {
		out := []SimSubscription{}
		if ids := rqlInValues(r.URL.RawQuery, "vendorSubscriptionId"); ids != nil {
			for _, a := range s.accounts {
				for _, sub := range a.Subscriptions {
					if sub.VendorSubscriptionID != "" && ids[strings.ToLower(sub.VendorSubscriptionID)] {
						sub.AccountID = a.ID
						out = append(out, sub)
					}
				}
			}
			writePage(w, r, out)
			return
		}
		if a := s.account(rqlEqValue(r.URL.RawQuery, "accountId")); a != nil {
			for _, sub := range a.Subscriptions {
				sub.AccountID = a.ID
				out = append(out, sub)
			}
		}
		writePage(w, r, out)
	}))
	mux.HandleFunc("POST "+simPathOrders, func(w http.ResponseWriter, r *http.Request) {
		s.env.Stats.Inc(OpCreateOrder)
		s.env.Delay(r.Context())
		var o SimOrder
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&o); err != nil {
			apsError(w, http.StatusBadRequest, "the order could not be read: "+err.Error())
			return
		}
		keys := []string{o.AccountID, o.subscription()}
		if t := o.transaction(); t != nil {
			keys = append(keys, t.SubscriptionID)
		}
		fault, faulty := s.env.Faults.Take(OpCreateOrder, keys...)
		if faulty && !fault.LostResponse {
			s.fault(w, fault)
			return
		}
		s.mu.Lock()
		s.progress()
		msg := s.check(&o)
		if msg != "" {
			s.mu.Unlock()
			apsError(w, http.StatusBadRequest, msg)
			return
		}
		o.OrderID, o.Status, o.ProvisioningStatus = s.newID("order"), simStatusProcessing, simStatusProvisioning
		o.OrderNumber = fmt.Sprintf("SO%06d", len(s.orders)+1)
		o.CreationTime = s.env.Now().UTC().Format(time.RFC3339)
		s.orders = append(s.orders, &simOrder{SimOrder: o, placed: s.env.Now(), outcome: s.env.Faults.TakeOutcome(OpCreateOrder, keys...)})
		s.mu.Unlock()
		if faulty {
			if fault.Status == 0 && simkit.DropConnection(w) {
				return
			}
			s.fault(w, fault)
			return
		}
		writeJSON(w, http.StatusCreated, simCreatedOrder{OrderID: o.OrderID})
	})
	mux.HandleFunc("POST "+simPathOrders+"/estimate", func(w http.ResponseWriter, r *http.Request) {
		s.env.Stats.Inc(OpEstimateOrder)
		s.env.Delay(r.Context())
		var o SimOrder
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&o); err != nil {
			apsError(w, http.StatusBadRequest, "the order could not be read: "+err.Error())
			return
		}
		if f, ok := s.env.Faults.Take(OpEstimateOrder, o.AccountID, o.subscription()); ok {
			s.fault(w, f)
			return
		}
		s.mu.Lock()
		s.progress()
		msg := s.check(&o)
		s.mu.Unlock()
		if msg != "" {
			apsError(w, http.StatusBadRequest, msg)
			return
		}
		writeJSON(w, http.StatusOK, simEstimate{Type: o.Type, AccountID: o.AccountID, Products: o.Products, Total: simPrice{Currency: "USD", Amount: "0.00"}})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apsError(w, http.StatusNotFound, r.Method+" "+r.URL.Path+" is not served by the Commerce simulator")
	})
	return mux
}

// check validates a new order (s.mu held).
func (s *Simulator) check(o *SimOrder) string {
	switch o.Type {
	case simOrderSales, simOrderChange, simOrderCancellation:
	default:
		return fmt.Sprintf("type %q is not SALES, CHANGE or CANCELLATION", o.Type)
	}
	a := s.account(o.AccountID)
	if a == nil {
		return "account " + o.AccountID + " does not exist"
	}
	if len(o.Products) == 0 {
		return "products is empty"
	}
	line := o.Products[0]
	if o.Type != simOrderCancellation {
		if line.PlanID == "" {
			return "products[0].planId is required"
		}
		for _, l := range o.Products {
			if _, ok := s.plans[l.PlanID]; len(s.plans) > 0 && l.PlanID != "" && !ok {
				return "plan " + l.PlanID + " does not exist"
			}
		}
	}
	if o.Type != simOrderSales {
		sub := a.subscription(line.SubscriptionID)
		if sub == nil {
			return "subscription " + line.SubscriptionID + " does not exist in account " + a.ID
		}
		if sub.Status != simSubscriptionActive {
			return "subscription " + sub.ID + " is " + sub.Status
		}
	}
	return ""
}

// guard counts a read, applies faults and latency, and completes due orders before answering.
func (s *Simulator) guard(op string, fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.env.Stats.Inc(op)
		s.env.Delay(r.Context())
		if f, ok := s.env.Faults.Take(op, rqlEqValue(r.URL.RawQuery, "accountId"), r.PathValue("id")); ok {
			s.fault(w, f)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.progress()
		fn(w, r)
	}
}

func (s *Simulator) fault(w http.ResponseWriter, f simkit.Fault) {
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if status == http.StatusTooManyRequests {
		simkit.SetRetryAfter(w, max(time.Duration(f.RetryAfter), time.Second))
	}
	apsError(w, status, http.StatusText(status)+" (injected fault)")
}

// rqlEqValue reads eq(field,value) from an RQL query.
func rqlEqValue(raw, field string) string {
	q := raw
	if u, err := unescape(raw); err == nil {
		q = u
	}
	for _, term := range strings.Split(q, "&") {
		if strings.HasPrefix(term, "eq("+field+",") && strings.HasSuffix(term, ")") {
			return strings.TrimSuffix(strings.TrimPrefix(term, "eq("+field+","), ")")
		}
	}
	return ""
}

// rqlInValues reads in(field,(a,b,…)) from an RQL query as a set of lower-case values (nil: absent).
func rqlInValues(raw, field string) map[string]bool {
	q, err := url.QueryUnescape(raw)
	if err != nil {
		q = raw
	}
	prefix := "in(" + field + ",("
	i := strings.Index(q, prefix)
	if i < 0 {
		return nil
	}
	rest := q[i+len(prefix):]
	end := strings.Index(rest, "))")
	if end < 0 {
		return nil
	}
	out := map[string]bool{}
	for _, v := range strings.Split(rest[:end], ",") {
		out[strings.ToLower(v)] = true
	}
	return out
}

func apsError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, simAPSError{Code: status, Type: "APSException", Message: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writePage answers a collection as the APS controller does: the slice the query's RQL
// limit(offset,count) asks for (everything without one), with "Content-Range: items a-b/total".
func writePage[T any](w http.ResponseWriter, r *http.Request, rows []T) {
	from, count := 0, len(rows)
	if o, c, ok := rqlLimit(r.URL.RawQuery); ok {
		from, count = min(o, len(rows)), c
	}
	page := rows[from:min(from+count, len(rows))]
	if len(page) == 0 {
		w.Header().Set("Content-Range", "items 0-0/"+strconv.Itoa(len(rows)))
	} else {
		w.Header().Set("Content-Range", fmt.Sprintf("items %d-%d/%d", from, from+len(page)-1, len(rows)))
	}
	writeJSON(w, http.StatusOK, page)
}

// rqlLimit reads limit(offset,count) (or limit(count)) from an RQL query.
func rqlLimit(raw string) (offset, count int, ok bool) {
	q, err := unescape(raw)
	if err != nil {
		q = raw
	}
	for _, term := range strings.FieldsFunc(q, func(r rune) bool { return r == '&' }) {
		args, found := strings.CutPrefix(term, "limit(")
		if !found || !strings.HasSuffix(args, ")") {
			continue
		}
		parts := strings.Split(strings.TrimSuffix(args, ")"), ",")
		nums := make([]int, 0, 2)
		for _, p := range parts {
			n, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || n < 0 {
				return 0, 0, false
			}
			nums = append(nums, n)
		}
		switch len(nums) {
		case 1:
			return 0, nums[0], true
		case 2:
			return nums[0], nums[1], true
		}
	}
	return 0, 0, false
}

func unescape(s string) (string, error) { return url.QueryUnescape(s) }

// setParam sets (or adds) a plain parameter of a subscription.
func setParam(ps []SimParameter, key, value string) []SimParameter {
	ps = append([]SimParameter(nil), ps...)
	for i := range ps {
		if ps[i].Key == key {
			ps[i].Value = value
			return ps
		}
	}
	return append(ps, SimParameter{Key: key, Value: value})
}
