package partnercenter

import (
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/ferry-dev/ferry/providers/simkit"
)

// DurationMigration is the behaviour.durations key of a migration's run time.
const DurationMigration = "partnercenter.migration"

// DefaultMigrationDuration is how long a simulated migration takes when the behaviour says nothing.
const DefaultMigrationDuration = 2 * time.Second

// DurationResolve is the behaviour.durations key of how long after a migration failed with its
// legacy subscription suspended Microsoft resolves it (completes or reverts it, see
// SimWorld.ResolveFailedSuspended); Microsoft does so within 72 hours.
const DurationResolve = "partnercenter.resolve"

// DefaultResolveDuration is when a failed-after-suspension migration is resolved by default.
const DefaultResolveDuration = 72 * time.Hour

// How Microsoft resolves a migration that failed after suspension (SimWorld.ResolveFailedSuspended).
const (
	ResolveComplete = "complete" // the migration becomes Completed, with its New Commerce subscriptions
	ResolveRevert   = "revert"   // the legacy subscriptions become active again; the migration stays Failed
)

// defaultPageSize is how many items a simulated list answers with before it continues on a next page.
const defaultPageSize = 200

// SimWorld is the "partnercenter" section of a sandbox world file (API field names).
type SimWorld struct {
	// Customers are the partner's customers with their subscriptions.
	Customers []SimCustomer `json:"customers"`
	// Catalog maps a legacy offerId to its New Commerce catalogItemId.
	Catalog map[string]string `json:"catalog"`
	// Migrations are existing migrations (e.g. one already Processing).
	Migrations []Migration `json:"migrations,omitempty"`
	// ResolveFailedSuspended is how Microsoft resolves a migration that failed after its legacy
	// subscription was suspended, DurationResolve after it failed: ResolveComplete (default) or
	// ResolveRevert.
	ResolveFailedSuspended string `json:"resolve_failed_suspended,omitempty"`
	// FirstMonthRule applies Microsoft's production rule that a subscription active for less than a
	// month (by its creationDate) cannot be migrated (code 7, SubscriptionActiveForLessThanOneMonth).
	// Off by default, as in Microsoft's sandbox tenants.
	FirstMonthRule bool `json:"first_month_rule,omitempty"`
	// SeatLimits caps, per New Commerce catalogItemId, the licenses a customer may hold across all its
	// active subscriptions of it (Microsoft's 300-seat limit of business offers): a migration that
	// would exceed it is refused as a bad request.
	SeatLimits map[string]int `json:"seat_limits,omitempty"`
}

// SimCustomer is one customer tenant of a SimWorld.
type SimCustomer struct {
	ID            string         `json:"id"`
	Domain        string         `json:"domain"`
	Subscriptions []Subscription `json:"subscriptions"`
}

// Validate reports duplicate or empty IDs and migrations about unknown subscriptions.
func (w SimWorld) Validate() error {
	switch strings.ToLower(w.ResolveFailedSuspended) {
	case "", ResolveComplete, ResolveRevert:
	default:
		return fmt.Errorf("partnercenter.resolve_failed_suspended: %q is neither %q nor %q", w.ResolveFailedSuspended, ResolveComplete, ResolveRevert)
	}
	customers := map[string]bool{}
	subs := map[string]bool{}
	for i, c := range w.Customers {
		key := strings.ToLower(c.ID)
		if key == "" {
			return fmt.Errorf("partnercenter.customers[%d]: id is required", i)
		}
		if _, err := uuid.Parse(c.ID); err != nil {
			return fmt.Errorf("partnercenter.customers[%d].id: %q is not a GUID (a customer tenant ID)", i, c.ID)
		}
		if c.Domain != "" && !strings.HasSuffix(strings.ToLower(c.Domain), ".onmicrosoft.com") {
			return fmt.Errorf("partnercenter.customers[%d].domain: %q does not end in .onmicrosoft.com", i, c.Domain)
		}
		if customers[key] {
			return fmt.Errorf("partnercenter.customers[%d]: duplicate customer id %q", i, c.ID)
		}
		customers[key] = true
		for j, s := range c.Subscriptions {
			k := strings.ToLower(s.ID)
			if k == "" {
				return fmt.Errorf("partnercenter.customers[%d].subscriptions[%d]: id is required", i, j)
			}
			if subs[k] {
				return fmt.Errorf("partnercenter.customers[%d].subscriptions[%d]: duplicate subscription id %q", i, j, s.ID)
			}
			subs[k] = true
		}
	}
	for i, m := range w.Migrations {
		if m.ID == "" {
			return fmt.Errorf("partnercenter.migrations[%d]: id is required", i)
		}
		if !subs[strings.ToLower(m.CurrentSubscriptionID)] {
			return fmt.Errorf("partnercenter.migrations[%d]: currentSubscriptionId %q is not a subscription of any customer", i, m.CurrentSubscriptionID)
		}
		if m.CustomerTenantID != "" && !customers[strings.ToLower(m.CustomerTenantID)] {
			return fmt.Errorf("partnercenter.migrations[%d]: customerTenantId %q is not a customer", i, m.CustomerTenantID)
		}
	}
	return nil
}

