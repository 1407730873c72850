package partnercenter

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

// simEventWire is a NewCommerceMigrationEvent as the simulator sends it (its own type, apart from
// the client's MigrationEvent).
type simEventWire struct {
	ID                     string     `json:"id"`
	NewCommerceMigrationID string     `json:"newCommerceMigrationId"`
	CurrentSubscriptionID  string     `json:"currentSubscriptionId"`
	CustomerTenantID       string     `json:"customerTenantId"`
	EventName              string     `json:"eventName"`
	CreatedTime            *time.Time `json:"createdTime,omitempty"`
}

// Event names the simulator emits.
const (
	simEventCreated     = "NewCommerceSubscriptionCreated"
	simEventProvisioned = "NewCommerceSubscriptionProvisioned"
)

// eventRoutes registers GET /v1/customers/{c}/migrations/newcommerce/events. The route is more
// specific than …/newcommerce/{id}, so the mux sends events here.
func (s *Simulator) eventRoutes(mux *http.ServeMux) {
	mux.Handle("GET /v1/customers/{c}/migrations/newcommerce/events", s.route(OpListMigrationEvents, s.listEvents))
}

// listEvents answers a bare array of the customer's migration events, oldest first, filtered by
// migration_id and current_subscription_id (the REST reference's names; MigrationId and
// CurrentSubscriptionId, the conceptual page's, are accepted too). The events follow each migration:
// NewCommerceSubscriptionCreated halfway through, NewCommerceSubscriptionProvisioned when it
// completes; a failed migration has neither.
func (s *Simulator) listEvents(call *simCall) simReply {
	q := call.r.URL.Query()
	mid := q.Get("migration_id")
	if mid == "" {
		mid = q.Get("MigrationId")
	}
	cur := q.Get("current_subscription_id")
	if cur == "" {
		cur = q.Get("CurrentSubscriptionId")
	}
	return s.withCustomer(call, func(c *simCustomer) simReply {
		now := s.env.Now()
		out := []simEventWire{}
		for _, m := range s.migrations {
			if m.customer != c || (mid != "" && !strings.EqualFold(m.m.ID, mid)) || (cur != "" && !strings.EqualFold(m.m.CurrentSubscriptionID, cur)) {
				continue
			}
			out = append(out, simEvents(m, now)...)
		}
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i].CreatedTime, out[j].CreatedTime
			return a != nil && b != nil && a.Before(*b)
		})
		return simReply{status: http.StatusOK, body: out}
	})
}

// simEvents returns the events migration m has produced by now.
func simEvents(m *simMigration, now time.Time) []simEventWire {
	if strings.EqualFold(m.m.Status, MigrationFailed) {
		return nil
	}
	start, end := m.m.StartedTime, m.m.CompletedTime
	if end == nil && !m.due.IsZero() {
		end = &m.due
	}
	if start == nil {
		start = end
	}
	ev := func(name string, at *time.Time) simEventWire {
		return simEventWire{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte(m.m.ID+"/"+name)).String(), NewCommerceMigrationID: m.m.ID,
			CurrentSubscriptionID: m.m.CurrentSubscriptionID, CustomerTenantID: m.m.CustomerTenantID, EventName: name, CreatedTime: at}
	}
	completed := strings.EqualFold(m.m.Status, MigrationCompleted)
	var out []simEventWire
	var created *time.Time
	if start != nil && end != nil {
		t := start.Add(end.Sub(*start) / 2)
		created = &t
	}
	if completed || (created != nil && !now.Before(*created)) {
		out = append(out, ev(simEventCreated, created))
	}
	if completed {
		out = append(out, ev(simEventProvisioned, m.m.CompletedTime))
	}
	return out
}
