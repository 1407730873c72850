// Package commerce is ferry's CloudBlue Commerce provider: subscriptions with via = "commerce" are
// migrated to New Commerce through APS order-manager orders that carry the Connect ordering
// parameters, which Connect then fulfils with Microsoft. It holds a client of the APS REST API
// (client.go, with the order body in api.go), the resource logic (Read, Plan, Do, Reconcile, the
// batched Status of the watcher) and a simulator of the API (sim.go).
package commerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/state"
)

// Name is the provider's name in specs (via = "commerce") and sandbox URLs.
const Name = "commerce"

// EnvToken holds the APS token sent as the APS-Token header.
const EnvToken = "FERRY_COMMERCE_APS_TOKEN"

// Operations the simulator counts in /_sandbox/stats.
const (
	OpCreateOrder       = "commerce.CreateOrder"
	OpGetOrder          = "commerce.GetOrder"
	OpListOrders        = "commerce.ListOrders"
	OpListSubscriptions = "commerce.ListSubscriptions"
	OpEstimateOrder     = "commerce.EstimateOrder"
)

// DurationOrder is the simulated time an order takes to complete.
const DurationOrder = "commerce.order"

// Operations returns the simulator's operation names.
func Operations() []string {
	return []string{OpCreateOrder, OpGetOrder, OpListOrders, OpListSubscriptions, OpEstimateOrder}
}

// Durations returns the duration kinds of the simulator.
func Durations() []string { return []string{DurationOrder} }

// SettingsSchema is the provider block: endpoint, the APS REST root.
func SettingsSchema() []providers.Setting {
	return []providers.Setting{
		{Name: "endpoint", Type: cty.String, Check: providers.CheckURL, Doc: "the APS REST root (required)"},
		{Name: "om_workload", Type: cty.Number, Check: checkWorkload, Doc: "order-management calls in flight at once (1–64, default 4)"},
		{Name: "poll_interval", Type: cty.String, Check: providers.CheckDuration, Doc: "first wait between order reads; default 15s, backing off to four times it (60s)"},
		providers.SettleSetting(),
	}
}

// DefaultOMWorkload is how many order-management calls ferry has in flight at once by default.
const DefaultOMWorkload = 4

func checkWorkload(v cty.Value) string {
	f := v.AsBigFloat()
	if !f.IsInt() {
		return fmt.Sprintf("%s is not a whole number; want 1 to 64 order-management calls in flight (default 4).", f.Text('g', -1))
	}
	if n, _ := f.Int64(); n < 1 || n > 64 {
		return fmt.Sprintf("%d is out of range; want 1 to 64 order-management calls in flight (default 4).", n)
	}
	return ""
}

// Order timeouts (DESIGN §5).
const (
	DefaultOrderTimeout = 10 * time.Minute
	MinOrderTimeout     = time.Minute
	MaxOrderTimeout     = 24 * time.Hour
)

// Step names.
const (
	StepOrder       = "order"
	StepAwaitOrder  = "await_order"
	StepCancel      = "cancel"
	StepAwaitCancel = "await_cancel"
	StepChange      = "change"
	StepAwaitChange = "await_change"
)

// Modes of the commerce block.
const (
	ModeNewSubscription = "new_subscription"
	ModeSwitchPlan      = "switch_plan"
)

// idName is the remote ID under which a step's order is recorded.
func idName(step string) string {
	switch strings.TrimPrefix(step, "await_") {
	case StepCancel:
		return "cancel_order_id"
	case StepChange:
		return "change_order_id"
	}
	return "order_id"
}

// Provider migrates subscriptions through Commerce orders.
type Provider struct {
	client      *Client
	first, max  time.Duration
	readWorkers int
	// Microsoft reads the Microsoft side of an adoption (an import block on a via = "commerce"
	// subscription). Open leaves it unavailable; the provider table sets it to a Partner Center reader.
	Microsoft Microsoft
	// settle is how long a new order may be missing from the account's order list (Settle).
	settle time.Duration
	// timeScale divides order timeouts: the sandbox's time factor (1 outside the sandbox), so that a
	// timeout means the same simulated time as the order durations it bounds.
	timeScale float64
}