// Simulator is an in-memory Partner Center that speaks the REST API. It is safe for concurrent use.
type Simulator struct {
	env *simkit.Env

	mu            sync.Mutex
	customers     []*simCustomer
	customerByID  map[string]*simCustomer
	catalog       map[string]string // lower-case legacy offerId → catalogItemId
	catalogOrig   map[string]string
	subOwner      map[string]*simCustomer // lower-case subscription ID → its customer
	migrations    []*simMigration
	migrationByID map[string]*simMigration
	inProgress    map[string]*simMigration // lower-case subscription ID (base or add-on) → Processing migration
	pending       []*simMigration          // Processing migrations, to be finished when due
	resolving     []*simMigration          // failed after suspension, to be resolved when due
	resolution    string                   // ResolveComplete or ResolveRevert
	firstMonth    bool                     // SimWorld.FirstMonthRule
	seatLimits    map[string]int           // SimWorld.SeatLimits, by lower-case catalogItemId
	schedules     []*simSchedule           // migration schedules, in creation order
}

type simCustomer struct {
	id, domain string
	subs       []*Subscription
	subByID    map[string]*Subscription
}

type simMigration struct {
	m        simMigrationWire
	customer *simCustomer
	outcome  string    // forced outcome (simkit.OutcomeFail…), "" for success
	due      time.Time // simulated time at which a Processing migration ends, or a failed one is resolved
}

// NewSimulator returns a simulator of w; env supplies clock, behaviour, stats and faults (nil: a
// default Env). Duplicate IDs keep the first occurrence; use SimWorld.Validate to reject them.
func NewSimulator(w SimWorld, env *simkit.Env) *Simulator {
	if env == nil {
		env = simkit.NewEnv(simkit.Behaviour{})
	}
	s := &Simulator{
		env:           env,
		customerByID:  map[string]*simCustomer{},
		catalog:       map[string]string{},
		catalogOrig:   maps.Clone(w.Catalog),
		migrationByID: map[string]*simMigration{},
		subOwner:      map[string]*simCustomer{},
		inProgress:    map[string]*simMigration{},
		resolution:    strings.ToLower(w.ResolveFailedSuspended),
		firstMonth:    w.FirstMonthRule,
		seatLimits:    map[string]int{},
	}
	for id, n := range w.SeatLimits {
		s.seatLimits[strings.ToLower(id)] = n
	}
	if s.resolution == "" {
		s.resolution = ResolveComplete
	}
	if s.catalogOrig == nil {
		s.catalogOrig = map[string]string{}
	}
	for k, v := range w.Catalog {
		s.catalog[strings.ToLower(k)] = v
	}
	for _, c := range w.Customers {
		key := strings.ToLower(c.ID)
		if key == "" || s.customerByID[key] != nil {
			continue
		}
		sc := &simCustomer{id: c.ID, domain: c.Domain, subByID: map[string]*Subscription{}}
		for _, sub := range c.Subscriptions {
			sk := strings.ToLower(sub.ID)
			if sk == "" || sc.subByID[sk] != nil || s.ownerOf(sub.ID) != nil {
				continue
			}
			cp := sub
			s.addSub(sc, &cp)
		}
		s.customers = append(s.customers, sc)
		s.customerByID[key] = sc
	}
	now := env.Now()
	for _, m := range w.Migrations {
		if m.ID == "" || s.migrationByID[strings.ToLower(m.ID)] != nil {
			continue
		}
		sm := &simMigration{m: simMigrationOf(m)}
		if m.CustomerTenantID != "" {
			sm.customer = s.customerByID[strings.ToLower(m.CustomerTenantID)]
		}
		if sm.customer == nil {
			sm.customer = s.ownerOf(m.CurrentSubscriptionID)
		}
		if sm.customer != nil && sm.m.CustomerTenantID == "" {
			sm.m.CustomerTenantID = sm.customer.id
		}
		if strings.EqualFold(m.Status, MigrationProcessing) {
			sm.m.Status = MigrationProcessing
			start := now
			if m.StartedTime != nil {
				start = *m.StartedTime
			} else {
				sm.m.StartedTime = timePtr(now)
			}
			sm.due = start.Add(env.Duration(DurationMigration, DefaultMigrationDuration))
		}
		s.addMigration(sm)
	}
	return s
}

