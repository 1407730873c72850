package providers

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestSameHostRedirects: a bearer token added by a transport is never sent across a redirect to
// another host; a redirect within the host is followed.
func TestSameHostRedirects(t *testing.T) {
	var mu sync.Mutex
	var leaked []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		leaked = append(leaked, r.Header.Get("Authorization")+r.Header.Get("APS-Token"))
		mu.Unlock()
		_, _ = io.WriteString(w, "{}")
	}))
	defer other.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			if r.Header.Get("Authorization") != "Bearer t0ken" {
				t.Errorf("same-host redirect lost the token")
			}
			_, _ = io.WriteString(w, "{}")
		}
	}))
	defer api.Close()

	hc := GuardRedirects(&http.Client{Transport: bearer{http.DefaultTransport}})
	resp, err := hc.Post(api.URL+"/away", "text/plain", strings.NewReader("client_secret=s3cr3t"))
	if err == nil {
		resp.Body.Close()
		t.Fatal("a redirect to another host was followed")
	}
	if !errors.Is(err, ErrRedirectRefused) || !strings.Contains(err.Error(), "another host") {
		t.Fatalf("error %v", err)
	}
	resp, err = hc.Get(api.URL + "/here")
	if err != nil {
		t.Fatalf("same-host redirect: %v", err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	if len(leaked) > 0 {
		t.Fatalf("the other host received %d requests (credentials %q)", len(leaked), leaked)
	}
}

// bearer adds a token to every request, as the oauth2 transport does (after CheckRedirect ran).
type bearer struct{ next http.RoundTripper }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer t0ken")
	r.Header.Set("APS-Token", "aps-t0ken")
	return b.next.RoundTrip(r)
}
