package commerce

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// Without Partner Center (no credentials, say), an adoption cannot be checked: it is blocked with
// the reason, and Read never fails the other instances because of it.
func TestAdoptionWithoutMicrosoftIsBlocked(t *testing.T) {
	p := &Provider{timeScale: 1, readWorkers: 1, Microsoft: Unavailable(errors.New("credentials missing: set FERRY_PARTNERCENTER_CLIENT_ID"))}
	in := model.Instance{Addr: "subscription.adopted", Kind: model.KindSubscription, Provider: Name,
		ImportID: "bbbbbbbb-0000-0000-0000-000000000002/33333333-bbbb-0000-0000-000000000003",
		Subscription: &model.Subscription{Via: Name, CustomerID: "bbbbbbbb-0000-0000-0000-000000000002", MigrateFrom: "11111111-bbbb-0000-0000-000000000003",
			TermDuration: "P1Y", BillingCycle: "monthly",
			Commerce: &model.CommerceOptions{AccountID: "1000048", SourceSubscriptionID: "1000131", PlanID: "nce-e3", Mode: ModeNewSubscription}}}
	reads := p.readAdoptions(context.Background(), []providers.ReadRequest{{Instance: in}})
	r := reads[in.Addr]
	if r.err == nil || !strings.Contains(r.err.Error(), "Partner Center cannot be read to check an adoption: credentials missing") {
		t.Fatalf("read error = %v", r.err)
	}
	ch, diags := p.Plan(in, nil, &Live{AdoptErr: r.err})
	if diags.HasErrors() || ch.Action != model.ActionBlocked || !strings.Contains(ch.Summary, "Microsoft could not be read") ||
		len(ch.Reasons) != 1 || !strings.Contains(ch.Reasons[0], "credentials missing") {
		t.Errorf("change = %+v, diags = %v", ch, diags)
	}
}

func TestAdoptionOrderShape(t *testing.T) {
	o := AdoptionSalesOrder(AdoptionOrder{AccountID: "1000048", PlanID: "nce-e3", MSCustomerID: "c", SubscriptionID: "s", CSPOrderID: "o",
		MicrosoftDomain: "d.onmicrosoft.com", TransactionID: "tx"})
	if o.Type != OrderSales || o.AccountID != "1000048" || o.Products[0].PlanID != "nce-e3" {
		t.Fatalf("order = %+v", o)
	}
	if m := o.Migration(); m == nil || *m != (MigrationInfo{MSCustomerID: "c", SubscriptionID: "s", CSPOrderID: "o"}) {
		t.Errorf("migration_info_object = %+v", m)
	}
	if o.Param(ParamTransactionID) != "tx" || o.Param(ParamMicrosoftDomain) != "d.onmicrosoft.com" || o.Transaction() != nil {
		t.Errorf("parameters = %+v", o.Products[0].Parameters)
	}
}

// After a completed sales order whose cancellation failed, the plan places a new cancellation; its
// summary says so, not only "record completed sales order".
func TestPlanSummaryNamesTheCancellationAfterACompletedSale(t *testing.T) {
	p := &Provider{timeScale: 1, readWorkers: 1, Microsoft: Unavailable(errors.New("none"))}
	in := model.Instance{Addr: "subscription.beta", Kind: model.KindSubscription, Provider: Name,
		Subscription: &model.Subscription{Via: Name, CustomerID: "bbbbbbbb-0000-0000-0000-000000000002", MigrateFrom: "11111111-bbbb-0000-0000-000000000002",
			TermDuration: "P1Y", BillingCycle: "monthly",
			Commerce: &model.CommerceOptions{AccountID: "1000048", SourceSubscriptionID: "1000122", PlanID: "nce-e3", Mode: ModeNewSubscription}}}
	l := &Live{Source: &Subscription{ID: "1000122", Status: SubscriptionActive},
		Sales:  &Order{OrderID: "5000002", Type: OrderSales, Status: StatusCompleted},
		Cancel: &Order{OrderID: "5000004", Type: OrderCancellation, Status: StatusFailed, Details: "refused"}}
	ch, diags := p.Plan(in, nil, l)
	if diags.HasErrors() || ch.Action != model.ActionResume {
		t.Fatalf("change = %s %q %v", ch.Action, ch.Summary, diags)
	}
	if want := "record completed sales order 5000002; then cancel Commerce subscription 1000122"; ch.Summary != want {
		t.Errorf("summary = %q, want %q", ch.Summary, want)
	}
	// A sales order placed now already names the cancellation: it is not named twice.
	ch, _ = p.Plan(in, nil, &Live{Source: l.Source})
	if want := "order plan nce-e3 in Commerce account 1000048 for legacy 11111111-bbbb-0000-0000-000000000002, then cancel subscription 1000122"; ch.Summary != want {
		t.Errorf("fresh migration: summary = %q, want %q", ch.Summary, want)
	}
}
