package hclspec

import (
	"testing"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func mustLoad(t *testing.T, dir string, opts Options) *Config {
	t.Helper()
	cfg, _, diags := Load(dir, opts)
	if diags.HasErrors() {
		t.Fatalf("Load(%s): %s", dir, diags.Error())
	}
	return cfg
}

func TestLoadFull(t *testing.T) {
	cfg := mustLoad(t, "testdata/full", withTable(Options{}))
	var addrs []model.Addr
	for _, inst := range cfg.Instances {
		addrs = append(addrs, inst.Addr)
	}
	want := []model.Addr{
		`cutover.db01`,
		`cutover.web["web01"]`,
		`cutover.web["web02"]`,
		`skip_list.nce`,
		`subscription.legacy`,
		`subscription.m365["11111111-1111-4111-8111-111111111111"]`,
		`subscription.m365["22222222-2222-4222-8222-222222222222"]`,
	}
	if diff := cmp.Diff(want, addrs); diff != "" {
		t.Fatalf("instances (-want +got):\n%s", diff)
	}
	if cfg.StatePath != "ferry.state.json" || cfg.Parallelism != 4 {
		t.Errorf("ferry block: state %q parallelism %d", cfg.StatePath, cfg.Parallelism)
	}
	if pc := cfg.Providers["partnercenter"]; pc.String("tenant_id", "") != "cccccccc-cccc-4ccc-8ccc-cccccccccccc" || pc.String("endpoint", "") == "" {
		t.Errorf("partnercenter provider = %+v", pc)
	}
	if cfg.Providers["mgn"].String("region", "") != "eu-west-1" {
		t.Errorf("mgn provider = %+v", cfg.Providers["mgn"])
	}

	m := cfg.Instance(`subscription.m365["11111111-1111-4111-8111-111111111111"]`)
	if m == nil {
		t.Fatal("m365 instance missing")
	}
	q := 25
	wantSub := &model.Subscription{
		Via: "partnercenter", CustomerID: "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", MicrosoftDomain: "contoso.onmicrosoft.com",
		MigrateFrom: "11111111-1111-4111-8111-111111111111", TermDuration: "P1Y", BillingCycle: "monthly",
		Quantity: &q, Timeouts: model.Timeouts{Order: 10 * time.Minute, Migration: 72 * time.Hour},
	}
	if diff := cmp.Diff(wantSub, m.Subscription, cmpopts.IgnoreFields(model.Subscription{}, "Ranges")); diff != "" {
		t.Errorf("m365 subscription (-want +got):\n%s", diff)
	}
	if r := m.Subscription.Ranges["quantity"]; r.Start.Line != 35 || r.Filename != "main.ferry.hcl" {
		t.Errorf("quantity range = %v", r)
	}
	if m.Provider != "partnercenter" || m.Kind != model.KindSubscription {
		t.Errorf("provider/kind = %s/%s", m.Provider, m.Kind)
	}
	if diff := cmp.Diff([]model.Addr{"skip_list.nce"}, m.DependsOn); diff != "" {
		t.Errorf("m365 depends_on (-want +got):\n%s", diff)
	}

	leg := cfg.Instance("subscription.legacy")
	wantLegacy := &model.Subscription{
		Via: "commerce", CustomerID: "dddddddd-dddd-4ddd-8ddd-dddddddddddd", MicrosoftDomain: "woodgrove.onmicrosoft.com",
		MigrateFrom: "33333333-3333-4333-8333-333333333333", TermDuration: "P3Y", BillingCycle: "triennial", PurchaseFullTerm: true,
		Addons: []model.Addon{
			{MigrateFrom: "44444444-4444-4444-8444-444444444444", TermDuration: "P1M", BillingCycle: "monthly", PurchaseFullTerm: true, PlanID: "plan-audio"},
			{MigrateFrom: "55555555-5555-4555-8555-555555555555", TermDuration: "P3Y", BillingCycle: "triennial", PurchaseFullTerm: true, PlanID: "plan-phone"},
		},
		Commerce: &model.CommerceOptions{AccountID: "1000048", SourceSubscriptionID: "1000122", PlanID: "plan-1", Mode: "new_subscription"},
	}
	if diff := cmp.Diff(wantLegacy, leg.Subscription, cmpopts.IgnoreFields(model.Subscription{}, "Ranges"), cmpopts.IgnoreFields(model.Addon{}, "DeclRange")); diff != "" {
		t.Errorf("legacy subscription (-want +got):\n%s", diff)
	}
	if leg.Provider != "commerce" {
		t.Errorf("legacy provider = %s", leg.Provider)
	}

	sl := cfg.Instance("skip_list.nce")
	wantSL := &model.SkipList{Product: "PRD-183-233-565", Marketplace: "MP-65669", Parameter: "processor_skip_list",
		Entries: []string{"AS-1564-9639-4055", "PR-3590-4186-1549-001", "TA-0000-0000-0001"}}
	if diff := cmp.Diff(wantSL, sl.SkipList); diff != "" || sl.Provider != "connect" {
		t.Errorf("skip list (-want +got):\n%s provider %s", diff, sl.Provider)
	}

	db := cfg.Instance("cutover.db01")
	if diff := cmp.Diff(&model.Cutover{SourceServerID: "s-1234567890abcdef0", RequireTest: true}, db.Cutover); diff != "" || db.Provider != "mgn" {
		t.Errorf("cutover.db01 (-want +got):\n%s", diff)
	}
	web := cfg.Instance(`cutover.web["web02"]`)
	wantWeb := &model.Cutover{SourceServerID: "s-1234567890abcdef2", MaxLag: 90 * time.Minute, MaxLagISO: "PT1H30M", Finalize: true, Archive: true}
	if diff := cmp.Diff(wantWeb, web.Cutover); diff != "" {
		t.Errorf("cutover.web (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]model.Addr{"cutover.db01"}, web.DependsOn); diff != "" {
		t.Errorf("web depends_on (-want +got):\n%s", diff)
	}

	imp := cfg.Instance(`subscription.m365["22222222-2222-4222-8222-222222222222"]`)
	if imp.ImportID != "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb/99999999-9999-4999-8999-999999999999" || imp.ImportRange.Start.Line != 89 {
		t.Errorf("import target: id %q range %v", imp.ImportID, imp.ImportRange)
	}
	if len(cfg.Imports) != 1 || cfg.Imports[0].To != imp.Addr {
		t.Errorf("imports = %+v", cfg.Imports)
	}
	if diff := cmp.Diff([]string{"SU-123:secret"}, cfg.Sensitive); diff != "" {
		t.Errorf("sensitive (-want +got):\n%s", diff)
	}
	if len(cfg.Hash) != 64 {
		t.Errorf("hash = %q", cfg.Hash)
	}
}