// Open builds the provider: against the sandbox when env.Sandbox is set, else against endpoint with
// the token of FERRY_COMMERCE_APS_TOKEN.
func Open(_ context.Context, cfg providers.Config, env providers.Env) (*Provider, error) {
	base := cfg.String("endpoint", "")
	token := ""
	if env.Getenv != nil {
		token = env.Getenv(EnvToken)
	}
	p := &Provider{first: 15 * time.Second, max: 60 * time.Second, readWorkers: 4, timeScale: 1,
		Microsoft: Unavailable(errors.New("no Partner Center reader is configured"))}
	poll, err := cfg.Duration("poll_interval", p.first)
	if err != nil {
		return nil, err
	}
	if poll <= 0 {
		return nil, fmt.Errorf("poll_interval must be positive, not %s", poll)
	}
	p.first, p.max = poll, 4*poll
	if p.settle, err = providers.SettleOf(cfg, env); err != nil {
		return nil, err
	}
	if env.Sandbox != nil {
		base = env.Sandbox.Base(Name)
		if token == "" {
			token = "sandbox"
		}
		d := env.Sandbox.Behaviour.DurationOf(DurationOrder, simDefaultOrder)
		if f := env.Sandbox.Behaviour.Factor(); f > 1 {
			d = time.Duration(float64(d) / f)
			p.timeScale = f
		}
		p.first, p.max = clamp(d/10, 10*time.Millisecond, 5*time.Second), clamp(d/4, 20*time.Millisecond, 30*time.Second)
	}
	if base == "" {
		return nil, errors.New(`endpoint is required in provider "commerce" { endpoint = … }: the APS REST root of your CloudBlue Commerce, e.g. https://commerce.example.com`)
	}
	if token == "" {
		return nil, fmt.Errorf("%s is not set; it holds the APS token sent as the APS-Token header", EnvToken)
	}
	var hc *http.Client
	if env.HTTPClient != nil {
		hc = env.HTTPClient
	}
	p.client = NewClient(base, token, hc)
	p.client.inFlight = make(chan struct{}, cfg.Int("om_workload", DefaultOMWorkload))
	return p, nil
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// Live is what Read found for one instance.
type Live struct {
	// Source is the source Commerce subscription (nil: not in the account).
	Source *Subscription
	// Sales is the newest SALES order migrating the legacy subscription; Change the newest CHANGE
	// order of the source subscription; Cancel the newest CANCELLATION of it.
	Sales, Change, Cancel *Order
	// Linked are the Commerce subscriptions, in any account, synced with the legacy Microsoft
	// subscription.
	Linked []Subscription
	// ReadErr is set when the account could not be read.
	ReadErr error

	// Adoption (an import block): Adopt is the Microsoft subscription named by the import ID (nil:
	// Microsoft has none), AdoptErr why it could not be read, AdoptSales the newest SALES order whose
	// migration_info_object names it, and Adopted the Commerce subscriptions already synced with it.
	Adopt      *MicrosoftSubscription
	AdoptErr   error
	AdoptSales *Order
	Adopted    []Subscription

	// Addons are the Microsoft subscriptions whose parent is the legacy one, read from Partner Center
	// when the plan would place a migration order now and Partner Center can be read (AddonsErr: why
	// the read failed). Nil without a read.
	Addons    []MicrosoftSubscription
	AddonsErr error
	// Legacy is the legacy subscription itself, from the same read (nil: not read, or not found).
	Legacy *MicrosoftSubscription
	// Ineligible are Partner Center's reasons the migration is not eligible (validate, asked once the
	// add-ons and the quantity pass); EligibilityErr why it could not be asked.
	Ineligible     []string
	EligibilityErr error

	// EstimateErr is the answer of POST …/orders/estimate for the order the plan would place first
	// (nil: estimated fine, or nothing to estimate).
	EstimateErr error
}

type accountData struct {
	subs   []Subscription
	orders []Order
	err    error
}

// Read lists the subscriptions and the orders of each account once, however many instances it has.
func (p *Provider) Read(ctx context.Context, reqs []providers.ReadRequest) (map[model.Addr]providers.Live, hcl.Diagnostics) {
	accounts := map[string]*accountData{}
	var ids []string
	for _, r := range reqs {
		if c := commerceOf(r.Instance); c != nil {
			if _, ok := accounts[c.AccountID]; !ok {
				ids = append(ids, c.AccountID)
			}
			accounts[c.AccountID] = nil
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.readWorkers)
	// The goroutines write accounts while this loop runs: it ranges over ids, never over the map.
	for _, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d := &accountData{}
			d.subs, d.err = p.client.ListSubscriptions(ctx, id)
			if d.err == nil {
				d.orders, d.err = p.client.ListOrders(ctx, id)
			}
			if d.err != nil {
				d.err = fmt.Errorf("reading account %s: %w", id, d.err)
			}
			mu.Lock()
			accounts[id] = d
			mu.Unlock()
		}()
	}
	wg.Wait()
	// One query (per 100 IDs) for the Commerce subscriptions synced with the legacy ones, in any
	// account: a legacy subscription linked in two accounts cannot be migrated.
	var vendorIDs []string
	seen := map[string]bool{}
	for _, r := range reqs {
		if c := commerceOf(r.Instance); c != nil && !seen[strings.ToLower(r.Instance.Subscription.MigrateFrom)] {
			seen[strings.ToLower(r.Instance.Subscription.MigrateFrom)] = true
			vendorIDs = append(vendorIDs, r.Instance.Subscription.MigrateFrom)
		}
		if _, adopted, ok := adoptionOf(r.Instance); ok && !seen[strings.ToLower(adopted)] {
			seen[strings.ToLower(adopted)] = true
			vendorIDs = append(vendorIDs, adopted)
		}
	}
	adoptions := p.readAdoptions(ctx, reqs)
	linked := map[string][]Subscription{}
	var linkErr error
	if len(vendorIDs) > 0 {
		subs, err := p.client.SubscriptionsLinkedTo(ctx, vendorIDs)
		if err != nil {
			linkErr = fmt.Errorf("reading the Commerce subscriptions linked to the legacy ones: %w", err)
		}
		for _, s := range subs {
			k := strings.ToLower(s.VendorSubscriptionID)
			linked[k] = append(linked[k], s)
		}
	}
	out := make(map[model.Addr]providers.Live, len(reqs))
	// A read that failed is an error of the plan (exit 1), not a change the remote system blocks: the
	// instances it leaves unknown are named in one diagnostic per cause (an account, or the linked
	// subscriptions query). An instance already migrated needs no read and stays unchanged.
	unread := map[error][]providers.ReadRequest{}
	var causes []error
	for _, r := range reqs {
		c := commerceOf(r.Instance)
		if c == nil {
			continue
		}
		d := accounts[c.AccountID]
		err := d.err
		if err == nil {
			err = linkErr
		}
		if err != nil {
			out[r.Instance.Addr] = &Live{ReadErr: err}
			if r.Prior == nil || r.Prior.Status != state.StatusDone {
				if _, ok := unread[err]; !ok {
					causes = append(causes, err)
				}
				unread[err] = append(unread[err], r)
			}
			continue
		}
		l := liveOf(r.Instance.Subscription, d)
		l.Linked = linked[strings.ToLower(r.Instance.Subscription.MigrateFrom)]
		if _, adopted, ok := adoptionOf(r.Instance); ok {
			a := adoptions[r.Instance.Addr]
			l.Adopt, l.AdoptErr = a.sub, a.err
			l.Adopted = linked[strings.ToLower(adopted)]
			l.AdoptSales = adoptionOrder(d.orders, adopted)
		}
		out[r.Instance.Addr] = l
	}
	p.readAddons(ctx, reqs, out)
	p.estimate(ctx, reqs, out)
	return out, unreadDiags(causes, unread)
}

