package providers

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

func TestCheckURL(t *testing.T) {
	for _, ok := range []string{"https://api.partnercenter.microsoft.com", "http://127.0.0.1:8787/x", "https://cbc.example.com:6308"} {
		if msg := CheckURL(cty.StringVal(ok)); msg != "" {
			t.Errorf("CheckURL(%q) = %s", ok, msg)
		}
	}
	for u, want := range map[string]string{
		"https://user:pw@x.com":         "credentials never go in the spec",
		"https://TOKEN@x.com/v1":        "credentials never go in the spec",
		"http://user:pw@127.0.0.1:8080": "credentials never go in the spec",
		"http://example.com":            "clear text",
		"ftp://example.com":             "not an absolute https URL",
	} {
		msg := CheckURL(cty.StringVal(u))
		if !strings.Contains(msg, want) {
			t.Errorf("CheckURL(%q) = %q, want %q", u, msg, want)
		}
		if strings.Contains(msg, "pw") || strings.Contains(msg, "TOKEN") {
			t.Errorf("CheckURL(%q) echoes the credentials: %s", u, msg)
		}
	}
}
