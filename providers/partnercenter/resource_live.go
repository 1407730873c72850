package partnercenter

import (
	"sort"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/state"
)

// Live is what Read found in Partner Center for one subscription instance; Plan reads it. Every
// field may be empty: Plan decides what a missing object means.
type Live struct {
	// CustomerID is the customer tenant the instance lives in.
	CustomerID string
	// ReadErr is why the instance could not be read (its customer's list failed, or its eligibility
	// check did); Plan blocks the instance with it.
	ReadErr error
	// Legacy is the legacy subscription named by migrate_from; nil when the customer has none by that id.
	Legacy *Subscription
	// Addons are the legacy subscription's add-ons (parentSubscriptionId == Legacy.ID).
	Addons []Subscription
	// Successor is the New Commerce subscription migrated from Legacy (migratedFromSubscriptionId).
	Successor *Subscription
	// SuccessorAddons are the successor's add-ons (parentSubscriptionId == Successor.ID).
	SuccessorAddons []Subscription
	// HistoryRead is true when the customer's migrations were listed; Migrations is then complete.
	HistoryRead bool
	// Migrations are the migrations of Legacy, newest first (only when HistoryRead).
	Migrations []Migration
	// Validation is the eligibility check of the request ferry would send now; nil when none was
	// needed (already migrated, migration in flight, legacy not active) or it could not be made.
	Validation *ValidationResult
	// Request is the migration request that was validated (nil with Validation).
	Request *MigrationRequest
	// ImportCustomerID and ImportSubscriptionID are the parsed ImportID, when the instance has one.
	ImportCustomerID, ImportSubscriptionID string
	// ImportTarget is the New Commerce subscription named by ImportID; nil when not found.
	ImportTarget *Subscription
	// SchedulesRead is true when the customer's migration schedules were listed.
	SchedulesRead bool
	// Schedules are the migration schedules of Legacy, newest first (only when SchedulesRead).
	Schedules []MigrationSchedule
	// Coterm are the end dates of the customer's active New Commerce subscriptions, which a custom
	// term end date may align with.
	Coterm []time.Time
}

// LatestMigration returns the newest migration of the legacy subscription, or nil.
func (l *Live) LatestMigration() *Migration {
	if l == nil || len(l.Migrations) == 0 {
		return nil
	}
	return &l.Migrations[0]
}

// migrationOfIntent returns the migration of the legacy subscription that the interrupted migrate
// step rec sent: the one carrying the batch id rec journaled (RemoteBatchID) as externalReferenceId
// or, when rec has none (an intent of a ferry that sent the key there), the key. Nil when none.
func (l *Live) migrationOfIntent(rec *state.StepRecord) *Migration {
	if l == nil || rec == nil {
		return nil
	}
	ref := rec.RemoteIDs[RemoteBatchID]
	if ref == "" {
		ref = rec.Key
	}
	if ref == "" {
		return nil
	}
	for i := range l.Migrations {
		if l.Migrations[i].ExternalReferenceID == ref && fromThisIntent(&l.Migrations[i], rec.StartedAt) {
			return &l.Migrations[i]
		}
	}
	return nil
}

// addon returns the legacy add-on with the id, or nil.
func (l *Live) addon(id string) *Subscription {
	for i := range l.Addons {
		if strings.EqualFold(l.Addons[i].ID, id) {
			return &l.Addons[i]
		}
	}
	return nil
}

// customerView indexes one customer's subscriptions and migrations.
type customerView struct {
	byID         map[string]*Subscription
	children     map[string][]Subscription // parent id → add-ons
	successorOf  map[string]*Subscription  // legacy id → NCE subscription migrated from it
	migrationsOf map[string][]Migration    // legacy id → migrations, newest first
	historyRead  bool
	// schedulesOf maps legacy id → its schedules, newest first (when schedulesRead).
	schedulesOf   map[string][]MigrationSchedule
	schedulesRead bool
	// coterm are the customer's co-termination dates (cotermDates), shared by every Live of the
	// customer: read only.
	coterm []time.Time
}

func newCustomerView(subs []Subscription) *customerView {
	v := &customerView{
		byID:        make(map[string]*Subscription, len(subs)),
		children:    make(map[string][]Subscription),
		successorOf: make(map[string]*Subscription),
	}
	for i := range subs {
		s := &subs[i]
		v.byID[strings.ToLower(s.ID)] = s
		if s.ParentSubscriptionID != "" {
			k := strings.ToLower(s.ParentSubscriptionID)
			v.children[k] = append(v.children[k], *s)
		}
		if s.MigratedFromSubscriptionID != "" {
			k := strings.ToLower(s.MigratedFromSubscriptionID)
			// Prefer an active successor when several claim the same legacy subscription.
			if old, ok := v.successorOf[k]; !ok || (!isActive(old.Status) && isActive(s.Status)) {
				v.successorOf[k] = s
			}
		}
	}
	v.coterm = cotermDates(subs)
	return v
}

func (v *customerView) setMigrations(ms []Migration) {
	v.historyRead = true
	v.migrationsOf = make(map[string][]Migration)
	for _, m := range ms {
		k := strings.ToLower(m.CurrentSubscriptionID)
		v.migrationsOf[k] = append(v.migrationsOf[k], m)
	}
	for k := range v.migrationsOf {
		sortNewestFirst(v.migrationsOf[k])
	}
}

func (v *customerView) get(id string) *Subscription {
	if s, ok := v.byID[strings.ToLower(id)]; ok {
		c := *s
		return &c
	}
	return nil
}

// live builds the Live of one legacy subscription (without validation or import target).
func (v *customerView) live(customerID, legacyID string) *Live {
	l := &Live{CustomerID: customerID, Legacy: v.get(legacyID), HistoryRead: v.historyRead}
	k := strings.ToLower(legacyID)
	l.Addons = append([]Subscription(nil), v.children[k]...)
	if s, ok := v.successorOf[k]; ok {
		c := *s
		l.Successor = &c
		l.SuccessorAddons = append([]Subscription(nil), v.children[strings.ToLower(s.ID)]...)
	}
	l.Migrations = append([]Migration(nil), v.migrationsOf[k]...)
	v.scheduleInfo(l, k)
	return l
}

// sortNewestFirst orders migrations by startedTime, newest first; those without a time go last.
// Among equal times the one listed later by the API (created later) comes first.
func sortNewestFirst(ms []Migration) {
	for i, j := 0, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	sort.SliceStable(ms, func(i, j int) bool {
		a, b := ms[i].StartedTime, ms[j].StartedTime
		switch {
		case a == nil:
			return false
		case b == nil:
			return true
		default:
			return a.After(*b)
		}
	})
}

func isActive(status string) bool { return strings.EqualFold(status, "active") }
