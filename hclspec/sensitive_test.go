package hclspec

import (
	"strings"
	"testing"
)

func TestSensitiveValuesStayOutOfResources(t *testing.T) {
	decl := `variable "secret" {
  type      = string
  sensitive = true
  default   = "` + g2 + `"
}
`
	cases := []struct {
		name, spec, wantArg string
	}{
		{"argument", decl + strings.Replace(sub("a", g1, ""), `"`+gCust+`"`, "var.secret", 1), "customer_id"},
		{"instance key", decl + `subscription "a" {
  for_each      = toset([var.secret])
  customer_id   = "` + gCust + `"
  migrate_from  = "` + g1 + `"
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
`, "the instance key"},
		{"embedded in a key", decl + `subscription "a" {
  for_each      = toset(["k-${var.secret}"])
  customer_id   = "` + gCust + `"
  migrate_from  = "` + g1 + `"
  term_duration = "P1Y"
  billing_cycle = "monthly"
}
`, "the instance key"},
		{"provider only is fine", decl + `provider "partnercenter" {
  tenant_id = var.secret
}
` + sub("a", g1, ""), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, diags := LoadSources("spec", map[string][]byte{"main.ferry.hcl": []byte(c.spec)}, withTable(Options{}))
			if c.wantArg == "" {
				if diags.HasErrors() {
					t.Fatalf("unexpected: %v", diags)
				}
				return
			}
			if !diags.HasErrors() {
				t.Fatal("a sensitive value in a resource was accepted")
			}
			d := diags[0]
			if d.Summary != "Sensitive value in a resource argument" || !strings.Contains(d.Detail, c.wantArg) || d.Subject == nil {
				t.Errorf("diagnostic = %s: %s (%v)", d.Summary, d.Detail, d.Subject)
			}
			if strings.Contains(d.Detail, g2) {
				t.Errorf("the diagnostic repeats the secret: %s", d.Detail)
			}
		})
	}
}

func TestSensitiveValuesKnownEvenWhenLoadFails(t *testing.T) {
	spec := `variable "secret" {
  type      = number
  sensitive = true
}
` + sub("a", "not-a-guid", "")
	cfg, files, diags := LoadSources("spec", map[string][]byte{"main.ferry.hcl": []byte(spec)}, withTable(Options{Vars: []string{"secret=hunter22secret"}}))
	if cfg != nil || !diags.HasErrors() {
		t.Fatal("want errors")
	}
	got := files.Sensitive()
	if len(got) != 1 || got[0] != "hunter22secret" {
		t.Errorf("Sensitive() = %v", got)
	}
}
