package partnercenter

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkClientValidateMigration is the client's own cost of one eligibility check (a plan of
// 100 000 subscriptions makes 100 000 of them), against a server that answers at once; compare with
// BenchmarkBareHTTP, the same exchange through net/http alone.
func BenchmarkClientValidateMigration(b *testing.B) {
	srv := httptest.NewServer(validationAnswer())
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL + "/v1", Limits: NoLimits()})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	req := MigrationRequest{CurrentSubscriptionID: "9beb6319-6889-4d28-a155-68ca9c783842", TermDuration: "P1Y", BillingCycle: "monthly", Quantity: 5}
	b.ReportAllocs()
	b.SetParallelism(32) // Read's 64 customers at once, on 2 CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.ValidateMigration(ctx, "8b1e2a7c-0000-4000-8000-000000000001", req); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkBareHTTP(b *testing.B) {
	srv := httptest.NewServer(validationAnswer())
	defer srv.Close()
	hc := withIdleConns(&http.Client{})
	url := srv.URL + "/v1/customers/8b1e2a7c-0000-4000-8000-000000000001/migrations/newcommerce/validate"
	b.ReportAllocs()
	b.SetParallelism(32) // Read's 64 customers at once, on 2 CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := hc.Post(url, "application/json", nil)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func validationAnswer() http.Handler {
	body := []byte(`{"currentSubscriptionId":"9beb6319-6889-4d28-a155-68ca9c783842","isEligible":true,"errors":[],"addOnMigrations":[]}`)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}
