package partnercenter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ferry-dev/ferry/providers"
	"github.com/google/uuid"
	"golang.org/x/oauth2"
)

const (
	maxBodyBytes   = 64 << 20
	maxPages       = 10000
	backoffBase    = 500 * time.Millisecond
	backoffCap     = 30 * time.Second
	retryAfterCap  = 10 * time.Minute
	continuationHd = "MS-ContinuationToken"
)

// request is one logical call; do sends it, with retries, under one MS-RequestId.
type request struct {
	op        string
	method    string
	url       string
	body      []byte
	headers   map[string]string
	requestID string
	// mutating requests change something remotely and are not deduplicated by the server: after a
	// connection error or a 5xx, once the request may have reached the server, they are not retried.
	mutating bool
	limiter  *window
	// headerPaging: further pages are announced by the MS-ContinuationToken response header and
	// asked for with the same URL and that header (the migration query), not by a next link.
	headerPaging bool
	// respHeader is the header of the last 2xx answer.
	respHeader http.Header
	// decode, when set, decodes a 2xx answer; for a read, an answer it cannot decode (a truncated
	// body, a proxy's HTML page) is retried like a 5xx.
	decode func(body []byte) error
}

// do sends req, retrying 429 (honouring Retry-After), 5xx and connection errors with exponential
// backoff and jitter, and returns the body of the 2xx answer.
func (c *Client) do(ctx context.Context, req *request) ([]byte, error) {
	if req.requestID == "" {
		req.requestID = uuid.NewString()
	}
	for attempt := 0; ; attempt++ {
		body, retryAfter, err := c.attempt(ctx, req, attempt)
		if err == nil && req.decode != nil {
			if derr := req.decode(body); derr != nil {
				if req.mutating {
					return nil, derr
				}
				err = &retryable{derr}
			}
		}
		if err == nil {
			return body, nil
		}
		var re *retryable
		if !errors.As(err, &re) {
			return nil, err
		}
		if attempt >= c.maxRetries {
			return nil, re.err
		}
		wait := retryAfter
		if wait <= 0 {
			wait = backoff(attempt)
		}
		// re.err starts with the operation already: it is named once.
		c.log("retrying in %s (attempt %d of %d): %v", wait, attempt+1, c.maxRetries, re.err)
		// The failed attempt was not performed (only such errors are retried), so the wait before
		// the next one ends at once when the run stops.
		wctx, cancel := providers.PreSendContext(ctx)
		err = c.sleep(wctx, wait)
		cancel()
		if err != nil && providers.SendStopped(ctx) {
			return nil, fmt.Errorf("%v; %w", re.err, providers.ErrNotSent)
		}
		if err != nil {
			if cause := context.Cause(ctx); cause != nil {
				err = cause // e.g. the deadline of reading the live state, which says which it is
			}
			return nil, fmt.Errorf("%v; stopped waiting to retry: %w", re.err, err)
		}
	}
}

// retryable marks an error that a further attempt may cure.
type retryable struct{ err error }

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

