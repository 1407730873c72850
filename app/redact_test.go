package app

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	cases := []struct {
		secrets  []string
		in, want string
	}{
		{[]string{"t3nant-s3cr3t-abc"}, "tenant t3nant-s3cr3t-abc and xt3nant-s3cr3t-abcx\n", "tenant (sensitive value) and x(sensitive value)x\n"},
		{[]string{"ferry"}, "on main.ferry.hcl:3:1: value \"ferry\" here\n", "on main.ferry.hcl:3:1: value \"(sensitive value)\" here\n"},
		{[]string{"x"}, "Using the ferry sandbox; tenant = x\n", "Using the ferry sandbox; tenant = (sensitive value)\n"},
		{[]string{"abc", "abcdefghij"}, "abcdefghij abc\n", "(sensitive value) (sensitive value)\n"},
		{[]string{`a"b`}, "value \"a\\\"b\" here\n", "value \"(sensitive value)\" here\n"},
		{[]string{"a<b"}, `{"detail":"value \"a\u003cb\" here"}` + "\n", `{"detail":"value \"(sensitive value)\" here"}` + "\n"},
	}
	for _, c := range cases {
		var b bytes.Buffer
		w := newRedactor(&b, c.secrets)
		if _, err := w.Write([]byte(c.in)); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("secrets %q: %q → %q, want %q", c.secrets, c.in, b.String(), c.want)
		}
	}
}

// TestRedactorForms: a secret is redacted in every form it can be printed in.
func TestRedactorForms(t *testing.T) {
	for _, secret := range []string{`p@ss "w<o>rd" \ & ü/ok`, "t3nant-s3cr3t-abc", `ab"cd\efgh`, "<é>1234x"} {
		jsonHTML, _ := json.Marshal(secret)
		var plain bytes.Buffer
		enc := json.NewEncoder(&plain)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]string{"detail": "x " + secret + " y"})
		forms := map[string]string{
			"raw":            "value " + secret + "\n",
			"%q":             fmt.Sprintf("value %q\n", secret),
			"%+q":            fmt.Sprintf("value %+q\n", secret),
			"JSON":           fmt.Sprintf("{\"detail\":%s}\n", jsonHTML),
			"JSON, no HTML":  plain.String(),
			"query-escaped":  "https://example.com/?tenant=" + url.QueryEscape(secret) + "\n",
			"path-escaped":   "https://example.com/" + url.PathEscape(secret) + "/x\n",
			"%q inside %q":   fmt.Sprintf("%q\n", fmt.Sprintf("in %q", secret)),
			"JSON of a %q'd": fmt.Sprintf("%s\n", mustJSON(fmt.Sprintf("value %q", secret))),
		}
		for name, in := range forms {
			var b bytes.Buffer
			if _, err := newRedactor(&b, []string{secret}).Write([]byte(in)); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "(sensitive value)") {
				t.Errorf("%q %s: %q → %q, not redacted", secret, name, in, b.String())
			}
			for _, leak := range []string{"w<o>rd", "w\\u003co", "s3cr3t", "p@ss", "p%40ss"} {
				if strings.Contains(b.String(), leak) {
					t.Errorf("%q %s: %q → %q holds %q", secret, name, in, b.String(), leak)
				}
			}
		}
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestTruncateAfterRedaction: a long value quoted in a diagnostic is shortened after redaction, so a
// secret inside it is replaced whole and no prefix of it is printed; escapes are never cut in two.
func TestTruncateAfterRedaction(t *testing.T) {
	secret := `S3cr3t"\<>&%` + strings.Repeat("z", 120) // longer than what is shown of a value
	value := strings.Repeat("a", 150) + secret + strings.Repeat("b", 5000)
	msg := fmt.Sprintf("%q is not a GUID; want 8-4-4-4-12 hexadecimal digits.", value)
	got := truncateValues(newRedaction([]string{secret}).String(msg))
	if !strings.Contains(got, "(sensitive value)") || strings.Contains(got, "S3cr3t") {
		t.Fatalf("secret not redacted whole: %q", got)
	}
	if len(got) > maxShownValue+100 || !strings.Contains(got, `…" (shortened from 5167 bytes)`) || !strings.HasSuffix(got, "is not a GUID; want 8-4-4-4-12 hexadecimal digits.") {
		t.Fatalf("not shortened: %d bytes: %q", len(got), got)
	}
	// Shortening first would have printed the secret's start.
	if cut := truncateValues(msg); !strings.Contains(cut, "S3cr3t") {
		t.Fatalf("test setup: the secret is not within the shown part: %q", cut)
	}

	ctl := fmt.Sprintf("%q", strings.Repeat("\x01", 300)+strings.Repeat("é", 100))
	got = truncateValues(ctl)
	inner := got[1:strings.Index(got, `…"`)]
	if len(inner)%4 != 0 || strings.Count(inner, `\x01`) != len(inner)/4 {
		t.Fatalf("an escape was cut: %q", got)
	}
	if short := fmt.Sprintf("%q is fine", "short"); truncateValues(short) != short {
		t.Fatalf("a short value was changed")
	}
}

// FuzzTruncateValues: redaction then shortening never panics, never shows a secret, and leaves text
// without long quoted values as it is.
func FuzzTruncateValues(f *testing.F) {
	f.Add(fmt.Sprintf("%q is not a GUID", strings.Repeat(`a"\x`, 100)), `S3cr3t"\<>&%x`)
	f.Add(`"\u00e9\x01\"`+strings.Repeat("b", 300)+`"`, "bbbbbbbbbbbb")
	f.Fuzz(func(t *testing.T, text, secret string) {
		if len(secret) < minSubstringSecret || strings.Contains("(sensitive value)", secret) {
			return
		}
		msg := fmt.Sprintf("value %q: %s", text+secret, text)
		got := truncateValues(newRedaction([]string{secret}).String(msg))
		if strings.Contains(got, secret) || strings.Contains(got, unquote(strconv.Quote(secret))) {
			t.Fatalf("secret shown: %q", got)
		}
		if short := "no quotes here"; truncateValues(short) != short {
			t.Fatal("changed a short text")
		}
	})
}
