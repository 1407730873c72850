package partnercenter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/state"
)

// planImport adopts the New Commerce subscription named by the instance's ImportID: ActionImport
// with no steps and Change.State set when it matches the spec, else one error diagnostic per
// attribute that differs, pointing at that attribute.
func planImport(ch model.Change, desired model.Instance, l *Live) (model.Change, hcl.Diagnostics) {
	s := desired.Subscription
	if l.ImportTarget == nil {
		r := desired.ImportRange
		if r.Filename == "" {
			r = desired.DeclRange
		}
		return blocked(ch, "cannot import "+desired.ImportID, "subscription not found"), hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Subscription to import not found",
			Detail: fmt.Sprintf("%s: Partner Center has no subscription %s under customer %s; check the import ID (<customer_id>/<subscription_id>).",
				desired.Addr, l.ImportSubscriptionID, l.ImportCustomerID),
			Subject: rangePtr(r),
		}}
	}
	t := l.ImportTarget
	if !isNCEOffer(t.OfferID) {
		return blocked(ch, "cannot import "+desired.ImportID, "not a New Commerce subscription"), hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Not a New Commerce subscription",
			Detail: fmt.Sprintf("%s: subscription %s has the legacy offer %s (a New Commerce offer looks like CFQ7TTC0LF8Q:0001:CFQ7TTC0KQDF). "+
				"import adopts New Commerce subscriptions that already exist; to migrate this legacy subscription, remove the import and let apply migrate it.",
				desired.Addr, t.ID, t.OfferID),
			Subject: rangePtr(importOrDecl(desired)),
		}}
	}
	var diags hcl.Diagnostics
	mismatch := func(attr, spec, remote string) {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  fmt.Sprintf("Imported subscription does not match %s", attr),
			Detail: fmt.Sprintf("%s: the spec says %s = %s, but Partner Center has %s for subscription %s. Change the spec to match, or import another subscription.",
				desired.Addr, attr, spec, remote, t.ID),
			Subject: rangePtr(attrRange(desired, attr)),
		})
	}
	if !strings.EqualFold(l.ImportCustomerID, s.CustomerID) {
		mismatch("customer_id", strconv.Quote(s.CustomerID), "the subscription under customer "+l.ImportCustomerID)
	}
	if !strings.EqualFold(t.MigratedFromSubscriptionID, s.MigrateFrom) {
		from := "no migratedFromSubscriptionId (it was not migrated from a legacy subscription)"
		if t.MigratedFromSubscriptionID != "" {
			from = "migratedFromSubscriptionId " + strconv.Quote(t.MigratedFromSubscriptionID)
		}
		mismatch("migrate_from", strconv.Quote(s.MigrateFrom), from)
	}
	if want := expectedCatalogItem(l); want != "" && !offerMatches(t.OfferID, want) {
		mismatch("migrate_from", fmt.Sprintf("%q (whose New Commerce offer is %s)", s.MigrateFrom, want), "offerId "+strconv.Quote(t.OfferID))
	}
	// Seats are compared only when the spec pins them: without quantity the spec accepts whatever
	// the New Commerce subscription has (its seats may have changed since the migration).
	if s.Quantity != nil && *s.Quantity != t.Quantity {
		mismatch("quantity", strconv.Itoa(*s.Quantity), fmt.Sprintf("quantity %d", t.Quantity))
	}
	if !strings.EqualFold(s.TermDuration, t.TermDuration) {
		mismatch("term_duration", strconv.Quote(s.TermDuration), "termDuration "+strconv.Quote(t.TermDuration))
	}
	if !strings.EqualFold(s.BillingCycle, t.BillingCycle) {
		mismatch("billing_cycle", strconv.Quote(s.BillingCycle), "billingCycle "+strconv.Quote(t.BillingCycle))
	}
	if diags.HasErrors() {
		reasons := make([]string, len(diags))
		for i, d := range diags {
			reasons[i] = d.Detail
		}
		return blocked(ch, "cannot import "+desired.ImportID, reasons...), diags
	}

	ch.Action = model.ActionImport
	name := ""
	if n := subscriptionName(t); n != "" {
		name = " " + quoteName(n)
	}
	ch.Summary = fmt.Sprintf("import New Commerce subscription %s%s (%s, %s %s)", shortID(t.ID), name, seats(t.Quantity), t.TermDuration, t.BillingCycle)
	ch.Details = successorDetails(t)
	attrs := map[string]string{
		"offer_id":      t.OfferID,
		"quantity":      strconv.Itoa(t.Quantity),
		"term_duration": t.TermDuration,
		"billing_cycle": t.BillingCycle,
	}
	if t.CommitmentEndDate != nil {
		attrs["commitment_end_date"] = date(t.CommitmentEndDate)
	}
	ch.State = &state.Resource{
		Addr:     string(desired.Addr),
		Kind:     model.KindSubscription,
		Provider: ProviderName,
		Status:   state.StatusImported,
		RemoteIDs: map[string]string{
			"customer_id":            l.ImportCustomerID,
			"subscription_id":        t.ID,
			"legacy_subscription_id": s.MigrateFrom,
		},
		Attributes: attrs,
	}
	return ch, nil
}

// expectedCatalogItem is the New Commerce catalog item of the legacy offer, when Read learned it
// (from the eligibility check or a migration of the legacy subscription); empty otherwise.
func expectedCatalogItem(l *Live) string {
	if l.Validation != nil && l.Validation.CatalogItemID != "" {
		return l.Validation.CatalogItemID
	}
	for _, m := range l.Migrations {
		if m.CatalogItemID != "" {
			return m.CatalogItemID
		}
	}
	return ""
}

// offerMatches compares a subscription's offerId with a catalog item id: equal, or one a prefix of
// the other at a ':' boundary (product:sku vs product:sku:availability).
func offerMatches(offerID, catalogItemID string) bool {
	a, b := strings.ToUpper(offerID), strings.ToUpper(catalogItemID)
	if a == b {
		return true
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return a != "" && strings.HasPrefix(b, a+":")
}

// attrRange is where attr was set in the spec, else the block.
func attrRange(inst model.Instance, attr string) hcl.Range {
	if inst.Subscription != nil {
		if r, ok := inst.Subscription.Ranges[attr]; ok {
			return r
		}
	}
	return inst.DeclRange
}

// isNCEOffer reports whether offerID is a New Commerce offer (PRODUCT:SKU[:AVAILABILITY]); legacy
// offers are GUIDs, with no colon.
func isNCEOffer(offerID string) bool { return strings.Contains(offerID, ":") }

// importOrDecl is where an import diagnostic points: the import block, else the resource block.
func importOrDecl(desired model.Instance) hcl.Range {
	if desired.ImportRange.Filename != "" {
		return desired.ImportRange
	}
	return desired.DeclRange
}
