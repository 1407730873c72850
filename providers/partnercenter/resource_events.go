package partnercenter

import (
	"context"
	"errors"
	"strings"
)

// eventProgress reads a customer's migration events once (GET /customers/{c}/migrations/newcommerce/events)
// and returns, for each of the given migrations (lower-case IDs), the progress message of its latest
// event: "New Commerce subscription created", "New Commerce subscription provisioned", …. It is
// best effort: a failed read is logged and yields nothing, and a refused one (4xx: the conceptual
// page asks for a migration or subscription ID, which a per-customer read does not send) turns the
// events of that customer off for the rest of the run, so the watcher never pays for it again.
func (p *Provider) eventProgress(ctx context.Context, customer string, migrations map[string]bool) map[string]string {
	key := strings.ToLower(customer)
	p.eventsMu.Lock()
	off := p.eventsOff[key]
	p.eventsMu.Unlock()
	if off || len(migrations) == 0 {
		return nil
	}
	evs, err := p.client.ListMigrationEvents(ctx, customer, EventQuery{})
	if err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode >= 400 && ae.StatusCode < 500 && ae.StatusCode != 429 {
			p.eventsMu.Lock()
			if p.eventsOff == nil {
				p.eventsOff = map[string]bool{}
			}
			p.eventsOff[key] = true
			p.eventsMu.Unlock()
			p.logf("partnercenter: customer %s: migration events refused (%v); progress is shown without them", customer, err)
			return nil
		}
		p.logf("partnercenter: customer %s: reading migration events: %v", customer, err)
		return nil
	}
	latest := map[string]*MigrationEvent{}
	for i := range evs {
		e := &evs[i]
		id := strings.ToLower(e.NewCommerceMigrationID)
		if !migrations[id] || eventMessage(e.EventName) == "" {
			continue
		}
		// The later event wins; without times, the later in the answer.
		if cur := latest[id]; cur == nil || e.CreatedTime == nil || cur.CreatedTime == nil || !e.CreatedTime.Before(*cur.CreatedTime) {
			latest[id] = e
		}
	}
	out := make(map[string]string, len(latest))
	for id, e := range latest {
		out[id] = eventMessage(e.EventName)
	}
	return out
}
