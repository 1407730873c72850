package partnercenter

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Operation names, shared by the client's errors and the simulator's statistics.
const (
	OpListSubscriptions = "partnercenter.ListSubscriptions"
	OpGetSubscription   = "partnercenter.GetSubscription"
	OpValidateMigration = "partnercenter.ValidateMigration"
	OpCreateMigration   = "partnercenter.CreateMigration"
	OpGetMigration      = "partnercenter.GetMigration"
	OpListMigrations    = "partnercenter.ListMigrations"
)

// Operations lists every operation name the simulator counts and can inject faults into.
func Operations() []string {
	return []string{OpListSubscriptions, OpGetSubscription, OpValidateMigration, OpCreateMigration, OpGetMigration, OpListMigrations,
		OpCreateSchedule, OpListSchedules, OpCancelSchedule, OpListMigrationEvents}
}

// DefaultReadTimeout bounds each attempt of a read: a server that never answers costs this much per
// try, not the HTTP client's timeout.
const DefaultReadTimeout = 30 * time.Second

// DefaultEndpoint is the root of the Partner Center REST API (without /v1).
const DefaultEndpoint = "https://api.partnercenter.microsoft.com"

// ClientConfig configures a Client.
type ClientConfig struct {
	// BaseURL is the API root including /v1, e.g. https://api.partnercenter.microsoft.com/v1 or
	// <sandbox>/partnercenter/v1.
	BaseURL string
	// HTTPClient already carries authentication (an oauth2 transport), or is plain for the sandbox.
	// nil: a plain client with a 60 s timeout.
	HTTPClient *http.Client
	// CorrelationID is sent as MS-CorrelationId with every request of this run (default: a new UUID).
	CorrelationID string
	// Limits are the client-side rate limits; the zero value means DocumentedLimits().
	Limits Limits
	// MaxRetries bounds retries on 429, 5xx and connection errors; 0 means 8, negative means none.
	MaxRetries int
	// Sleep waits d or until ctx is done; nil sleeps for real (tests inject a fake).
	Sleep func(ctx context.Context, d time.Duration) error
	// ReadTimeout bounds each attempt of a read (0: DefaultReadTimeout; negative: none); a mutating
	// call is bounded by the HTTP client's timeout only (a read by the shorter of the two).
	ReadTimeout time.Duration
	// Log receives one line per request; nil discards. Tokens are never logged.
	Log func(format string, args ...any)
}

// Client is a Partner Center REST client. It is safe for concurrent use.
type Client struct {
	base          *url.URL
	http          *http.Client
	correlationID string
	lim           *limiters
	maxRetries    int
	readTimeout   time.Duration
	// readTimeoutCause is the error of a read attempt that timed out (made once, not per request).
	readTimeoutCause error
	// callTimeout is the HTTP client's own timeout, applied as each attempt's deadline instead, so
	// that a request arms one timer, not two; callTimeoutCause is its error.
	callTimeout      time.Duration
	callTimeoutCause error
	sleep            func(ctx context.Context, d time.Duration) error
	log              func(format string, args ...any)
}

// NewClient returns a client for cfg.
func NewClient(cfg ClientConfig) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || cfg.BaseURL == "" || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return nil, fmt.Errorf("base URL %q must be an absolute http(s) URL such as %s/v1", cfg.BaseURL, DefaultEndpoint)
	}
	c := &Client{
		base:          base,
		http:          cfg.HTTPClient,
		correlationID: cfg.CorrelationID,
		maxRetries:    cfg.MaxRetries,
		readTimeout:   cfg.ReadTimeout,
		sleep:         cfg.Sleep,
		log:           cfg.Log,
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 60 * time.Second}
	}
	c.http = withIdleConns(c.http)
	if c.http.Timeout > 0 {
		hc := *c.http
		c.callTimeout, c.callTimeoutCause = hc.Timeout, fmt.Errorf("no answer within %s", hc.Timeout)
		hc.Timeout = 0
		c.http = &hc
	}
	if c.readTimeout == 0 {
		c.readTimeout = DefaultReadTimeout
	}
	c.readTimeoutCause = fmt.Errorf("no answer within %s", c.readTimeout)
	if c.correlationID == "" {
		c.correlationID = uuid.NewString()
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = 8
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	if c.log == nil {
		c.log = func(string, ...any) {}
	}
	limits := cfg.Limits
	if limits == (Limits{}) {
		limits = DocumentedLimits()
	}
	c.lim = newLimiters(limits)
	return c, nil
}

