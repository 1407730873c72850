package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
)

// DefaultEndpoint is the root of the Connect public API v1.
const DefaultEndpoint = "https://api.connect.cloudblue.com/public/v1"

// EnvAPIKey holds the Connect API key, "SU-…:…" (a leading "ApiKey " is accepted).
const EnvAPIKey = "FERRY_CONNECT_API_KEY"

// pageLimit is the limit ferry asks for; the server may cut it, and the next offset is taken from
// Content-Range, never from this number.
const pageLimit = 100

// maxBody bounds every answer ferry reads.
const maxBody = 8 << 20

// Ref is a reference to another Connect object by id ({"id": "MP-…"}).
type Ref struct {
	ID string `json:"id"`
}

// ParamRef is the parameter of a configuration row, as Connect's OpenAPI spec (dp.Parameter)
// documents it: id is Connect's own identifier ("PRM-…", read-only), name the parameter's name as the
// vendor set it (e.g. processor_skip_list), scope e.g. "marketplace".
type ParamRef struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`
	Scope string `json:"scope,omitempty"`
}

// Is reports whether the parameter is the one ref names: its name, or its "PRM-…" id.
func (p ParamRef) Is(ref string) bool { return ref != "" && (p.Name == ref || p.ID == ref) }

// Configuration is one row of GET /products/{p}/configurations (dp.ConfigurationDataRead).
type Configuration struct {
	Parameter   ParamRef `json:"parameter"`
	Marketplace *Ref     `json:"marketplace,omitempty"`
	Item        *Ref     `json:"item,omitempty"`
	Value       *string  `json:"value,omitempty"` // nil (absent or null): unset
}

// MaxValueLen is the longest configuration value Connect accepts (dp.ConfigurationDataWrite: value
// maxLength 2000).
const MaxValueLen = 2000

// SetConfiguration is the body of POST /products/{p}/configurations (dp.ConfigurationDataWrite):
// Parameter.ID is the parameter's "PRM-…" id, not its name. A nil Value clears it.
type SetConfiguration struct {
	Parameter   Ref     `json:"parameter"`
	Marketplace Ref     `json:"marketplace"`
	Value       *string `json:"value,omitempty"`
}

// APIError is a Connect error answer ({error_code, errors[]}) or a non-JSON failure.
type APIError struct {
	Method, Path string
	Status       int
	Code         string
	Errors       []string
	Body         string // a short, single-line excerpt of a non-JSON body
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Connect %s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if len(e.Errors) > 0 {
		fmt.Fprintf(&b, ": %s", strings.Join(e.Errors, "; "))
	} else if e.Body != "" {
		fmt.Fprintf(&b, " (not a Connect error answer: %q)", e.Body)
	}
	return b.String()
}

// Client speaks the Connect public API v1.
type Client struct {
	base   string
	apiKey string // without the "ApiKey " prefix; "" in the sandbox when unset
	hc     *http.Client
	// Retries is how many times a read is retried after a 5xx, a 429 or a network error.
	Retries int
	// Backoff is the first wait between two tries of a read (doubled each time; a Retry-After of a
	// 429 is honoured up to MaxWait).
	Backoff, MaxWait time.Duration
	// ReadTimeout bounds each try of a read (a server that never answers is tried again).
	ReadTimeout time.Duration
}

// NewClient returns a client of the API rooted at base, authenticating with apiKey ("SU-…:…", with
// or without a leading "ApiKey ").
func NewClient(base, apiKey string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), apiKey: NormalizeKey(apiKey), hc: hc,
		Retries: 4, Backoff: 500 * time.Millisecond, MaxWait: 30 * time.Second, ReadTimeout: 30 * time.Second}
}

// NormalizeKey drops a leading "ApiKey " (any case) and surrounding blanks.
func NormalizeKey(k string) string {
	k = strings.TrimSpace(k)
	if len(k) >= 7 && strings.EqualFold(k[:7], "ApiKey ") {
		k = strings.TrimSpace(k[7:])
	}
	return k
}

// ListConfigurations reads every configuration row of product p, page by page.
func (c *Client) ListConfigurations(ctx context.Context, product string) ([]Configuration, error) {
	return listAll[Configuration](ctx, c, "/products/"+url.PathEscape(product)+"/configurations", "")
}

// Parameter is one row of GET /products/{p}/parameters (the fields ferry reads).
type Parameter struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Scope string `json:"scope,omitempty"`
	Phase string `json:"phase,omitempty"`
}

// ParameterID returns the "PRM-…" id of product's parameter named name, read with the RQL filter
// eq(name,…) that the parameters collection declares; "" when the product has no such parameter.
func (c *Client) ParameterID(ctx context.Context, product, name string) (string, error) {
	rows, err := listAll[Parameter](ctx, c, "/products/"+url.PathEscape(product)+"/parameters", "eq(name,"+rqlValue(name)+")")
	if err != nil {
		return "", err
	}
	for _, r := range rows {
		// The filter is applied by Connect, but a row is taken only when it is the one asked for.
		if r.Name == name && r.ID != "" {
			return r.ID, nil
		}
	}
	return "", nil
}

// Request is a fulfilment request of GET /requests (the fields ferry reads).
type Request struct {
	ID     string `json:"id"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Asset  struct {
		ID string `json:"id"`
	} `json:"asset"`
}

