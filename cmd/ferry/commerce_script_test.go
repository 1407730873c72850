package main

import (
	"strconv"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/ferry-dev/ferry/providers/commerce"
)

// commerceWorld is the Commerce simulator's world section as the client's types read it (the
// simulator's own types are kept apart from the client's).
type commerceWorld struct {
	Accounts []struct {
		ID            string                  `json:"id"`
		Subscriptions []commerce.Subscription `json:"subscriptions"`
	} `json:"accounts"`
	Orders []commerce.Order `json:"orders"`
}

// orders SALES CANCELLATIONS CHANGES: the Commerce simulator holds exactly that many orders
// of each type; no legacy subscription has two sales orders (nor an adopted subscription two
// adoption orders) and no source subscription two
// cancellations; every completed sales order's transaction_id is carried by the subscription it
// created and one per add-on of its transaction_info_object (a base and its add-ons share it).
func cmdCommerceOrders(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: orders SALES CANCELLATIONS CHANGES")
	}
	var world struct {
		Commerce commerceWorld `json:"commerce"`
	}
	sandboxGet(ts, "/_sandbox/world", &world)
	count := map[string]int{}
	perLegacy, perSource := map[string]int{}, map[string]int{}
	carried := map[string]int{}
	for _, a := range world.Commerce.Accounts {
		for _, s := range a.Subscriptions {
			for _, p := range s.Parameters {
				if p.Key == commerce.ParamTransactionID {
					carried[p.Value]++
				}
			}
		}
	}
	for _, o := range world.Commerce.Orders {
		count[o.Type]++
		switch o.Type {
		case commerce.OrderSales:
			if m := o.Migration(); m != nil {
				// An adoption: one order per adopted Microsoft subscription, its transaction_id on the
				// one subscription it created.
				if perLegacy[m.SubscriptionID]++; perLegacy[m.SubscriptionID] > 1 {
					ts.Fatalf("Microsoft subscription %s has %d adoption orders", m.SubscriptionID, perLegacy[m.SubscriptionID])
				}
				if id := o.Param(commerce.ParamTransactionID); o.Completed() && carried[id] != 1 {
					ts.Fatalf("transaction_id %s of adoption order %s is carried by %d subscriptions, want 1", id, o.OrderID, carried[id])
				}
				continue
			}
			tx := o.Transaction()
			if tx == nil {
				ts.Fatalf("sales order %s has neither transaction_info_object nor migration_info_object", o.OrderID)
			}
			if perLegacy[tx.SubscriptionID]++; perLegacy[tx.SubscriptionID] > 1 {
				ts.Fatalf("legacy subscription %s has %d sales orders", tx.SubscriptionID, perLegacy[tx.SubscriptionID])
			}
			id := o.Param(commerce.ParamTransactionID)
			if o.Completed() && carried[id] != 1+len(tx.Addons) {
				ts.Fatalf("transaction_id %s of order %s is carried by %d subscriptions, want %d (the base and its add-ons)", id, o.OrderID, carried[id], 1+len(tx.Addons))
			}
		case commerce.OrderCancellation:
			if perSource[o.SubscriptionID()]++; perSource[o.SubscriptionID()] > 1 {
				ts.Fatalf("subscription %s has %d cancellation orders", o.SubscriptionID(), perSource[o.SubscriptionID()])
			}
		}
	}
	for i, typ := range []string{commerce.OrderSales, commerce.OrderCancellation, commerce.OrderChange} {
		want, err := strconv.Atoi(args[i])
		ts.Check(err)
		if count[typ] != want {
			ts.Fatalf("%d %s orders, want %d", count[typ], typ, want)
		}
	}
}
