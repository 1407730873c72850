package commerce

import (
	"encoding/json"
	"os"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeOrder feeds arbitrary answers of GET …/orders, …/orders/{id} and the subscription list
// to the decoders and to everything that reads an order: nothing panics.
func FuzzDecodeOrder(f *testing.F) {
	if b, err := os.ReadFile("testdata/order_provisioning.json"); err == nil {
		f.Add(b)
	}
	sales := SalesOrder(MigrationOrder{AccountID: "1", PlanID: "p", MSCustomerID: "c", LegacyID: "l", MicrosoftDomain: "d.onmicrosoft.com",
		TransactionID: "tx", Addons: []AddonMigrate{{SubscriptionID: "a"}}, AddonPlans: []string{"ap"}})
	b, _ := json.Marshal(sales)
	f.Add(b)
	a, _ := json.Marshal(AdoptionSalesOrder(AdoptionOrder{AccountID: "1", PlanID: "p", SubscriptionID: "s"}))
	f.Add(a)
	f.Add([]byte(`{"products": [{"parameters": [{"key": "transaction_info_object", "structured_value": "not an object"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var o Order
		if json.Unmarshal(data, &o) == nil {
			_, _, _, _ = o.Transaction(), o.AddonLines(), o.Migration(), o.SubscriptionID()
			_, _, _ = o.Param(ParamTransactionID), o.Completed(), o.Failed()
		}
		var list []Order
		_ = json.Unmarshal(data, &list)
		var subs []Subscription
		_ = json.Unmarshal(data, &subs)
	})
}

// FuzzErrorMessage feeds arbitrary error bodies to errorMessage: an HTML page is never shown, and
// the message stays bounded.
func FuzzErrorMessage(f *testing.F) {
	f.Add([]byte(`{"code": 400, "type": "ValidationError", "message": "bad"}`))
	f.Add([]byte("<html><body><h1>503</h1></body></html>"))
	f.Add([]byte("plain text error"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m := errorMessage(data)
		if utf8.ValidString(string(data)) && len(data) > 0 && data[0] == '<' && m != "" {
			var e struct{ Message string }
			if json.Unmarshal(data, &e) != nil {
				t.Fatalf("an HTML body shown: %q", m)
			}
		}
		if len(m) > 8<<20 {
			t.Fatal("unbounded message")
		}
	})
}

// FuzzParseRetryAfter: any header gives a wait between 0 and an hour.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"1", "0", "-5", "Tue, 01 Dec 2026 10:00:05 GMT", "soon", "99999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		if d := parseRetryAfter(h, now); d < 0 || d > time.Hour {
			t.Fatalf("%q: %s", h, d)
		}
	})
}
