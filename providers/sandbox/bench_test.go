package sandbox

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/partnercenter"
	"github.com/ferry-dev/ferry/providers/simkit"
	"github.com/ferry-dev/ferry/providers/table"
)

// BenchmarkValidateThroughput runs the real client against the sandbox twice: with rate limits
// off (the client's and simulator's own cost) and with scaled limits (the client must track the
// limit: throughput near 450 per customer per 5 simulated minutes and almost no 429s). It reports
// the 429s the server answered per call.
func BenchmarkValidateThroughput(b *testing.B) {
	for _, bc := range []struct {
		name      string
		behaviour simkit.Behaviour
	}{
		{"limits=off", simkit.Behaviour{RateLimits: simkit.RateLimitsOff}},
		{"limits=scaled", simkit.Behaviour{RateLimits: simkit.RateLimitsScaled, TimeFactor: 300}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			w, err := LoadWorld("testdata/world.json", table.Default())
			if err != nil {
				b.Fatal(err)
			}
			w.Behaviour = bc.behaviour
			srv, err := New(w, table.Default())
			if err != nil {
				b.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer hs.Close()
			c, err := partnercenter.NewClient(partnercenter.ClientConfig{BaseURL: hs.URL + "/partnercenter/v1", Limits: partnercenter.LimitsFor((&providers.Sandbox{Behaviour: bc.behaviour}).Pace())})
			if err != nil {
				b.Fatal(err)
			}
			req := partnercenter.MigrationRequest{CurrentSubscriptionID: exBase}
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.ValidateMigration(ctx, exCustomer, req); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			sent := srv.Env().Stats.Get(partnercenter.OpValidateMigration)
			b.ReportMetric(float64(sent-int64(b.N))/float64(b.N), "429s/op")
		})
	}
}
