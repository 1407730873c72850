package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ferry-dev/ferry/providers"
)

// A token request that Azure AD refuses (a wrong secret: 401 invalid_client) is final: it is not
// retried (it once was, nine times with backoff, over a minute per customer), and the error says
// that Azure AD refused the credentials, with its code and description, never the secret.
func TestTokenRefusalIsNotRetried(t *testing.T) {
	var tokens, api atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tenant-1/oauth2/v2.0/token", func(w http.ResponseWriter, r *http.Request) {
		tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.","error_codes":[7000215]}`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { api.Add(1) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	env := map[string]string{EnvClientID: "app", EnvClientSecret: "s3cret-value"}
	c, err := NewClientFor(context.Background(), Settings{Endpoint: srv.URL, Authority: srv.URL, TenantID: "tenant-1"},
		providers.Env{Getenv: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListSubscriptions(context.Background(), "c")
	var te *TokenError
	if !errors.As(err, &te) || te.StatusCode != 401 || te.Code != "invalid_client" {
		t.Fatalf("err = %v, want a *TokenError 401 invalid_client", err)
	}
	for _, want := range []string{"Azure AD refused the token request (HTTP 401 invalid_client)", "AADSTS7000215", EnvClientSecret} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "s3cret-value") {
		t.Errorf("error shows the secret: %v", err)
	}
	if tokens.Load() != 1 || api.Load() != 0 {
		t.Errorf("%d token requests, %d API requests; want 1 and 0", tokens.Load(), api.Load())
	}
}
