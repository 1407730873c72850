package partnercenter

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// OpListMigrationEvents is the operation name of the migration events read.
const OpListMigrationEvents = "partnercenter.ListMigrationEvents"

// Migration event names ferry shows as progress ("Get new commerce migration events"; other names
// are shown as they are).
const (
	EventSubscriptionCreated     = "NewCommerceSubscriptionCreated"
	EventSubscriptionProvisioned = "NewCommerceSubscriptionProvisioned"
)

// MigrationEvent is a NewCommerceMigrationEvent (.NET SDK model; "Get new commerce migration
// events"): something that happened to a migration.
type MigrationEvent struct {
	ID                     string     `json:"id"`
	NewCommerceMigrationID string     `json:"newCommerceMigrationId"`
	CurrentSubscriptionID  string     `json:"currentSubscriptionId,omitempty"`
	CustomerTenantID       string     `json:"customerTenantId,omitempty"`
	EventName              string     `json:"eventName"`
	CreatedTime            *time.Time `json:"createdTime,omitempty"`
}

// EventQuery narrows a migration events read; both empty reads every event of the customer (the
// route as the REST reference lists it without its query; the conceptual page asks for at least
// one ID, so a refusal of the unfiltered read is expected and handled by the caller).
type EventQuery struct {
	MigrationID           string
	CurrentSubscriptionID string
}

// ListMigrationEvents reads the migration events of a customer:
// GET /customers/{c}/migrations/newcommerce/events[?migration_id=&current_subscription_id=], a
// bare JSON array (an {items, links} object is accepted too, its pages followed).
func (c *Client) ListMigrationEvents(ctx context.Context, customerID string, q EventQuery) ([]MigrationEvent, error) {
	if err := requireIDs(OpListMigrationEvents, "customerID", customerID); err != nil {
		return nil, err
	}
	u := c.endpoint("customers", customerID, "migrations", "newcommerce", "events")
	v := url.Values{}
	if q.MigrationID != "" {
		v.Set("migration_id", q.MigrationID)
	}
	if q.CurrentSubscriptionID != "" {
		v.Set("current_subscription_id", q.CurrentSubscriptionID)
	}
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	req := &request{op: OpListMigrationEvents, method: http.MethodGet, url: u, headerPaging: true}
	return collect(ctx, c, req, func(body []byte) ([]MigrationEvent, *ResourceLinks, error) {
		return decodeMigrationEvents(OpListMigrationEvents, body)
	})
}

func decodeMigrationEvents(op string, data []byte) ([]MigrationEvent, *ResourceLinks, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var v struct {
			Items []MigrationEvent `json:"items"`
			Links *ResourceLinks   `json:"links"`
		}
		if err := decodeJSON(op, data, &v); err != nil {
			return nil, nil, err
		}
		if err := checkLinks(v.Links); err != nil {
			return nil, nil, &DecodeError{Operation: op, Field: err.field, Err: err}
		}
		return v.Items, v.Links, nil
	}
	var items []MigrationEvent
	if err := decodeJSON(op, data, &items); err != nil {
		return nil, nil, err
	}
	return items, nil, nil
}

// eventMessage is how a migration event reads as the progress of its wait.
func eventMessage(name string) string {
	switch {
	case strings.EqualFold(name, EventSubscriptionCreated):
		return "New Commerce subscription created"
	case strings.EqualFold(name, EventSubscriptionProvisioned):
		return "New Commerce subscription provisioned"
	case name == "":
		return ""
	}
	return "migration event " + name
}
