package providers

import (
	"errors"
	"fmt"
	"net/http"
)

// ErrRedirectRefused is wrapped by the error of a request whose answer redirected to another host, or
// from https to http: ferry does not follow it, so no credential reaches another host.
var ErrRedirectRefused = errors.New("redirect refused")

// maxRedirects is how many redirects within one host a request follows (as net/http does).
const maxRedirects = 10

// SameHostRedirects is an http.Client CheckRedirect that follows a redirect only to the scheme and host
// of the original request. Credentials are added by transports (oauth2) and headers (APS-Token,
// ApiKey) that net/http does not strip on a redirect, and a 307/308 resends the body (a token request
// carries the client secret): every redirect elsewhere is refused, and the answer is an error.
func SameHostRedirects(req *http.Request, via []*http.Request) error {
	if len(via) == 0 {
		return nil
	}
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		return fmt.Errorf("%s answered with a redirect to %s://%s, another host: not followed, so that credentials go only to "+
			"the configured host (set the endpoint to the host that serves the API): %w", first.Host, req.URL.Scheme, req.URL.Host, ErrRedirectRefused)
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects: %w", maxRedirects, ErrRedirectRefused)
	}
	return nil
}

// GuardRedirects returns a copy of hc whose redirects are checked by SameHostRedirects (nil: a new
// client with no timeout of its own).
func GuardRedirects(hc *http.Client) *http.Client {
	c := &http.Client{}
	if hc != nil {
		*c = *hc
	}
	c.CheckRedirect = SameHostRedirects
	return c
}
