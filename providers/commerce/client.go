package commerce

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/providers"
)

// Paths of the APS REST API under the endpoint.
const (
	pathOrders        = "/aps/2/services/order-manager/orders"
	pathSubscriptions = "/aps/2/services/subscription-manager/subscriptions"
)

// Client is a client of the CloudBlue Commerce APS REST API.
type Client struct {
	base  string
	token string
	hc    *http.Client
	// readTries bounds the tries of a read on 5xx, 429 and dropped connections.
	readTries int
	retryWait time.Duration
	// inFlight bounds the order-management calls in flight at once (nil: no bound).
	inFlight chan struct{}
}

// NewClient returns a client of the APS root base, sending token as APS-Token.
func NewClient(base, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), token: token, hc: hc, readTries: 4, retryWait: 200 * time.Millisecond}
}

// APIError is an answer other than 2xx.
type APIError struct {
	Method, Path string
	Status       int
	Message      string
	// RetryAfter is the wait the answer's Retry-After header asks for (0: none).
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Message)
	}
	return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
}

// Temporary reports whether a retry may succeed (5xx, 429).
func (e *APIError) Temporary() bool { return e.Status >= 500 || e.Status == http.StatusTooManyRequests }

// CreateOrder places an order and returns its ID. It is sent once: an error that is not a refusal
// (4xx) leaves the outcome unknown, and the caller reconciles.
func (c *Client) CreateOrder(ctx context.Context, o Order) (string, error) {
	body, err := json.Marshal(o)
	if err != nil {
		return "", err
	}
	var out CreatedOrder
	if err := c.call(ctx, http.MethodPost, pathOrders, body, &out, 1); err != nil {
		return "", err
	}
	if out.OrderID == "" {
		return "", errors.New("POST " + pathOrders + ": the answer names no orderId")
	}
	return out.OrderID, nil
}

// EstimateOrder asks the order manager to estimate an order without placing it
// (POST …/orders/estimate): a refusal (*APIError with a 4xx status) says why the order would be
// refused. It changes nothing, so it is retried like a read; the estimate's body is not read.
func (c *Client) EstimateOrder(ctx context.Context, o Order) error {
	body, err := json.Marshal(o)
	if err != nil {
		return err
	}
	return c.call(ctx, http.MethodPost, pathOrders+"/estimate", body, nil, c.readTries)
}

// GetOrder reads one order.
func (c *Client) GetOrder(ctx context.Context, id string) (*Order, error) {
	var o Order
	if err := c.call(ctx, http.MethodGet, pathOrders+"/"+url.PathEscape(id), nil, &o, c.readTries); err != nil {
		return nil, err
	}
	return &o, nil
}

// ListOrders reads every order of an account (RQL eq(accountId,…)), page by page, and returns them
// oldest first (SortOldestFirst): the list's own order is not documented.
func (c *Client) ListOrders(ctx context.Context, accountID string) ([]Order, error) {
	orders, err := listAll(ctx, c, pathOrders, rqlEq("accountId", accountID), func(o Order) string { return o.OrderID })
	if err != nil {
		return nil, err
	}
	SortOldestFirst(orders)
	return orders, nil
}

// ListSubscriptions reads every subscription of an account, page by page.
func (c *Client) ListSubscriptions(ctx context.Context, accountID string) ([]Subscription, error) {
	return listAll(ctx, c, pathSubscriptions, rqlEq("accountId", accountID), func(s Subscription) string { return s.ID })
}

// SubscriptionsLinkedTo reads the subscriptions of every account synced with one of the Microsoft
// subscriptions vendorIDs (RQL in(vendorSubscriptionId,(…)), at most linkBatch IDs a request, every
// page of each).
func (c *Client) SubscriptionsLinkedTo(ctx context.Context, vendorIDs []string) ([]Subscription, error) {
	var all []Subscription
	for start := 0; start < len(vendorIDs); start += linkBatch {
		chunk := vendorIDs[start:min(start+linkBatch, len(vendorIDs))]
		quoted := make([]string, len(chunk))
		for i, id := range chunk {
			quoted[i] = url.QueryEscape(id)
		}
		q := "in(vendorSubscriptionId,(" + strings.Join(quoted, ",") + "))"
		out, err := listAll(ctx, c, pathSubscriptions, q, func(s Subscription) string { return s.ID })
		if err != nil {
			return nil, err
		}
		all = append(all, out...)
	}
	return all, nil
}

// pageSize is the count of RQL limit(offset,count) ferry asks for on every list read. The APS
// controller answers a page of a collection with "Content-Range: items first-last/total"; the next
// offset is taken from it (a server may send fewer than asked), never from this number.
const pageSize = 100

// maxPages bounds the pages of one list read (a server that never ends a list does not hold ferry).
const maxPages = 10000

