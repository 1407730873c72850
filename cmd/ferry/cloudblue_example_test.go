package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cloudblueExample copies examples/cloudblue-nce into a temporary directory with fast orders and
// migrations, serves its world in an in-process sandbox and returns the directory, the sandbox URL
// and ferry's environment.
func cloudblueExample(t *testing.T, edit func(spec string) string) (dir, url string, env []string) {
	t.Helper()
	dir = t.TempDir()
	example := filepath.Join("..", "..", "examples", "cloudblue-nce")
	spec, err := os.ReadFile(filepath.Join(example, "main.ferry.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(spec)
	if edit != nil {
		s = edit(s)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.ferry.hcl"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(example, "world.json"))
	if err != nil {
		t.Fatal(err)
	}
	var w map[string]any
	if err := json.Unmarshal(raw, &w); err != nil {
		t.Fatal(err)
	}
	w["behaviour"] = map[string]any{"durations": map[string]string{"commerce.order": "300ms", "partnercenter.migration": "300ms"}, "latency": "10ms"}
	fast, _ := json.Marshal(w)
	wpath := filepath.Join(dir, "world.json")
	if err := os.WriteFile(wpath, fast, 0o644); err != nil {
		t.Fatal(err)
	}
	_, hs, env := serveWorld(t, wpath)
	return dir, hs.URL, env
}

// cbWorld is the part of the sandbox world the agreement check reads: each API's own objects.
type cbWorld struct {
	PartnerCenter struct {
		Customers []struct {
			ID            string `json:"id"`
			Subscriptions []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"subscriptions"`
		} `json:"customers"`
	} `json:"partnercenter"`
	Commerce struct {
		Accounts []struct {
			ID            string `json:"id"`
			Subscriptions []struct {
				ID                   string `json:"id"`
				Status               string `json:"status"`
				VendorSubscriptionID string `json:"vendorSubscriptionId"`
				Parameters           []struct {
					Key   string `json:"key"`
					Value string `json:"value"`
				} `json:"parameters"`
			} `json:"subscriptions"`
		} `json:"accounts"`
		Orders []struct {
			Type     string `json:"type"`
			Products []struct {
				SubscriptionID string `json:"subscriptionId"`
				Parameters     []struct {
					Key             string          `json:"key"`
					Value           string          `json:"value"`
					StructuredValue json.RawMessage `json:"structured_value"`
				} `json:"parameters"`
			} `json:"products"`
		} `json:"orders"`
	} `json:"commerce"`
	Connect struct {
		Assets []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
			Params []struct {
				ID    string `json:"id"`
				Value string `json:"value"`
			} `json:"params"`
		} `json:"assets"`
	} `json:"connect"`
}

// TestCloudBlueExampleSystemsAgree applies examples/cloudblue-nce (killed with SIGKILL partway,
// then resumed) and proves that Partner Center, Connect and Commerce agree on every subscription:
// each Microsoft subscription that is active has exactly one active Commerce subscription and one
// active Connect asset naming it, each one that is not active has neither, and a Commerce
// subscription made by a migration order carries the transaction_id of its Connect asset.
func TestCloudBlueExampleSystemsAgree(t *testing.T) {
	dir, url, env := cloudblueExample(t, nil)
	runFerry(t, env, 0, "plan", "--chdir", dir)
	applyKilledAt(t, env, &crashState{dir: dir}, 5, time.Minute)
	runFerry(t, env, 0, "apply", "--auto-approve", "--chdir", dir)
	if out := runFerry(t, env, 0, "plan", "--chdir", dir); !strings.Contains(out, "No changes") {
		t.Fatalf("second plan:\n%s", out)
	}
	var w cbWorld
	getJSON(t, url+"/_sandbox/world", &w)

	commerceActive := map[string]int{}
	commerceTx := map[string]string{}
	adopted := false
	for _, a := range w.Commerce.Accounts {
		for _, s := range a.Subscriptions {
			if s.Status != "ACTIVE" {
				continue
			}
			if s.VendorSubscriptionID == "" {
				t.Errorf("active Commerce subscription %s names no Microsoft subscription", s.ID)
				continue
			}
			id := strings.ToLower(s.VendorSubscriptionID)
			commerceActive[id]++
			for _, p := range s.Parameters {
				if p.Key == "transaction_id" {
					commerceTx[id] = p.Value
				}
			}
			if a.ID == "1000051" && id == "33333333-bbbb-4bbb-8bbb-000000000003" {
				adopted = true
			}
		}
	}
	connectActive := map[string]int{}
	connectTx := map[string]string{}
	for _, a := range w.Connect.Assets {
		if a.Status != "active" {
			continue
		}
		var sub, tx string
		for _, p := range a.Params {
			switch p.ID {
			case "subscription_id":
				sub = strings.ToLower(p.Value)
			case "transaction_id":
				tx = p.Value
			}
		}
		connectActive[sub]++
		connectTx[sub] = tx
	}
	checked := 0
	for _, c := range w.PartnerCenter.Customers {
		for _, s := range c.Subscriptions {
			id := strings.ToLower(s.ID)
			want := 0
			if s.Status == "active" {
				want = 1
			}
			if commerceActive[id] != want || connectActive[id] != want {
				t.Errorf("Microsoft subscription %s is %s; active in Commerce %d times and in Connect %d times, want %d",
					s.ID, s.Status, commerceActive[id], connectActive[id], want)
			}
			if want == 1 && connectTx[id] != "" && commerceTx[id] != connectTx[id] {
				t.Errorf("subscription %s: Commerce transaction_id %q, Connect asset's %q", s.ID, commerceTx[id], connectTx[id])
			}
			checked++
		}
	}
	if checked != 10 { // 6 in the world, 4 made by the migrations (a base with 2 add-ons, and a switched plan)
		t.Errorf("checked %d Microsoft subscriptions, want 10", checked)
	}
	for id := range commerceActive {
		found := false
		for _, c := range w.PartnerCenter.Customers {
			for _, s := range c.Subscriptions {
				found = found || strings.EqualFold(s.ID, id)
			}
		}
		if !found {
			t.Errorf("Commerce names Microsoft subscription %s, which Partner Center does not have", id)
		}
	}
	if !adopted {
		t.Error("the adopted subscription is not an active Commerce subscription of account 1000051")
	}
	// One order of each kind per migration, whatever the kill interrupted.
	counts := map[string]int{}
	for _, o := range w.Commerce.Orders {
		counts[o.Type]++
	}
	if counts["SALES"] != 2 || counts["CANCELLATION"] != 1 || counts["CHANGE"] != 1 {
		t.Errorf("orders by type = %v, want 2 SALES (a migration and an adoption), 1 CANCELLATION, 1 CHANGE", counts)
	}
}

// TestCloudBlueAdoptionQuantityMismatch: a spec whose quantity differs from Microsoft's is a plan
// error at quantity, and apply places no order at all.
func TestCloudBlueAdoptionQuantityMismatch(t *testing.T) {
	dir, url, env := cloudblueExample(t, func(s string) string {
		return strings.Replace(s, "quantity         = 12", "quantity         = 15", 1)
	})
	out := runFerry(t, env, 1, "plan", "--chdir", dir)
	spec, _ := os.ReadFile(filepath.Join(dir, "main.ferry.hcl"))
	line := 1 + strings.Count(string(spec[:strings.Index(string(spec), "quantity         = 15")]), "\n")
	at := fmt.Sprintf("on main.ferry.hcl:%d:22", line) // the diagnostic points at the value
	for _, want := range []string{"Adopted subscription does not match quantity", "the spec says quantity = 15, but Microsoft has quantity 12", at} {
		if !strings.Contains(out, want) {
			t.Errorf("plan output lacks %q:\n%s", want, out)
		}
	}
	runFerry(t, env, 1, "apply", "--auto-approve", "--chdir", dir)
	var stats map[string]int
	getJSON(t, url+"/_sandbox/stats", &stats)
	if n := stats["commerce.CreateOrder"]; n != 0 {
		t.Errorf("commerce.CreateOrder = %d, want 0: nothing is ordered while the adoption does not match", n)
	}
}