// readAddons reads from Partner Center the legacy add-ons of every migration whose plan would place
// its first order now (one list per customer, at most readWorkers at once), then asks Partner
// Center's eligibility check of each that passes ferry's checks (one validate per migration). A base migrated without
// one of its active add-ons would leave the add-on on a suspended base, where it can no longer be
// migrated; the plan refuses that, as the partnercenter provider does. Without a Partner Center
// reader (no credentials: CloudBlue partners need none to migrate through Commerce) nothing is read
// and nothing is checked.
func (p *Provider) readAddons(ctx context.Context, reqs []providers.ReadRequest, out map[model.Addr]providers.Live) {
	if _, none := p.Microsoft.(noMicrosoft); none || p.Microsoft == nil {
		return
	}
	type migration struct {
		legacy string
		live   *Live
	}
	byCustomer := map[string][]migration{}
	var customers []string
	for _, r := range reqs {
		l, _ := out[r.Instance.Addr].(*Live)
		if _, _, adopt := adoptionOf(r.Instance); adopt || l == nil || l.ReadErr != nil {
			continue
		}
		if _, placing := firstOrder(r.Instance, r.Prior, l); !placing {
			continue
		}
		s := r.Instance.Subscription
		k := strings.ToLower(s.CustomerID)
		if _, seen := byCustomer[k]; !seen {
			customers = append(customers, s.CustomerID)
		}
		byCustomer[k] = append(byCustomer[k], migration{legacy: s.MigrateFrom, live: l})
	}
	p.eachCustomersSubscriptions(ctx, customers, func(customer string, subs []MicrosoftSubscription, err error) {
		for _, m := range byCustomer[strings.ToLower(customer)] {
			if err != nil {
				m.live.AddonsErr = fmt.Errorf("reading the subscriptions of customer %s in Partner Center: %w", customer, err)
				continue
			}
			m.live.Addons = []MicrosoftSubscription{}
			for i, sub := range subs {
				if strings.EqualFold(sub.ParentID, m.legacy) {
					m.live.Addons = append(m.live.Addons, sub)
				}
				if strings.EqualFold(sub.ID, m.legacy) {
					m.live.Legacy = &subs[i]
				}
			}
		}
	})
	// Then Microsoft's eligibility check of each migration that passes ferry's own checks, as the
	// Connect processor will make it: an ineligible subscription (no New Commerce product, an active
	// promotion, …) is blocked before any order, instead of a sales order that fails — and is placed
	// again by every apply.
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.readWorkers)
	for _, r := range reqs {
		l, _ := out[r.Instance.Addr].(*Live)
		s := r.Instance.Subscription
		if l == nil || l.Legacy == nil || len(strandedAddons(s, l.Addons)) > 0 || quantityProblem(s, l.Legacy) != "" {
			continue
		}
		check := EligibilityCheck{LegacyID: l.Legacy.ID, Quantity: l.Legacy.Quantity, TermDuration: s.TermDuration, BillingCycle: s.BillingCycle,
			PurchaseFullTerm: s.PurchaseFullTerm}
		for _, a := range s.Addons {
			ea := EligibilityAddon{ID: a.MigrateFrom, TermDuration: a.TermDuration, BillingCycle: a.BillingCycle, PurchaseFullTerm: a.PurchaseFullTerm}
			for _, sub := range l.Addons {
				if strings.EqualFold(sub.ID, a.MigrateFrom) {
					ea.ID, ea.Quantity = sub.ID, sub.Quantity
				}
			}
			check.Addons = append(check.Addons, ea)
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			reasons, err := p.Microsoft.Validate(ctx, s.CustomerID, check)
			mu.Lock()
			defer mu.Unlock()
			l.Ineligible = reasons
			if err != nil {
				l.EligibilityErr = fmt.Errorf("checking the eligibility of %s in Partner Center: %w", s.MigrateFrom, err)
			}
		}()
	}
	wg.Wait()
}