// listAll reads every page of an APS collection: the RQL filter, then limit(offset,pageSize); the
// next offset comes from Content-Range. Without the header, a page shorter than asked is the last.
// Rows are kept once by key (offsets shift when rows are added meanwhile; a server that ignores
// limit() and sends no Content-Range answers the same rows again, and the list ends when a page
// brings nothing new).
func listAll[T any](ctx context.Context, c *Client, path, rql string, key func(T) string) ([]T, error) {
	var all []T
	seen := map[string]bool{}
	offset, read := 0, 0
	for pages := 0; ; pages++ {
		if pages >= maxPages {
			return nil, fmt.Errorf("GET %s: more than %d pages; giving up", path, maxPages)
		}
		var rows []T
		var ans answer
		q := path + "?" + rql + "&limit(" + strconv.Itoa(offset) + "," + strconv.Itoa(pageSize) + ")"
		if err := c.callH(ctx, http.MethodGet, q, nil, &rows, c.readTries, &ans); err != nil {
			return nil, err
		}
		if read += ans.size; read > providers.MaxListBytes {
			return nil, fmt.Errorf("GET %s: %w", path, providers.ListTooLarge(pages+1))
		}
		fresh := 0
		for _, r := range rows {
			if k := key(r); k != "" {
				if seen[k] {
					continue
				}
				seen[k] = true
			}
			all = append(all, r)
			fresh++
		}
		if len(rows) == 0 {
			return all, nil
		}
		if cr, ok := providers.ParseContentRange(ans.header.Get("Content-Range")); ok {
			// A server that ignores the offset answers a range that does not move on: the end.
			if (cr.Total >= 0 && cr.Last+1 >= cr.Total) || cr.Last+1 <= offset {
				return all, nil
			}
			offset = cr.Last + 1
			continue
		}
		if len(rows) != pageSize || fresh == 0 {
			// Shorter: the last page. Longer, or nothing new: the server ignored limit() and sent
			// everything.
			return all, nil
		}
		offset += len(rows)
	}
}

// linkBatch bounds the IDs of one in() query.
const linkBatch = 100

func rqlEq(field, value string) string {
	return "eq(" + field + "," + url.QueryEscape(value) + ")"
}

// maxAnswer bounds an answer of the APS API that ferry reads (a page of 100 orders is far less).
const maxAnswer = 8 << 20

// readTimeout bounds each try of a read.
const readTimeout = 30 * time.Second

// maxRetryAfter caps the wait a Retry-After asks for before a read is tried again.
const maxRetryAfter = 30 * time.Second

func (c *Client) call(ctx context.Context, method, path string, body []byte, into any, tries int) error {
	return c.callH(ctx, method, path, body, into, tries, nil)
}

// answer is what callH hands back of a successful answer besides its decoded body.
type answer struct {
	header http.Header
	// size is the body's length in bytes.
	size int
}

// callH is call that also hands back the successful answer's headers and size (ans may be nil).
func (c *Client) callH(ctx context.Context, method, path string, body []byte, into any, tries int, ans *answer) error {
	var last error
	var retryAfter time.Duration
	for try := 0; try < tries; try++ {
		if try > 0 {
			// A 429's Retry-After is honoured (capped), never undercut by the backoff.
			t := time.NewTimer(max(c.retryWait<<(try-1), min(retryAfter, maxRetryAfter)))
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		err := c.once(ctx, method, path, body, into, ans)
		if err == nil {
			return nil
		}
		last = err
		var ae *APIError
		if errors.As(err, &ae) && !ae.Temporary() || errors.Is(err, providers.ErrAnswerTooLarge) {
			return err
		}
		retryAfter = 0
		if ae != nil {
			retryAfter = ae.RetryAfter
		}
		if ctx.Err() != nil {
			return err
		}
	}
	return last
}

func (c *Client) once(ctx context.Context, method, path string, body []byte, into any, ans *answer) error {
	if c.inFlight != nil {
		select {
		case c.inFlight <- struct{}{}:
			defer func() { <-c.inFlight }()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	if method == http.MethodGet {
		// A read that gets no answer ends after its own timeout and is tried again (call); an order
		// keeps the client's timeout, after which its outcome is unknown and reconciled.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, readTimeout, fmt.Errorf("no answer within %s", readTimeout))
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("APS-Token", c.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	shown := strings.SplitN(path, "?", 2)[0]
	resp, err := c.hc.Do(req)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil {
			err = cause
		}
		return fmt.Errorf("%s %s: %w", method, shown, err)
	}
	defer resp.Body.Close()
	data, err := providers.ReadAnswer(resp.Body, maxAnswer)
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, shown, err)
	}
	if resp.StatusCode/100 != 2 {
		return &APIError{Method: method, Path: shown, Status: resp.StatusCode, Message: errorMessage(data),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	}
	if ans != nil {
		*ans = answer{header: resp.Header, size: len(data)}
	}
	if into == nil {
		return nil
	}
	if err := json.Unmarshal(data, into); err != nil {
		return fmt.Errorf("%s %s: decoding the answer: %w", method, shown, err)
	}
	return nil
}

// errorMessage reads an APS error body: {code, error, message} as the APS controller writes it
// (error names the exception, e.g. APS::Util::AuthenticationFailed), or {code, type, message};
// anything else (an HTML page) is cut.
func errorMessage(data []byte) string {
	var e struct {
		Type    string `json:"type"`
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		if e.Type == "" {
			e.Type = e.Error
		}
		if e.Type != "" {
			return e.Type + ": " + e.Message
		}
		return e.Message
	}
	s := strings.TrimSpace(string(data))
	if strings.HasPrefix(s, "<") || s == "" {
		return ""
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// parseRetryAfter reads a Retry-After header (providers.RetryAfter), at most an hour.
func parseRetryAfter(h string, now time.Time) time.Duration {
	return providers.RetryAfter(h, now, time.Hour)
}
