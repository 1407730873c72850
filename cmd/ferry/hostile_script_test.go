package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// deepspec FILE N: write a spec FILE whose one local is an expression in N nested parentheses.
func cmdDeepSpec(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: deepspec FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	src := "locals {\n  x = " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + "\n}\n"
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(src), 0o644))
}

// hostile MODE: serve a hostile Partner Center and Azure AD on loopback and point the spec's variable
// endpoint at it (FERRY_VAR_endpoint). MODE hang: tokens are issued, and no API request is ever
// answered. MODE refuse: the token endpoint answers 401 with a description that repeats the client
// secret and the tenant, as sent. MODE echo: every request gets a 401 whose body repeats the
// credentials it carried (Authorization, APS-Token). MODE redirect: every API request is redirected to another host
// (FERRY_VAR_endpoint's port + a second server), which counts what reaches it in the file stolen.
func cmdHostile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hostile hang|refuse|redirect|echo")
	}
	mode := args[0]
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.OpenFile(ts.MkAbs("stolen"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err == nil {
			fmt.Fprintf(f, "%s %s\n", r.URL.Path, r.Header.Get("Authorization"))
			f.Close()
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"totalCount":0,"items":[]}`)
	}))
	ts.Defer(thief.Close)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
			w.Header().Set("Content-Type", "application/json")
			if mode == "refuse" {
				_ = r.ParseForm()
				w.WriteHeader(http.StatusUnauthorized)
				desc := fmt.Sprintf("AADSTS7000215: Invalid client secret provided: %s for tenant %s", r.Form.Get("client_secret"), url.PathEscape(r.URL.Path))
				fmt.Fprintf(w, `{"error":"invalid_client","error_description":%q}`, desc)
				return
			}
			fmt.Fprint(w, `{"access_token":"t0ken-xyz","token_type":"Bearer","expires_in":3600}`)
			return
		}
		switch mode {
		case "echo":
			// Every credential the request carried, repeated in a 401 in the shapes of Connect's
			// and Commerce's errors.
			sent := r.Header.Get("Authorization") + " " + r.Header.Get("APS-Token")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error_code":"AUTH_001","errors":[%q],"type":"Unauthorized","message":%q}`, "bad key "+sent, "bad token "+sent)
		case "hang":
			<-r.Context().Done()
		case "redirect":
			http.Redirect(w, r, thief.URL+r.URL.Path, http.StatusTemporaryRedirect)
		default:
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	ts.Defer(srv.Close)
	ts.Setenv("FERRY_VAR_endpoint", srv.URL)
}

// noleak NAME...: no form of the value of any environment variable NAME — raw, Go-quoted (%q, %+q),
// JSON-escaped (with and without HTML escaping), JSON of the Go-quoted form, URL-encoded (query and
// path) — appears in the last command's stdout or stderr or in any file under $WORK.
func cmdNoLeak(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: noleak NAME...")
	}
	type form struct{ name, text string }
	var forms []form
	inner := func(q string) string { return q[1 : len(q)-1] }
	jsonOf := func(v string, html bool) string {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(v)
		return inner(strings.TrimSpace(b.String()))
	}
	for _, name := range args {
		v := ts.Getenv(name)
		if len(v) < 8 {
			ts.Fatalf("noleak %s: the secret must be at least 8 bytes long to be looked for everywhere", name)
		}
		forms = append(forms,
			form{name + " raw", v},
			form{name + " %q", inner(strconv.Quote(v))},
			form{name + " %+q", inner(strconv.QuoteToASCII(v))},
			form{name + " JSON", jsonOf(v, true)},
			form{name + " JSON without HTML escaping", jsonOf(v, false)},
			form{name + " JSON of %q", jsonOf(strconv.Quote(v), true)},
			form{name + " query-escaped", url.QueryEscape(v)},
			form{name + " path-escaped", url.PathEscape(v)},
		)
	}
	check := func(where, text string) {
		for _, f := range forms {
			if strings.Contains(text, f.text) {
				ts.Fatalf("%s holds the secret (%s): %q", where, f.name, f.text)
			}
		}
	}
	check("stdout", ts.ReadFile("stdout"))
	check("stderr", ts.ReadFile("stderr"))
	root := ts.Getenv("WORK")
	ts.Check(filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		check(path, string(data))
		return nil
	}))
}
