package hclspec

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// csvOf returns a CSV of n rows as the examples write them.
func csvOf(n int) string {
	var b strings.Builder
	b.WriteString("subscription_id,customer_id,domain,seats\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "11111111-0000-0000-0000-%012d,aaaaaaaa-0000-0000-0000-%012d,c%d.onmicrosoft.com,%d\n", i, i/5, i/5, i%50+1)
	}
	return b.String()
}

// csvdecodeBoth decodes text with ferry's csvdecode and with the cty standard library's.
func csvdecodeBoth(text string) (ours, std cty.Value, oursErr, stdErr error) {
	fr := &fileReader{read: map[string]string{}}
	f := fr.csvdecodeFunc()
	in := []cty.Value{cty.StringVal(text)}
	ours, oursErr = f.Call(in)
	std, stdErr = stdlib.CSVDecodeFunc.Call(in)
	return
}

// TestCSVDecodeMatchesStdlib: ferry's csvdecode, which builds its values without the standard
// library's intermediate copies, returns the same values and fails on the same inputs.
func TestCSVDecodeMatchesStdlib(t *testing.T) {
	for _, text := range []string{
		csvOf(3), "a,b\n", "a,b\n1,2", "a,b\r\n1,2\r\n", "a,b\n\"x,\"\"y\",2\n", "a,a\n1,2\n", "a,b\n1\n", "a,b\n1,2,3\n",
		"", "\n", "a\n\"unterminated\n", "é,ü\n1,2\n",
	} {
		ours, std, oerr, serr := csvdecodeBoth(text)
		if (oerr != nil) != (serr != nil) {
			t.Errorf("%q: ferry err %v, stdlib err %v", text, oerr, serr)
			continue
		}
		if oerr == nil && !ours.RawEquals(std) {
			t.Errorf("%q: ferry %#v, stdlib %#v", text, ours, std)
		}
	}
}

// FuzzCSVDecode: on any text, ferry's csvdecode agrees with the cty standard library's.
func FuzzCSVDecode(f *testing.F) {
	for _, s := range []string{csvOf(5), "a,b\n1,2\n", "a,b\n\"x\ny\",2\n", "a,a\n", "\ufeffa,b\n1,2\n", "a,b\n1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if strings.HasPrefix(text, "\ufeff") {
			return // ferry drops a byte-order mark; the standard library keeps it
		}
		ours, std, oerr, serr := csvdecodeBoth(text)
		if (oerr != nil) != (serr != nil) {
			t.Fatalf("ferry err %v, stdlib err %v", oerr, serr)
		}
		if oerr == nil && !ours.RawEquals(std) {
			t.Fatalf("ferry %#v, stdlib %#v", ours, std)
		}
	})
}

// BenchmarkCSVDecode decodes 100 000 rows; B/op is the figure (the standard library's csvdecode for
// comparison).
func BenchmarkCSVDecode(b *testing.B) {
	in := []cty.Value{cty.StringVal(csvOf(100000))}
	fr := &fileReader{read: map[string]string{}}
	for name, f := range map[string]func([]cty.Value) (cty.Value, error){"ferry": fr.csvdecodeFunc().Call, "stdlib": stdlib.CSVDecodeFunc.Call} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fr.csvs = nil
				if _, err := f(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
