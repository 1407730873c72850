package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"

	"github.com/rogpeppe/go-internal/testscript"
)

// skiplist PRODUCT MARKETPLACE PARAMETER VALUE: the sandbox's Connect configuration row of PARAMETER
// for MARKETPLACE (no item) holds exactly VALUE ("-" for unset).
func cmdSkipList(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: skiplist PRODUCT MARKETPLACE PARAMETER VALUE")
	}
	var world struct {
		Connect struct {
			Products map[string]struct {
				Configurations []struct {
					Parameter   struct{ ID, Name string } `json:"parameter"`
					Marketplace *struct{ ID string }      `json:"marketplace"`
					Item        *struct{ ID string }      `json:"item"`
					Value       *string                   `json:"value"`
				} `json:"configurations"`
			} `json:"products"`
		} `json:"connect"`
	}
	sandboxGet(ts, "/_sandbox/world", &world)
	got := "-"
	for _, c := range world.Connect.Products[args[0]].Configurations {
		if (c.Parameter.Name == args[2] || c.Parameter.ID == args[2]) && c.Marketplace != nil && c.Marketplace.ID == args[1] && c.Item == nil && c.Value != nil {
			got = *c.Value
		}
	}
	if (got == args[3]) == neg {
		ts.Fatalf("skip list %s/%s/%s = %q, want %s%q", args[0], args[1], args[2], got, map[bool]string{true: "not "}[neg], args[3])
	}
}

// skiplistset PRODUCT MARKETPLACE PARAMETER VALUE: someone else sets the value in the sandbox's
// Connect (POST /connect/products/PRODUCT/configurations), as a person in the portal would.
func cmdSkipListSet(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: skiplistset PRODUCT MARKETPLACE PARAMETER VALUE")
	}
	// Connect's POST names the parameter by its PRM id: take it from the world's rows.
	var world struct {
		Connect struct {
			Products map[string]struct {
				Configurations []struct {
					Parameter struct{ ID, Name string } `json:"parameter"`
				} `json:"configurations"`
			} `json:"products"`
		} `json:"connect"`
	}
	sandboxGet(ts, "/_sandbox/world", &world)
	id := args[2]
	for _, c := range world.Connect.Products[args[0]].Configurations {
		if c.Parameter.Name == args[2] {
			id = c.Parameter.ID
		}
	}
	body, _ := json.Marshal(map[string]any{"parameter": map[string]string{"id": id},
		"marketplace": map[string]string{"id": args[1]}, "value": args[3]})
	resp, err := http.Post(ts.Getenv("FERRY_SANDBOX")+"/connect/products/"+url.PathEscape(args[0])+"/configurations",
		"application/json", bytes.NewReader(body))
	ts.Check(err)
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		ts.Fatalf("POST configurations: %s: %s", resp.Status, b)
	}
}