func (c *Client) attempt(ctx context.Context, req *request, attempt int) (body []byte, retryAfter time.Duration, err error) {
	if err := wait(ctx, req.limiter, c.sleep); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", req.op, err)
	}
	// Whether a mutating request reached the wire decides what its failure means (a read is retried
	// either way, so it is not traced).
	var wrote atomic.Bool
	actx := ctx
	timeout, cause := c.callTimeout, c.callTimeoutCause
	if req.mutating {
		actx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { wrote.Store(true) }})
	} else if c.readTimeout > 0 && (timeout == 0 || c.readTimeout < timeout) {
		// A read that hangs ends after its own timeout and is retried; a mutating call keeps the
		// client's (longer) timeout, after which its outcome is unknown and reconciled.
		timeout, cause = c.readTimeout, c.readTimeoutCause
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeoutCause(actx, timeout, cause)
		defer cancel()
	}
	hr, err := http.NewRequestWithContext(actx, req.method, req.url, bytes.NewReader(req.body))
	if err != nil {
		return nil, 0, fmt.Errorf("%s: building request: %w", req.op, err)
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("MS-RequestId", req.requestID)
	hr.Header.Set("MS-CorrelationId", c.correlationID)
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.headers {
		hr.Header.Set(k, v)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		c.log("partnercenter: %s %s: %v (attempt %d, MS-RequestId %s)", req.method, hr.URL.Path, err, attempt+1, req.requestID)
		if ctx.Err() == nil && actx.Err() != nil {
			err = context.Cause(actx) // the attempt's own deadline: "no answer within …"
		}
		if req.mutating && wrote.Load() {
			return nil, 0, &UnknownOutcomeError{Operation: req.op, RequestID: req.requestID, Err: err}
		}
		if ctx.Err() != nil {
			return nil, 0, fmt.Errorf("%s: %w", req.op, context.Cause(ctx))
		}
		if errors.Is(err, providers.ErrRedirectRefused) {
			// The server sends us elsewhere: asking again gets the same answer.
			return nil, 0, fmt.Errorf("%s: %w", req.op, err)
		}
		if terr := tokenRefused(err); terr != nil {
			// Azure AD refused the credentials: no attempt can cure that, and nothing was sent.
			return nil, 0, fmt.Errorf("%s: %w", req.op, terr)
		}
		return nil, 0, &retryable{fmt.Errorf("%s: %w", req.op, err)}
	}
	defer resp.Body.Close()
	body, readErr := readBody(resp)
	c.log("partnercenter: %s %s → %d (attempt %d, MS-RequestId %s)", req.method, hr.URL.Path, resp.StatusCode, attempt+1, req.requestID)
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if readErr != nil {
			if !req.mutating && errors.Is(readErr, errAnswerTooLarge) {
				return nil, 0, fmt.Errorf("%s: %w", req.op, readErr)
			}
			if req.mutating {
				return nil, 0, &UnknownOutcomeError{Operation: req.op, RequestID: req.requestID, Err: readErr}
			}
			return nil, 0, &retryable{fmt.Errorf("%s: reading response: %w", req.op, readErr)}
		}
		req.respHeader = resp.Header
		return body, 0, nil
	case resp.StatusCode == http.StatusTooManyRequests:
		return nil, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), &retryable{c.apiError(req, resp, body)}
	case resp.StatusCode >= 500:
		apiErr := c.apiError(req, resp, body)
		if req.mutating {
			return nil, 0, &UnknownOutcomeError{Operation: req.op, RequestID: req.requestID, Err: apiErr}
		}
		return nil, 0, &retryable{apiErr}
	default:
		return nil, 0, c.apiError(req, resp, body)
	}
}

// TokenError is Azure AD's refusal of the client-credentials token request (a 4xx answer of the
// token endpoint other than 429): a wrong secret, an unknown application or tenant, a bad scope.
type TokenError struct {
	// StatusCode is the token endpoint's HTTP status.
	StatusCode int
	// Code is the OAuth error ("invalid_client"), Description Azure AD's error_description
	// ("AADSTS7000215: Invalid client secret provided. …").
	Code, Description string
}

// Error says that Azure AD refused the credentials, with its code and description.
func (e *TokenError) Error() string {
	msg := fmt.Sprintf("Azure AD refused the token request (HTTP %d", e.StatusCode)
	if e.Code != "" {
		msg += " " + e.Code
	}
	msg += ")"
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg + "; check " + EnvClientID + ", " + EnvClientSecret + ", tenant_id and authority"
}

// tokenRefused returns a *TokenError when err is the token endpoint's definitive refusal, nil
// otherwise (no token error, or one worth retrying: 429, 5xx, a connection error).
func tokenRefused(err error) *TokenError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return nil
	}
	st := re.Response.StatusCode
	if st < 400 || st >= 500 || st == http.StatusTooManyRequests {
		return nil
	}
	desc := re.ErrorDescription
	if desc == "" && re.ErrorCode == "" {
		desc = strings.TrimSpace(string(re.Body))
		if len(desc) > 300 {
			desc = desc[:300] + "…"
		}
	}
	return &TokenError{StatusCode: st, Code: re.ErrorCode, Description: desc}
}

// errAnswerTooLarge is an answer longer than maxBodyBytes: it is not read further, and asking again
// would get the same answer.
var errAnswerTooLarge = fmt.Errorf("the answer is larger than %d MiB (the most ferry reads of one Partner Center answer)", maxBodyBytes>>20)

// readBody reads at most maxBodyBytes of the answer, into a buffer of the announced length when
// there is one (io.ReadAll would grow its buffer from 512 bytes, copying as it goes). A longer
// answer is errAnswerTooLarge, with what was read.
func readBody(resp *http.Response) ([]byte, error) {
	r := io.LimitReader(resp.Body, maxBodyBytes+1)
	n := resp.ContentLength
	var data []byte
	var err error
	if n <= 0 || n > maxBodyBytes {
		data, err = io.ReadAll(r)
	} else {
		var b bytes.Buffer
		b.Grow(int(n) + bytes.MinRead)
		_, err = b.ReadFrom(r)
		data = b.Bytes()
	}
	if err == nil && len(data) > maxBodyBytes {
		return data[:maxBodyBytes], errAnswerTooLarge
	}
	return data, err
}

