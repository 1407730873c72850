package hclspec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/google/go-cmp/cmp"
)

func TestFormat(t *testing.T) {
	in := "subscription \"a\" {\ncustomer_id = \"x\"\n  term_duration=\"P1Y\"\n}\n"
	want := "subscription \"a\" {\n  customer_id   = \"x\"\n  term_duration = \"P1Y\"\n}\n"
	if got := string(Format([]byte(in))); got != want {
		t.Errorf("Format:\n%s\nwant:\n%s", got, want)
	}
	if got := string(Format([]byte(want))); got != want {
		t.Errorf("Format is not idempotent:\n%s", got)
	}
}

func TestParseTimeout(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10m", 10 * time.Minute, true},
		{"72h", 72 * time.Hour, true},
		{"3d", 72 * time.Hour, true},
		{"1d12h30m", 36*time.Hour + 30*time.Minute, true},
		{"90s", 90 * time.Second, true},
		{"0", 0, false},
		{"-5m", 0, false},
		{"d", 0, false},
		{"1dd", 0, false},
		{"10", 0, false},
		{"", 0, false},
		{"+5m", 0, false},
		{"99999999999d", 0, false},
	}
	for _, tc := range cases {
		got, err := parseTimeout(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseTimeout(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseISODuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT5M", 5 * time.Minute, true},
		{"PT1H30M", 90 * time.Minute, true},
		{"P1D", 24 * time.Hour, true},
		{"P1DT2H", 26 * time.Hour, true},
		{"P2W", 14 * 24 * time.Hour, true},
		{"PT0.5S", 500 * time.Millisecond, true},
		{"PT0S", 0, false},
		{"P", 0, false},
		{"PT", 0, false},
		{"P1DT", 0, false},
		{"P1Y", 0, false},
		{"P1M", 0, false},
		{"5m", 0, false},
		{"pt5m", 0, false},
		{"P99999999999999999999D", 0, false},
	}
	for _, tc := range cases {
		got, err := parseISODuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseISODuration(%q) = %v, %v; want %v ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestDependsOnExpansion(t *testing.T) {
	src := `
cutover "db" {
  for_each         = { a = "s-1234567890abcdef0", b = "s-1234567890abcdef1" }
  source_server_id = each.value
}
cutover "web" {
  source_server_id = "s-1234567890abcdef2"
  depends_on       = [cutover.db, cutover.db["a"], skip_list.s]
}
cutover "app" {
  source_server_id = "s-1234567890abcdef3"
  depends_on       = [cutover.db["b"], cutover.web]
}
skip_list "s" {
  product     = "PRD-183-233-565"
  marketplace = "MP-12345"
  entries     = []
}
`
	cfg, _, diags := LoadSources("testdata", map[string][]byte{"a.ferry.hcl": []byte(src)}, withTable(Options{}))
	if diags.HasErrors() {
		t.Fatal(render(diags))
	}
	got := map[model.Addr][]model.Addr{}
	for _, inst := range cfg.Instances {
		got[inst.Addr] = inst.DependsOn
	}
	want := map[model.Addr][]model.Addr{
		`cutover.db["a"]`: nil,
		`cutover.db["b"]`: nil,
		`cutover.web`:     {`cutover.db["a"]`, `cutover.db["b"]`, `skip_list.s`},
		`cutover.app`:     {`cutover.db["b"]`, `cutover.web`},
		`skip_list.s`:     nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("depends_on (-want +got):\n%s", diff)
	}
}

func TestForEachCSV(t *testing.T) {
	src := `
locals {
  rows = csvdecode(file("customers.csv"))
}
subscription "m" {
  for_each      = { for r in local.rows : r.subscription_id => r if tonumber(r.seats) > 10 }
  customer_id   = each.value.customer_id
  migrate_from  = each.key
  term_duration = "P1M"
  billing_cycle = "monthly"
  quantity      = each.value.seats
}
`
	cfg, _, diags := LoadSources("testdata/full", map[string][]byte{"a.ferry.hcl": []byte(src)}, withTable(Options{}))
	if diags.HasErrors() {
		t.Fatal(render(diags))
	}
	if len(cfg.Instances) != 1 || cfg.Instances[0].Addr != `subscription.m["11111111-1111-4111-8111-111111111111"]` || *cfg.Instances[0].Subscription.Quantity != 25 {
		t.Errorf("instances = %+v", cfg.Instances)
	}
}

func TestHash(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("main.ferry.hcl", "variable \"v\" {\n  default = \"a\"\n}\nlocals {\n  x = file(\"data.txt\")\n}\n")
	write("data.txt", "one")
	hash := func(opts Options) string {
		cfg, _, diags := Load(dir, opts)
		if diags.HasErrors() {
			t.Fatal(render(diags))
		}
		return cfg.Hash
	}
	h0 := hash(withTable(Options{}))
	if h0 != hash(withTable(Options{})) {
		t.Error("hash is not stable")
	}
	if h0 == hash(withTable(Options{Vars: []string{"v=b"}})) {
		t.Error("hash ignores variable values")
	}
	if h0 != hash(withTable(Options{Vars: []string{"v=a"}})) {
		t.Error("hash depends on how a value is given")
	}
	write("data.txt", "two")
	if h0 == hash(withTable(Options{})) {
		t.Error("hash ignores files read with file()")
	}
	write("data.txt", "one")
	write("other.ferry.hcl", "")
	if h0 == hash(withTable(Options{})) {
		t.Error("hash ignores spec files")
	}
}

func TestNoSpecFiles(t *testing.T) {
	_, _, diags := Load(t.TempDir(), withTable(Options{}))
	if !diags.HasErrors() || diags[0].Summary != "No spec files" {
		t.Errorf("diags = %s", render(diags))
	}
	_, _, diags = Load(filepath.Join(t.TempDir(), "missing"), withTable(Options{}))
	if !diags.HasErrors() || diags[0].Summary != "Cannot read the spec directory" {
		t.Errorf("diags = %s", render(diags))
	}
}

func TestMultipleFilesDuplicate(t *testing.T) {
	a := sub("a", g1, "")
	_, _, diags := LoadSources("testdata", map[string][]byte{"a.ferry.hcl": []byte(a), "b.ferry.hcl": []byte(a)}, withTable(Options{}))
	if len(diags) != 1 {
		t.Fatalf("diags = %s", render(diags))
	}
	for _, d := range diags {
		if d.Subject.Filename != "b.ferry.hcl" || !strings.Contains(d.Detail, "a.ferry.hcl:1:1") {
			t.Errorf("want the duplicate in b.ferry.hcl naming a.ferry.hcl: %s", d.Error())
		}
	}
}

func TestHashLeavesOutSensitive(t *testing.T) {
	src := map[string][]byte{"a.ferry.hcl": []byte("variable \"s\" {\n  sensitive = true\n}\n")}
	h := func(v string) string {
		cfg, _, diags := LoadSources("testdata", src, withTable(Options{Vars: []string{"s=" + v}}))
		if diags.HasErrors() {
			t.Fatal(render(diags))
		}
		if diff := cmp.Diff([]string{v}, cfg.Sensitive); diff != "" {
			t.Errorf("sensitive (-want +got):\n%s", diff)
		}
		return cfg.Hash
	}
	if h("one") != h("two") {
		t.Error("the hash depends on a sensitive value")
	}
}