// unreadDiags is one error diagnostic per read that failed, naming (as providers.Unreadable) the
// instances it leaves unread, so that the planner leaves them out and the plan exits 1.
func unreadDiags(causes []error, unread map[error][]providers.ReadRequest) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, err := range causes {
		rs := unread[err]
		addrs := make([]model.Addr, len(rs))
		for i, r := range rs {
			addrs[i] = r.Instance.Addr
		}
		subject := rs[0].Instance.DeclRange
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError,
			Summary: "Cannot read CloudBlue Commerce",
			Detail: fmt.Sprintf("%v. Its %d instance(s), %s among them, are not planned; check the endpoint and FERRY_COMMERCE_APS_TOKEN, then plan again once Commerce answers.",
				err, len(addrs), addrs[0]),
			Subject: &subject, Extra: providers.Unreadable{Addrs: addrs}})
	}
	return diags
}

// estimate asks Commerce to estimate, without placing it, the first order each instance's plan would
// place now (a sales, change or adoption order not placed yet, or failed): a refusal is known at plan
// time. One POST …/orders/estimate per such instance (the API estimates one order a call), at most
// readWorkers at once and within om_workload.
func (p *Provider) estimate(ctx context.Context, reqs []providers.ReadRequest, out map[model.Addr]providers.Live) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	sem := make(chan struct{}, p.readWorkers)
	for _, r := range reqs {
		l, _ := out[r.Instance.Addr].(*Live)
		body, ok := firstOrder(r.Instance, r.Prior, l)
		if !ok || len(strandedAddons(r.Instance.Subscription, l.Addons)) > 0 || quantityProblem(r.Instance.Subscription, l.Legacy) != "" || len(l.Ineligible) > 0 {
			continue // nothing to place, or blocked by the add-on check anyway
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := p.client.EstimateOrder(ctx, body)
			mu.Lock()
			l.EstimateErr = err
			mu.Unlock()
		}()
	}
	wg.Wait()
}

