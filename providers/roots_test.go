package providers

import (
	"crypto/x509"
	"net/http"
	"testing"
)

type otherTransport struct{}

func (otherTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, nil }

type wrapper struct{ next http.RoundTripper }

func (w wrapper) RoundTrip(r *http.Request) (*http.Response, error) { return w.next.RoundTrip(r) }
func (w wrapper) Unwrap() http.RoundTripper                         { return w.next }
func (w wrapper) Rewrap(next http.RoundTripper) http.RoundTripper   { return wrapper{next: next} }

func TestWithRootCAs(t *testing.T) {
	pool := x509.NewCertPool()
	base := &http.Transport{}
	hc := GuardRedirects(&http.Client{Transport: wrapper{next: base}})
	got, err := WithRootCAs(hc, pool)
	if err != nil {
		t.Fatal(err)
	}
	w, ok := got.Transport.(wrapper)
	if !ok {
		t.Fatalf("transport %T: the wrapper was lost", got.Transport)
	}
	tr, ok := w.next.(*http.Transport)
	if !ok || tr == base || tr.TLSClientConfig == nil || tr.TLSClientConfig.RootCAs != pool {
		t.Fatalf("inner transport %#v: want a copy trusting the pool", w.next)
	}
	if (base.TLSClientConfig != nil && base.TLSClientConfig.RootCAs != nil) || hc.Transport.(wrapper).next != base {
		t.Error("the original client was changed")
	}
	if got.CheckRedirect == nil {
		t.Error("the redirect policy was lost")
	}
	if _, err := WithRootCAs(&http.Client{Transport: wrapper{next: otherTransport{}}}, pool); err == nil {
		t.Error("a transport whose TLS cannot be set was accepted")
	}
}
