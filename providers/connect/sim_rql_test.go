package connect

import "testing"

func TestParseRQL(t *testing.T) {
	fields := map[string]string{"status": "pending", "asset.product.id": "PRD-1", "asset.marketplace.id": "MP-1"}
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{"and(eq(asset.product.id,PRD-1),eq(asset.marketplace.id,MP-1),in(status,(pending,draft)))&limit=100&offset=0", true},
		{"and(eq(asset.product.id,PRD-1),in(status,(approved,failed)))", false},
		{"eq(asset.marketplace.id,MP-2)", false},
		{"ne(asset.marketplace.id,MP-2)&out(status,(approved))", true},
		{"or(eq(status,draft),eq(status,pending))", true},
		{"not(eq(status,pending))", false},
		{"eq(asset.tiers.customer.id,TA-1)", true},           // undeclared here: ignored
		{"and(eq(asset.product.id,PRD-1)", true},             // does not parse: ignored
		{"and%28eq%28asset.product.id%2CPRD-2%29%29", false}, // escaped
		{"limit=10&offset=5", true},
	} {
		if got := matchAll(parseRQL(tc.query), fields); got != tc.want {
			t.Errorf("%s → %v, want %v", tc.query, got, tc.want)
		}
	}
}

// FuzzParseRQL: any query string the sandbox receives parses and matches without panicking.
func FuzzParseRQL(f *testing.F) {
	for _, s := range []string{"and(eq(a,b),in(c,(d,e)))&limit=1", "or(not(eq(x,y)))", "in(a,(", "eq(,)", "and(and(and(", "%28%29"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		matchAll(parseRQL(q), map[string]string{"a": "b", "c": "d"})
	})
}