// firstOrder is the order the plan of in would place first, when it would place one now.
func firstOrder(in model.Instance, prior *state.Resource, l *Live) (Order, bool) {
	if l == nil || l.ReadErr != nil || (prior != nil && prior.Status == state.StatusDone) {
		return Order{}, false
	}
	s := in.Subscription
	c := s.Commerce
	unplaced := func(step string, have *Order) bool {
		if rec := priorStep(prior, step); rec != nil && rec.Status == state.StepIntent {
			return false // sent by an interrupted apply: reconciled, not estimated
		}
		return have == nil || have.Failed()
	}
	if _, adopted, ok := adoptionOf(in); ok {
		if l.Adopt == nil || checkAdoption(in, l.Adopt, adopted).HasErrors() || !unplaced(StepOrder, l.AdoptSales) {
			return Order{}, false
		}
		return AdoptionSalesOrder(AdoptionOrder{AccountID: c.AccountID, PlanID: c.PlanID, MSCustomerID: s.CustomerID, SubscriptionID: adopted,
			CSPOrderID: l.Adopt.OrderID, MicrosoftDomain: s.MicrosoftDomain}), true
	}
	if l.Source == nil || !strings.EqualFold(l.Source.Status, SubscriptionActive) {
		return Order{}, false // blocked by the plan anyway
	}
	if c.Mode == ModeSwitchPlan {
		return ChangeOrder(c.SourceSubscriptionID, migrationOrder(s)), unplaced(StepChange, l.Change)
	}
	return SalesOrder(migrationOrder(s)), unplaced(StepOrder, l.Sales)
}

func commerceOf(in model.Instance) *model.CommerceOptions {
	if in.Subscription == nil {
		return nil
	}
	return in.Subscription.Commerce
}