// OpenStatuses are the statuses of a request still open for the Microsoft processor: of the statuses
// Connect documents for requests (draft, tiers_setup, pending, inquiring, approved, failed,
// scheduled, revoking, revoked), those of a request that may still be fulfilled; a scheduled
// request becomes pending at its date.
var OpenStatuses = []string{"pending", "inquiring", "tiers_setup", "draft", "scheduled"}

// ListOpenRequests reads the requests of product's assets in marketplace whose status is one of
// statuses, filtered by Connect with RQL (asset.product.id, asset.marketplace.id and status are
// declared filters of the requests collection).
func (c *Client) ListOpenRequests(ctx context.Context, product, marketplace string, statuses []string) ([]Request, error) {
	rql := "and(eq(asset.product.id," + rqlValue(product) + "),eq(asset.marketplace.id," + rqlValue(marketplace) +
		"),in(status,(" + strings.Join(statuses, ",") + ")))"
	return listAll[Request](ctx, c, "/requests", rql)
}

// Asset is an asset of GET /assets (the fields ferry reads).
type Asset struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Params []struct {
		ID    string `json:"id"`
		Value string `json:"value"`
	} `json:"params"`
}

// Param returns the value of the asset parameter id ("" when absent).
func (a Asset) Param(id string) string {
	for _, p := range a.Params {
		if p.ID == id {
			return p.Value
		}
	}
	return ""
}

// ListCustomerAssets reads the assets of product whose customer tier account is tierAccount (TA-…).
func (c *Client) ListCustomerAssets(ctx context.Context, product, tierAccount string) ([]Asset, error) {
	rql := "and(eq(product.id," + rqlValue(product) + "),eq(tiers.customer.id," + rqlValue(tierAccount) + "))"
	return listAll[Asset](ctx, c, "/assets", rql)
}

// rqlValue escapes a value of an RQL call in a query string.
func rqlValue(v string) string { return url.QueryEscape(v) }

// listAll reads every page of a collection: limit/offset, the next offset taken from Content-Range
// (the server may cut the limit), an RQL filter before them.
func listAll[T any](ctx context.Context, c *Client, path, rql string) ([]T, error) {
	var all []T
	offset, read := 0, 0
	for pages := 0; ; pages++ {
		if pages > 10000 {
			return nil, fmt.Errorf("Connect GET %s: more than 10000 pages; giving up", path)
		}
		q := url.Values{"limit": {strconv.Itoa(pageLimit)}, "offset": {strconv.Itoa(offset)}}
		pq := path + "?" + q.Encode()
		if rql != "" {
			pq = path + "?" + rql + "&" + q.Encode()
		}
		var rows []T
		hdr, n, err := c.get(ctx, pq, &rows)
		if err != nil {
			return nil, err
		}
		if read += n; read > providers.MaxListBytes {
			return nil, fmt.Errorf("Connect GET %s: %w", path, providers.ListTooLarge(pages+1))
		}
		all = append(all, rows...)
		cr, ok := parseContentRange(hdr.Get("Content-Range"))
		switch {
		case ok:
			// The next offset comes from the range the server says it sent: it may have cut the limit.
			if len(rows) == 0 || (cr.Total >= 0 && cr.Last+1 >= cr.Total) || cr.Last+1 <= offset {
				return all, nil
			}
			offset = cr.Last + 1
		default:
			// No Content-Range: a short page is the last one.
			if len(rows) < pageLimit {
				return all, nil
			}
			offset += len(rows)
		}
	}
}