// NoLimits returns Limits that disable client-side limiting (every Rate is negative).
func NoLimits() Limits {
	off := Rate{Requests: -1}
	return Limits{ValidatePerCustomer: off, CreatePerPartner: off, SubscriptionReads: off}
}

// CorrelationID returns the MS-CorrelationId this client sends.
func (c *Client) CorrelationID() string { return c.correlationID }

// ListSubscriptions returns every subscription of a customer, following continuation pages.
func (c *Client) ListSubscriptions(ctx context.Context, customerID string) ([]Subscription, error) {
	if err := requireIDs(OpListSubscriptions, "customerID", customerID); err != nil {
		return nil, err
	}
	req := &request{op: OpListSubscriptions, method: http.MethodGet, url: c.endpoint("customers", customerID, "subscriptions"), limiter: c.lim.reads}
	return collect(ctx, c, req, func(body []byte) ([]Subscription, *ResourceLinks, error) {
		page, err := decodeSubscriptionList(OpListSubscriptions, body)
		if err != nil {
			return nil, nil, err
		}
		return page.Items, page.Links, nil
	})
}

// collect gathers the items of every page of a list answer, following continuation links.
func collect[T any](ctx context.Context, c *Client, req *request, decode func([]byte) ([]T, *ResourceLinks, error)) ([]T, error) {
	var out []T
	err := c.pages(ctx, req, func(body []byte) (*ResourceLinks, error) {
		items, links, err := decode(body)
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		return links, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// GetSubscription returns one subscription; a missing one is an *APIError for which IsNotFound holds.
func (c *Client) GetSubscription(ctx context.Context, customerID, subscriptionID string) (*Subscription, error) {
	if err := requireIDs(OpGetSubscription, "customerID", customerID, "subscriptionID", subscriptionID); err != nil {
		return nil, err
	}
	return doDecode(ctx, c, &request{op: OpGetSubscription, method: http.MethodGet,
		url: c.endpoint("customers", customerID, "subscriptions", subscriptionID), limiter: c.lim.reads}, decodeSubscription)
}

// ValidateMigration asks whether req would be accepted. It changes nothing and is retried freely.
func (c *Client) ValidateMigration(ctx context.Context, customerID string, req MigrationRequest) (*ValidationResult, error) {
	if err := requireIDs(OpValidateMigration, "customerID", customerID, "currentSubscriptionId", req.CurrentSubscriptionID); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding request: %w", OpValidateMigration, err)
	}
	return doDecode(ctx, c, &request{op: OpValidateMigration, method: http.MethodPost,
		url:  c.endpoint("customers", customerID, "migrations", "newcommerce", "validate"),
		body: payload, limiter: c.lim.validateFor(strings.ToLower(customerID))}, decodeValidationResult)
}

// CreateMigration starts a New Commerce migration. requestID is sent as MS-RequestId, documented
// as the header for the idempotency of requests (ferry sends the step's idempotency key there);
// req.ExternalReferenceID is the batch identifier of the apply run. ferry does not rely on the
// server deduplicating, so the request is retried only on 429 (not performed): after a connection
// error or a 5xx the result is an *UnknownOutcomeError and the caller must reconcile (by the batch
// id and the current subscription id) before sending it again.
func (c *Client) CreateMigration(ctx context.Context, customerID string, req MigrationRequest, requestID string) (*Migration, error) {
	if err := requireIDs(OpCreateMigration, "customerID", customerID, "currentSubscriptionId", req.CurrentSubscriptionID, "requestID", requestID); err != nil {
		return nil, err
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s: encoding request: %w", OpCreateMigration, err)
	}
	body, err := c.do(ctx, &request{op: OpCreateMigration, method: http.MethodPost,
		url:  c.endpoint("customers", customerID, "migrations", "newcommerce"),
		body: payload, requestID: requestID, mutating: true, limiter: c.lim.create})
	if err != nil {
		return nil, err
	}
	m, err := decodeMigration(OpCreateMigration, body)
	if err != nil {
		// It was performed, but we cannot tell what it created.
		return nil, &UnknownOutcomeError{Operation: OpCreateMigration, RequestID: requestID, Err: err}
	}
	return m, nil
}

// GetMigration returns one migration of a customer.
func (c *Client) GetMigration(ctx context.Context, customerID, migrationID string) (*Migration, error) {
	if err := requireIDs(OpGetMigration, "customerID", customerID, "migrationID", migrationID); err != nil {
		return nil, err
	}
	return doDecode(ctx, c, &request{op: OpGetMigration, method: http.MethodGet,
		url: c.endpoint("customers", customerID, "migrations", "newcommerce", migrationID)}, decodeMigration)
}

// doDecode sends a read and decodes its answer with decode; an answer that does not decode is
// retried like a 5xx.
func doDecode[T any](ctx context.Context, c *Client, req *request, decode func(op string, body []byte) (*T, error)) (*T, error) {
	var out *T
	req.decode = func(body []byte) (err error) {
		out, err = decode(req.op, body)
		return err
	}
	if _, err := c.do(ctx, req); err != nil {
		return nil, err
	}
	return out, nil
}

// migrationPageSize is the PageSize the migration query asks for: the documented maximum.
const migrationPageSize = 300

// ListMigrations searches migrations by customer, current subscription and external reference ID
// (at least one is required), following every page: the answer is a bare JSON array, and the
// MS-ContinuationToken response header, sent back as a request header, asks for the next one.
func (c *Client) ListMigrations(ctx context.Context, q MigrationQuery) ([]Migration, error) {
	v, err := queryFilters(OpListMigrations, q.CustomerTenantID, q.CurrentSubscriptionID, q.ExternalReferenceID)
	if err != nil {
		return nil, err
	}
	v.Set("PageSize", strconv.Itoa(migrationPageSize))
	req := &request{op: OpListMigrations, method: http.MethodGet, url: c.endpoint("migrations", "newcommerce") + "?" + v.Encode(), headerPaging: true}
	return collect(ctx, c, req, func(body []byte) ([]Migration, *ResourceLinks, error) {
		return decodeMigrationList(OpListMigrations, body)
	})
}

// endpoint joins escaped path segments to the base URL.
func (c *Client) endpoint(segments ...string) string {
	var b strings.Builder
	b.WriteString(c.base.String())
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	return b.String()
}

func requireIDs(op string, kv ...string) error {
	for i := 0; i+1 < len(kv); i += 2 {
		if strings.TrimSpace(kv[i+1]) == "" {
			return fmt.Errorf("%s: %s is required", op, kv[i])
		}
	}
	return nil
}

func sleepContext(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// withIdleConns returns hc with a transport that keeps enough idle connections per host for Read's
// concurrent requests: the default transport keeps 2, so most of them would open a new connection.
// A client with its own transport (e.g. oauth2) is returned as it is.
func withIdleConns(hc *http.Client) *http.Client {
	if hc.Transport != nil {
		return hc
	}
	def, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return hc
	}
	t := def.Clone()
	t.MaxIdleConnsPerHost = maxIdleConnsPerHost
	c := *hc
	c.Transport = t
	return &c
}

// queryFilters builds the documented filters of the migration and schedule queries: at least one of
// CustomerTenantId, CurrentSubscriptionId and ExternalReferenceId is required.
func queryFilters(op, customer, current, externalRef string) (url.Values, error) {
	v := url.Values{}
	for _, kv := range [][2]string{{"CustomerTenantId", customer}, {"CurrentSubscriptionId", current}, {"ExternalReferenceId", externalRef}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if len(v) == 0 {
		return nil, fmt.Errorf("%s: at least one of CustomerTenantId, CurrentSubscriptionId, ExternalReferenceId is required", op)
	}
	return v, nil
}
