package hclspec_test

import (
	"fmt"
	"testing"

	"github.com/ferry-dev/ferry/hclspec"
	"github.com/ferry-dev/ferry/providers/partnercenter/examplegen"
	"github.com/ferry-dev/ferry/providers/table"
)

// BenchmarkLoad loads the generated CSV-driven example (one subscription block whose for_each
// expands into one instance per CSV row): parse, locals (csvdecode), for_each and every instance's
// arguments. Its figures per instance are ns/op and B/op divided by the size.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("subs=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := examplegen.Write(dir, examplegen.Options{Subs: n, Customers: n / 5, Limits: "off"}); err != nil {
				b.Fatal(err)
			}
			opts := hclspec.Options{Providers: table.Default()}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				cfg, _, diags := hclspec.Load(dir, opts)
				if diags.HasErrors() || len(cfg.Instances) != n {
					b.Fatalf("load: %v", diags)
				}
			}
		})
	}
}
