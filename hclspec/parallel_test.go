package hclspec

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
)

// writeLargeSpec writes a spec of n subscriptions driven by a CSV; row bad (when ≥ 0) has a
// quantity that is not a number, and every instance reads a small file with file().
func writeLargeSpec(t *testing.T, n, bad int) string {
	t.Helper()
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("sub,cust,seats\n")
	for i := range n {
		seats := fmt.Sprint(1 + i%50)
		if i == bad {
			seats = "many"
		}
		fmt.Fprintf(&csv, "%08x-0000-4000-8000-%012x,%08x-1111-4000-8000-000000000000,%s\n", i, i, i%700, seats)
	}
	spec := `
locals {
  rows = csvdecode(file("rows.csv"))
}
subscription "m" {
  for_each      = { for r in local.rows : r.sub => r }
  customer_id   = each.value.cust
  migrate_from  = each.key
  term_duration = trimspace(file("term.txt"))
  billing_cycle = "monthly"
  quantity      = tonumber(each.value.seats)
}
`
	for name, body := range map[string]string{"main.ferry.hcl": spec, "rows.csv": csv.String(), "term.txt": "P1Y\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadWithProcs loads dir with GOMAXPROCS set to procs (1 forces the one-goroutine evaluation).
func loadWithProcs(t *testing.T, dir string, procs int) (*Config, hcl.Diagnostics) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	cfg, _, diags := Load(dir, withTable(Options{}))
	return cfg, diags
}

// TestParallelEvaluationMatchesSequential: a block large enough to be evaluated on several
// goroutines gives the same instances, in the same order, with the same ranges, as one goroutine.
func TestParallelEvaluationMatchesSequential(t *testing.T) {
	dir := writeLargeSpec(t, parallelMinInstances+1500, -1)
	seq, d1 := loadWithProcs(t, dir, 1)
	par, d2 := loadWithProcs(t, dir, 4)
	if d1.HasErrors() || d2.HasErrors() {
		t.Fatalf("diagnostics: %v / %v", d1, d2)
	}
	if len(par.Instances) != parallelMinInstances+1500 {
		t.Fatalf("%d instances", len(par.Instances))
	}
	if diff := cmp.Diff(seq.Instances, par.Instances, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("parallel evaluation differs (-one goroutine +several):\n%s", diff)
	}
	if seq.Hash != par.Hash {
		t.Fatalf("hash %s != %s", seq.Hash, par.Hash)
	}
}

// TestParallelEvaluationReportsAsSequential: an error in one instance of a large block is
// reported exactly as the one-goroutine evaluation reports it (the parallel attempt gives up).
func TestParallelEvaluationReportsAsSequential(t *testing.T) {
	dir := writeLargeSpec(t, parallelMinInstances+1500, parallelMinInstances+700)
	_, d1 := loadWithProcs(t, dir, 1)
	_, d2 := loadWithProcs(t, dir, 4)
	if !d1.HasErrors() {
		t.Fatal("the bad row was not reported")
	}
	if d1.Error() != d2.Error() {
		t.Fatalf("diagnostics differ:\none goroutine: %s\nseveral:       %s", d1.Error(), d2.Error())
	}
}
