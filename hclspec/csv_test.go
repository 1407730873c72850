package hclspec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const csvSpec = `
locals { rows = csvdecode(file("customers.csv")) }
subscription "m365" {
  for_each         = { for r in local.rows : r.subscription_id => r }
  customer_id      = each.value.customer_id
  microsoft_domain = each.value.domain
  migrate_from     = each.key
  term_duration    = "P1Y"
  billing_cycle    = "monthly"
  quantity         = tonumber(each.value.seats)
}
`

const csvRows = "subscription_id,customer_id,domain,seats\n" +
	"11111111-0000-0000-0000-000000000001,aaaaaaaa-0000-0000-0000-000000000001,alpha.onmicrosoft.com,5\n" +
	"11111111-0000-0000-0000-000000000002,aaaaaaaa-0000-0000-0000-000000000002,beta.onmicrosoft.com,7\n"

func csvDir(t *testing.T, csv, spec string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "customers.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A CSV saved by Excel (a UTF-8 byte-order mark, CRLF line ends) gives exactly the instances of the
// same CSV without them.
func TestCSVFromExcelDecodesLikePlainCSV(t *testing.T) {
	plain := mustLoad(t, csvDir(t, csvRows, csvSpec), Options{})
	excel := mustLoad(t, csvDir(t, "\ufeff"+strings.ReplaceAll(csvRows, "\n", "\r\n"), csvSpec), Options{})
	if len(plain.Instances) != 2 {
		t.Fatalf("plain CSV: %d instances, want 2", len(plain.Instances))
	}
	for i := range plain.Instances {
		p, e := plain.Instances[i], excel.Instances[i]
		if p.Addr != e.Addr || cmp.Diff(p.Subscription, e.Subscription) != "" {
			t.Errorf("instance %d: plain %s %+v, excel %s %+v", i, p.Addr, p.Subscription, e.Addr, e.Subscription)
		}
	}
}

// A row with a missing field, and a column the CSV does not have, are reported naming the file (and
// the line, or the header's columns).
func TestCSVErrorsNameTheFile(t *testing.T) {
	for name, tc := range map[string]struct{ csv, spec, want string }{
		"short row": {
			csv:  csvRows + "11111111-0000-0000-0000-000000000003,aaaaaaaa-0000-0000-0000-000000000003\n",
			spec: csvSpec,
			want: "customers.csv: CSV parse error on line 4: wrong number of fields",
		},
		"missing column": {
			csv:  "\ufeff" + csvRows,
			spec: strings.Replace(csvSpec, "each.value.seats", "each.value.quantity", 1),
			want: `This object does not have an attribute named "quantity". each.value is a row of customers.csv, ` +
				"whose header (line 1) has the columns: subscription_id, customer_id, domain, seats.",
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, diags := Load(csvDir(t, tc.csv, tc.spec), Options{})
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			var all []string
			for _, d := range diags {
				all = append(all, d.Detail)
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Errorf("diagnostics:\n%s\nwant one containing %q", strings.Join(all, "\n"), tc.want)
			}
			if n := len(diags); name == "missing column" && n != 1 {
				t.Errorf("%d diagnostics for one missing column, want 1", n)
			}
		})
	}
}
