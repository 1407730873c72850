package app

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/hclspec"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/table"
)

// providerWord matches the provider's name as a word of the message (a prefix such as
// "partnercenter provider:" or "partnercenter:", or a quoted "partnercenter"), not as a part of
// a host name or an environment variable.
var providerWord = regexp.MustCompile(`(^|[\s"])partnercenter([\s":]|$)`)

// TestOpenProviderErrorsNameTheProviderOnce: when a provider cannot be opened, the app says which
// provider once, and the layers beneath add what they know without naming it again (no
// "partnercenter provider: partnercenter: …").
func TestOpenProviderErrorsNameTheProviderOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]cty.Value
		env    map[string]string
		want   string
	}{
		{"no credentials", nil, nil, "credentials missing"},
		{"bad poll_interval", map[string]cty.Value{"poll_interval": cty.StringVal("soon")},
			map[string]string{"FERRY_PARTNERCENTER_CLIENT_ID": "id", "FERRY_PARTNERCENTER_CLIENT_SECRET": "s", "FERRY_PARTNERCENTER_TENANT_ID": "t"},
			`poll_interval = "soon"`},
		{"bad endpoint", map[string]cty.Value{"endpoint": cty.StringVal("ftp://pc.example")},
			map[string]string{"FERRY_PARTNERCENTER_CLIENT_ID": "id", "FERRY_PARTNERCENTER_CLIENT_SECRET": "s", "FERRY_PARTNERCENTER_TENANT_ID": "t"},
			`base URL "ftp://pc.example/v1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errb bytes.Buffer
			g := &Globals{Getenv: func(k string) string { return tc.env[k] }, Providers: table.Default()}
			s := &spec{err: &errb, cfg: &hclspec.Config{Providers: map[string]providers.Config{
				"partnercenter": {Name: "partnercenter", Values: tc.values},
			}}}
			if _, ok := g.openProviders(context.Background(), s, map[string]bool{"partnercenter": true}); ok {
				t.Fatalf("openProviders succeeded; want an error")
			}
			msg := strings.TrimSpace(errb.String())
			if !strings.HasPrefix(msg, "Error: partnercenter provider: ") || !strings.Contains(msg, tc.want) {
				t.Errorf("message = %q, want it to start with %q and contain %q", msg, "Error: partnercenter provider: ", tc.want)
			}
			if n := len(providerWord.FindAllStringIndex(msg, -1)); n != 1 {
				t.Errorf("message names the provider %d times, want once: %q", n, msg)
			}
		})
	}
}
