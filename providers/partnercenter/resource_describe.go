package partnercenter

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/model"
)

// shortID abbreviates a GUID for summaries: 5c1f…e2. Short IDs are kept whole.
func shortID(id string) string {
	if len(id) <= 12 {
		return id
	}
	return id[:4] + "…" + id[len(id)-2:]
}

// describeLegacy names a legacy subscription: its short id and, when known, its offer name.
func describeLegacy(id string, legacy *Subscription) string {
	if legacy == nil {
		return shortID(id)
	}
	if n := subscriptionName(legacy); n != "" {
		return shortID(legacy.ID) + " " + quoteName(n)
	}
	return shortID(legacy.ID)
}

// quoteName puts a remote name (an offer or friendly name) between double quotes in a human line
// (a summary, a reason, an attribute), its text as Partner Center sent it, as the attributes carry
// it: the text and markdown renderers escape what a terminal would act on when they print the line,
// and JSON escapes control characters itself, so a JSON consumer reads the name unchanged. (Go
// quoting, %q, would show a consumer \x1b where the attribute beside it has the character.)
func quoteName(n string) string { return `"` + n + `"` }

func subscriptionName(s *Subscription) string {
	if s.OfferName != "" {
		return s.OfferName
	}
	return s.FriendlyName
}

func seats(n int) string {
	if n == 1 {
		return "1 seat"
	}
	return strconv.Itoa(n) + " seats"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func date(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// termText says how the new term relates to the legacy one.
func termText(fullTerm bool, legacy *Subscription) string {
	if fullTerm {
		return "full new term"
	}
	if legacy != nil && legacy.CommitmentEndDate != nil {
		return "co-term to " + date(legacy.CommitmentEndDate)
	}
	return "co-term"
}

// createSummary is the one-line summary of a migration to start, e.g.
// migrate 5c1f…e2 "Office 365 E3" (25 seats) → CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF P1Y monthly, co-term to 2027-03-31, 2 add-ons.
func createSummary(s *model.Subscription, l *Live, req *MigrationRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "migrate %s", describeLegacy(s.MigrateFrom, l.Legacy))
	if l.Legacy != nil && l.Legacy.Quantity != req.Quantity {
		fmt.Fprintf(&b, " (%d → %s)", l.Legacy.Quantity, seats(req.Quantity))
	} else {
		fmt.Fprintf(&b, " (%s)", seats(req.Quantity))
	}
	target := "New Commerce"
	if l.Validation != nil && l.Validation.CatalogItemID != "" {
		target = l.Validation.CatalogItemID
	}
	fmt.Fprintf(&b, " → %s %s %s, %s", target, req.TermDuration, req.BillingCycle, termText(req.PurchaseFullTerm, l.Legacy))
	if n := len(req.AddOnMigrations); n > 0 {
		fmt.Fprintf(&b, ", %s", plural(n, "add-on", "add-ons"))
	}
	return b.String()
}

// createDetails are the attribute lines of a migration to start: old (legacy) → new (New Commerce).
func createDetails(s *model.Subscription, l *Live, req *MigrationRequest) []model.Detail {
	var legacy Subscription
	if l.Legacy != nil {
		legacy = *l.Legacy
	}
	offerOld := legacy.OfferID
	if n := subscriptionName(&legacy); n != "" {
		offerOld = fmt.Sprintf("%s (%s)", n, legacy.OfferID)
	}
	offerNew := "(New Commerce equivalent)"
	if l.Validation != nil && l.Validation.CatalogItemID != "" {
		offerNew = l.Validation.CatalogItemID
	}
	d := []model.Detail{
		{Name: "legacy_subscription", New: req.CurrentSubscriptionID},
		{Name: "customer", New: s.CustomerID},
		{Name: "offer", Old: offerOld, New: offerNew},
		{Name: "quantity", Old: intOrEmpty(legacy.Quantity, l.Legacy != nil), New: strconv.Itoa(req.Quantity)},
		{Name: "term_duration", Old: legacy.TermDuration, New: req.TermDuration},
		{Name: "billing_cycle", Old: legacy.BillingCycle, New: req.BillingCycle},
		{Name: "term", Old: commitmentText(&legacy), New: termText(req.PurchaseFullTerm, l.Legacy)},
	}
	for _, a := range req.AddOnMigrations {
		name := ""
		if live := l.addon(a.CurrentSubscriptionID); live != nil {
			if n := subscriptionName(live); n != "" {
				name = quoteName(n) + " "
			}
		}
		d = append(d, model.Detail{
			Name: "addon " + a.CurrentSubscriptionID,
			New:  fmt.Sprintf("%s(%s) → %s %s, %s", name, seats(a.Quantity), a.TermDuration, a.BillingCycle, termText(a.PurchaseFullTerm, l.Legacy)),
		})
	}
	return d
}

func commitmentText(s *Subscription) string {
	if s.CommitmentEndDate == nil {
		return ""
	}
	return "ends " + date(s.CommitmentEndDate)
}

func intOrEmpty(n int, ok bool) string {
	if !ok {
		return ""
	}
	return strconv.Itoa(n)
}

// successorDetails are the attribute lines of an existing New Commerce subscription.
func successorDetails(s *Subscription) []model.Detail {
	d := []model.Detail{
		{Name: "new_subscription", New: s.ID},
		{Name: "offer", New: s.OfferID},
		{Name: "quantity", New: strconv.Itoa(s.Quantity)},
		{Name: "term_duration", New: s.TermDuration},
		{Name: "billing_cycle", New: s.BillingCycle},
	}
	if s.CommitmentEndDate != nil {
		d = append(d, model.Detail{Name: "commitment_end_date", New: date(s.CommitmentEndDate)})
	}
	return d
}

// migrationDetails are the attribute lines of a migration in flight.
func migrationDetails(m *Migration) []model.Detail {
	d := []model.Detail{{Name: "migration", New: m.ID}, {Name: "status", New: m.Status}}
	if m.StartedTime != nil {
		d = append(d, model.Detail{Name: "started", New: m.StartedTime.UTC().Format(time.RFC3339)})
	}
	if m.CatalogItemID != "" {
		d = append(d, model.Detail{Name: "offer", New: m.CatalogItemID})
	}
	return d
}