// addMigration records sm and, while it is Processing, the subscriptions it holds.
func (s *Simulator) addMigration(sm *simMigration) {
	s.migrations = append(s.migrations, sm)
	s.migrationByID[strings.ToLower(sm.m.ID)] = sm
	if sm.m.Status == MigrationProcessing {
		s.pending = append(s.pending, sm)
		for _, id := range sm.subscriptionIDs() {
			s.inProgress[strings.ToLower(id)] = sm
		}
	}
}

// subscriptionIDs returns the legacy subscriptions the migration moves: the base, then add-ons.
func (m *simMigration) subscriptionIDs() []string {
	ids := []string{m.m.CurrentSubscriptionID}
	for _, a := range m.m.AddOnMigrations {
		ids = append(ids, a.CurrentSubscriptionID)
	}
	return ids
}

// Env returns the simulator's environment (stats, faults, clock).
func (s *Simulator) Env() *simkit.Env { return s.env }

// World returns the current world: subscriptions and migrations as they are now.
func (s *Simulator) World() SimWorld {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	w := SimWorld{Customers: make([]SimCustomer, 0, len(s.customers)), Catalog: maps.Clone(s.catalogOrig)}
	w.FirstMonthRule = s.firstMonth
	if len(s.seatLimits) > 0 {
		w.SeatLimits = maps.Clone(s.seatLimits)
	}
	if s.resolution != ResolveComplete {
		w.ResolveFailedSuspended = s.resolution
	}
	for _, c := range s.customers {
		sc := SimCustomer{ID: c.id, Domain: c.domain, Subscriptions: make([]Subscription, 0, len(c.subs))}
		for _, sub := range c.subs {
			sc.Subscriptions = append(sc.Subscriptions, *sub)
		}
		w.Customers = append(w.Customers, sc)
	}
	for _, m := range s.migrations {
		w.Migrations = append(w.Migrations, m.copy().world())
	}
	return w
}

// ownerOf returns the customer holding subscription id, or nil.
func (s *Simulator) ownerOf(id string) *simCustomer {
	return s.subOwner[strings.ToLower(id)]
}

func (c *simCustomer) sub(id string) *Subscription { return c.subByID[strings.ToLower(id)] }

// addSub adds sub to customer c.
func (s *Simulator) addSub(c *simCustomer, sub *Subscription) {
	key := strings.ToLower(sub.ID)
	c.subs = append(c.subs, sub)
	c.subByID[key] = sub
	s.subOwner[key] = c
}

// copy returns the migration with its slices copied, safe to hand out.
func (m *simMigration) copy() simMigrationWire {
	out := m.m
	out.AddOnMigrations = append([]simMigrationWire{}, m.m.AddOnMigrations...)
	return out
}

func timePtr(t time.Time) *time.Time {
	t = t.UTC().Truncate(time.Millisecond)
	return &t
}