// SetConfiguration posts one configuration value. Any 2xx answer is success (Connect documents 201
// with the row written; the body is not read). A network error or
// a 5xx answer leaves the outcome unknown (wrapped model.ErrOutcomeUnknown); it is never retried.
func (c *Client) SetConfiguration(ctx context.Context, product string, body SetConfiguration) error {
	path := "/products/" + url.PathEscape(product) + "/configurations"
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := c.newRequest(ctx, http.MethodPost, path, raw)
	if err != nil {
		return err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%w: Connect POST %s: %v", model.ErrOutcomeUnknown, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	apiErr := decodeError(http.MethodPost, path, resp.StatusCode, data)
	if resp.StatusCode >= 500 {
		return fmt.Errorf("%w: %v", model.ErrOutcomeUnknown, apiErr)
	}
	return apiErr
}

func (c *Client) newRequest(ctx context.Context, method, pathQuery string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+pathQuery, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "ApiKey "+c.apiKey)
	}
	return req, nil
}

// get reads one JSON answer, retrying 5xx, 429 and network errors; it returns the answer's header
// and length.
func (c *Client) get(ctx context.Context, pathQuery string, into any) (http.Header, int, error) {
	path := pathQuery
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	wait := c.Backoff
	for attempt := 0; ; attempt++ {
		actx, cancel := context.WithTimeoutCause(ctx, c.ReadTimeout, fmt.Errorf("no answer within %s", c.ReadTimeout))
		if c.ReadTimeout <= 0 {
			actx, cancel = context.WithCancel(ctx)
		}
		req, err := c.newRequest(actx, http.MethodGet, pathQuery, nil)
		if err != nil {
			cancel()
			return nil, 0, err
		}
		var retryAfter time.Duration
		resp, err := c.hc.Do(req)
		if err == nil {
			data, rerr := providers.ReadAnswer(resp.Body, maxBody)
			resp.Body.Close()
			switch {
			case errors.Is(rerr, providers.ErrAnswerTooLarge):
				// Asking again gets the same answer.
				cancel()
				return nil, 0, fmt.Errorf("Connect GET %s: %w", path, rerr)
			case rerr != nil:
				err = fmt.Errorf("Connect GET %s: reading the answer: %w", path, rerr)
			case resp.StatusCode/100 == 2:
				// An answer that does not decode (a proxy's page, a cut body) is retried like a 5xx.
				if err = json.Unmarshal(data, into); err == nil {
					cancel()
					return resp.Header, len(data), nil
				}
				err = fmt.Errorf("Connect GET %s: decoding the answer: %w", path, err)
			case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
				err = decodeError(http.MethodGet, path, resp.StatusCode, data)
				retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
			default:
				cancel()
				return nil, 0, decodeError(http.MethodGet, path, resp.StatusCode, data)
			}
		} else {
			if ctx.Err() == nil && actx.Err() != nil {
				err = context.Cause(actx)
			}
			err = fmt.Errorf("Connect GET %s: %w", path, err)
		}
		cancel()
		if attempt >= c.Retries || ctx.Err() != nil {
			return nil, 0, err
		}
		d := max(wait, retryAfter)
		if c.MaxWait > 0 {
			d = min(d, c.MaxWait)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, 0, errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

func decodeError(method, path string, status int, data []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	var body struct {
		Code   string   `json:"error_code"`
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(data, &body) == nil && (body.Code != "" || len(body.Errors) > 0) {
		e.Code, e.Errors = body.Code, body.Errors
		return e
	}
	e.Body = excerpt(data)
	return e
}

var tags = regexp.MustCompile(`<[^>]*>`)

// excerpt turns a non-JSON body (often an HTML error page) into one short line of its text.
func excerpt(data []byte) string {
	s := tags.ReplaceAllString(string(data), " ")
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 160 {
		s = string(r[:160]) + "…"
	}
	return s
}

// parseContentRange reads "items a-b/total" (providers.ParseContentRange).
func parseContentRange(h string) (providers.ContentRange, bool) {
	return providers.ParseContentRange(h)
}

// parseRetryAfter reads a Retry-After header (providers.RetryAfter), at most an hour.
func parseRetryAfter(h string, now time.Time) time.Duration {
	return providers.RetryAfter(h, now, time.Hour)
}
