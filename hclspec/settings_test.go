package hclspec

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// settingsSpec has a ferry block computed from variables and locals, beside resource blocks that
// cannot be evaluated: a for_each over a CSV file that does not exist, and a required variable
// without a value.
const settingsSpec = `ferry {
  state       = "${local.state_dir}/${var.wave}.state.json"
  reports     = local.reports
  parallelism = var.parallel
}

variable "wave" {
  default = "emea"
}

variable "parallel" {
  type    = number
  default = 3
}

variable "term" {
  type = string
}

variable "tenant" {
  sensitive = true
  default   = "t3nant-s3cr3t"
}

locals {
  state_dir = "states"
  reports   = "out-${local.state_dir}"
  rows      = csvdecode(file("missing.csv"))
}

provider "partnercenter" {
  tenant_id = "tenant-${var.tenant}"
}

subscription "m" {
  for_each      = { for r in local.rows : r.id => r }
  customer_id   = each.value.customer
  migrate_from  = each.key
  term_duration = var.term
  billing_cycle = "monthly"
}
`

func writeSettingsSpec(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadSettingsEvaluatesOnlyTheFerryBlock: LoadSettings yields the ferry block's settings
// (computed from variables and locals) of a spec whose resource blocks fail to evaluate, and does
// not evaluate those blocks nor the locals only they use: none of their errors is reported (the
// missing CSV is never read), while Load of the same spec reports them.
func TestLoadSettingsEvaluatesOnlyTheFerryBlock(t *testing.T) {
	dir := writeSettingsSpec(t, settingsSpec)
	if _, _, diags := Load(dir, withTable(Options{})); !strings.Contains(render(diags), "missing.csv") {
		t.Fatalf("Load should fail on the for_each's CSV:\n%s", render(diags))
	}

	cfg, files, diags := LoadSettings(dir, withTable(Options{}))
	if cfg == nil {
		t.Fatalf("no settings:\n%s", render(diags))
	}
	if cfg.StatePath != "states/emea.state.json" || cfg.Reports != "out-states" || cfg.Parallelism != 3 {
		t.Errorf("settings: state %q reports %q parallelism %d", cfg.StatePath, cfg.Reports, cfg.Parallelism)
	}
	if len(cfg.Instances) != 0 || len(cfg.Imports) != 0 {
		t.Errorf("resources evaluated: %d instances, %d imports", len(cfg.Instances), len(cfg.Imports))
	}
	text := render(diags)
	for _, unwanted := range []string{"missing.csv", "local.rows", "each.", "subscription"} {
		if strings.Contains(text, unwanted) {
			t.Errorf("diagnostics mention %q: the resource blocks were evaluated:\n%s", unwanted, text)
		}
	}
	// The variables are evaluated (the ferry block may use any): the one without a value is reported.
	if !strings.Contains(text, "No value for required variable") {
		t.Errorf("diagnostics lack the required variable:\n%s", text)
	}
	// Sensitive values computed in provider blocks are still known, for the redaction.
	if s := files.Sensitive(); !slices.Contains(s, "tenant-t3nant-s3cr3t") || !slices.Contains(s, "t3nant-s3cr3t") {
		t.Errorf("sensitive values %q", s)
	}
}

// TestLoadSettingsFerryBlockError: a ferry block with an error of its own yields no settings, and
// the error says why, whatever the rest of the spec.
func TestLoadSettingsFerryBlockError(t *testing.T) {
	src := strings.Replace(settingsSpec, "default = 3", "default = 0", 1)
	cfg, _, diags := LoadSettings(writeSettingsSpec(t, src), withTable(Options{}))
	if cfg != nil || !strings.Contains(render(diags), "parallelism") {
		t.Fatalf("settings %+v, diagnostics:\n%s", cfg, render(diags))
	}
}