func (c *Client) apiError(req *request, resp *http.Response, body []byte) *APIError {
	e := &APIError{Operation: req.op, StatusCode: resp.StatusCode, RequestID: req.requestID}
	if eb, ok := decodeErrorBody(body); ok {
		e.Description = eb.Description
		if eb.Code != 0 {
			e.Code = strconv.Itoa(eb.Code)
		} else {
			e.Code = eb.CodeText
		}
	}
	if e.Description == "" {
		e.Description = http.StatusText(resp.StatusCode)
	}
	return e
}

// parseRetryAfter reads a Retry-After header (providers.RetryAfter), at most retryAfterCap.
func parseRetryAfter(h string, now time.Time) time.Duration {
	return providers.RetryAfter(h, now, retryAfterCap)
}

// backoff returns the wait before retry attempt+1: exponential from 500 ms, capped at 30 s, with
// the upper half jittered.
func backoff(attempt int) time.Duration {
	d := backoffCap
	if attempt < 16 {
		d = min(backoffBase<<attempt, backoffCap)
	}
	half := d / 2
	return half + rand.N(half+1)
}

// pages sends req and then each next page the answer links to, handing every body to page.
func (c *Client) pages(ctx context.Context, req *request, page func(body []byte) (*ResourceLinks, error)) error {
	seen := map[string]bool{}
	read := 0
	for n := 0; ; n++ {
		if n >= maxPages {
			return fmt.Errorf("%s: more than %d pages; giving up", req.op, maxPages)
		}
		var links *ResourceLinks
		req.decode = func(body []byte) (err error) {
			links, err = page(body)
			return err
		}
		body, err := c.do(ctx, req)
		if err != nil {
			return err
		}
		if read += len(body); read > providers.MaxListBytes {
			return fmt.Errorf("%s: %w", req.op, providers.ListTooLarge(n+1))
		}
		var next *request
		switch tok := strings.TrimSpace(req.respHeader.Get(continuationHd)); {
		case req.headerPaging && tok != "":
			next = &request{op: req.op, method: req.method, url: req.url, limiter: req.limiter, headerPaging: true,
				headers: map[string]string{continuationHd: tok}}
			links = &ResourceLinks{Next: &Link{URI: req.url}}
		case links == nil || links.Next == nil:
			return nil
		default:
			if next, err = c.nextRequest(req, links.Next); err != nil {
				return err
			}
		}
		key := next.url + "\x00" + next.headers[continuationHd]
		if seen[key] {
			return fmt.Errorf("%s: the next-page link repeats itself (%s)", req.op, links.Next.URI)
		}
		seen[key] = true
		req = next
	}
}

// nextRequest turns a next link into a request on this client's base URL. Links to other hosts
// are refused so that credentials never leave Partner Center.
func (c *Client) nextRequest(prev *request, l *Link) (*request, error) {
	if l.Method != "" && !strings.EqualFold(l.Method, http.MethodGet) {
		return nil, &DecodeError{Operation: prev.op, Field: "links.next.method", Err: fmt.Errorf("method %q is not GET", l.Method)}
	}
	dir := *c.base
	dir.Path += "/"
	dir.RawPath = ""
	u, err := dir.Parse(l.URI)
	if err != nil {
		return nil, &DecodeError{Operation: prev.op, Field: "links.next.uri", Err: err}
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return nil, &DecodeError{Operation: prev.op, Field: "links.next.uri", Err: fmt.Errorf("%q points outside %s", l.URI, c.base.Host)}
	}
	// Partner Center writes links from its root ("/v1/customers/…"); the base may sit under a prefix
	// (the sandbox's /partnercenter/v1), so a root-relative link is re-anchored on the base.
	if strings.HasPrefix(l.URI, "/") {
		root := strings.TrimSuffix(c.base.Path, "/v1")
		p := u.Path
		if !strings.HasPrefix(p, "/v1/") && p != "/v1" {
			root = c.base.Path
		}
		if !strings.HasPrefix(p, root+"/") {
			u.Path = root + p
			u.RawPath = ""
		}
	}
	next := &request{op: prev.op, method: http.MethodGet, url: u.String(), limiter: prev.limiter, headers: map[string]string{}}
	for _, h := range l.Headers {
		if strings.EqualFold(h.Key, continuationHd) {
			next.headers[continuationHd] = h.Value
		}
	}
	return next, nil
}