func liveOf(s *model.Subscription, d *accountData) *Live {
	c := s.Commerce
	l := &Live{}
	for i := range d.subs {
		if d.subs[i].ID == c.SourceSubscriptionID {
			l.Source = &d.subs[i]
		}
	}
	for i := range d.orders {
		o := &d.orders[i]
		switch strings.ToUpper(o.Type) {
		case OrderSales:
			if t := o.Transaction(); t != nil && strings.EqualFold(t.SubscriptionID, s.MigrateFrom) {
				l.Sales = o
			}
		case OrderChange:
			if o.SubscriptionID() == c.SourceSubscriptionID {
				l.Change = o
			}
		case OrderCancellation:
			if o.SubscriptionID() == c.SourceSubscriptionID {
				l.Cancel = o
			}
		}
	}
	return l
}

// adoptionOf returns the Microsoft customer and subscription an import block adopts into Commerce
// (ok false when the instance has no import ID of that form).
func adoptionOf(in model.Instance) (customerID, subscriptionID string, ok bool) {
	if in.ImportID == "" || commerceOf(in) == nil {
		return "", "", false
	}
	c, sub, found := strings.Cut(in.ImportID, "/")
	if !found || c == "" || sub == "" {
		return "", "", false
	}
	return c, sub, true
}

type adoptionRead struct {
	sub *MicrosoftSubscription
	err error
}

// readAdoptions reads from Microsoft the subscription of each adoption: one list per customer
// (at most readWorkers at once), however many of its subscriptions are adopted.
func (p *Provider) readAdoptions(ctx context.Context, reqs []providers.ReadRequest) map[model.Addr]adoptionRead {
	type adoption struct {
		addr model.Addr
		sub  string
	}
	byCustomer := map[string][]adoption{}
	var customers []string
	for _, r := range reqs {
		customer, sub, ok := adoptionOf(r.Instance)
		if !ok || (r.Prior != nil && r.Prior.Status == state.StatusDone) {
			continue
		}
		k := strings.ToLower(customer)
		if _, seen := byCustomer[k]; !seen {
			customers = append(customers, customer)
		}
		byCustomer[k] = append(byCustomer[k], adoption{r.Instance.Addr, sub})
	}
	out := map[model.Addr]adoptionRead{}
	p.eachCustomersSubscriptions(ctx, customers, func(customer string, subs []MicrosoftSubscription, err error) {
		for _, a := range byCustomer[strings.ToLower(customer)] {
			if err != nil {
				out[a.addr] = adoptionRead{err: fmt.Errorf("reading Microsoft subscription %s of customer %s: %w", a.sub, customer, err)}
				continue
			}
			read := adoptionRead{}
			for i := range subs {
				if strings.EqualFold(subs[i].ID, a.sub) {
					read.sub = &subs[i]
				}
			}
			out[a.addr] = read
		}
	})
	return out
}

// eachCustomersSubscriptions reads the Microsoft subscriptions of each customer from Partner Center,
// p.readWorkers customers at a time, and hands each answer to use — one call at a time, so use may
// write shared maps without a lock of its own.
func (p *Provider) eachCustomersSubscriptions(ctx context.Context, customers []string, use func(customer string, subs []MicrosoftSubscription, err error)) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, p.readWorkers)
	for _, customer := range customers {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			subs, err := p.Microsoft.Subscriptions(ctx, customer)
			mu.Lock()
			defer mu.Unlock()
			use(customer, subs, err)
		}()
	}
	wg.Wait()
}

// adoptionOrder is the newest SALES order whose migration_info_object imports subscriptionID.
func adoptionOrder(orders []Order, subscriptionID string) *Order {
	var found *Order
	for i := range orders {
		o := &orders[i]
		if !strings.EqualFold(o.Type, OrderSales) {
			continue
		}
		if m := o.Migration(); m != nil && strings.EqualFold(m.SubscriptionID, subscriptionID) {
			found = o
		}
	}
	return found
}
