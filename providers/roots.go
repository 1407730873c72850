package providers

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
)

// TransportWrapper is implemented by a RoundTripper that wraps another (the run log's): Unwrap gives
// the wrapped one and Rewrap the same wrapper around another, so that a change to the innermost
// *http.Transport (its trusted roots) keeps every layer above it.
type TransportWrapper interface {
	http.RoundTripper
	Unwrap() http.RoundTripper
	Rewrap(next http.RoundTripper) http.RoundTripper
}

// WithRootCAs returns a copy of hc whose TLS connections trust the certificates of pool instead of
// the system's (a CA bundle a provider's configuration names, such as AWS_CA_BUNDLE). hc itself is
// not changed; its wrappers, timeout and redirect policy are kept.
func WithRootCAs(hc *http.Client, pool *x509.CertPool) (*http.Client, error) {
	c := &http.Client{}
	if hc != nil {
		*c = *hc
	}
	rt, err := transportWithRootCAs(c.Transport, pool)
	if err != nil {
		return nil, err
	}
	c.Transport = rt
	return c, nil
}

func transportWithRootCAs(rt http.RoundTripper, pool *x509.CertPool) (http.RoundTripper, error) {
	if rt == nil {
		rt = http.DefaultTransport
	}
	switch t := rt.(type) {
	case *http.Transport:
		c := t.Clone()
		if c.TLSClientConfig == nil {
			c.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		c.TLSClientConfig.RootCAs = pool
		return c, nil
	case TransportWrapper:
		next, err := transportWithRootCAs(t.Unwrap(), pool)
		if err != nil {
			return nil, err
		}
		return t.Rewrap(next), nil
	}
	return nil, fmt.Errorf("cannot set the trusted certificates of an HTTP transport of type %T", rt)
}
