package partnercenter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/simkit"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Environment variables that carry the Azure AD application credentials.
const (
	EnvClientID     = "FERRY_PARTNERCENTER_CLIENT_ID"
	EnvClientSecret = "FERRY_PARTNERCENTER_CLIENT_SECRET"
	EnvTenantID     = "FERRY_PARTNERCENTER_TENANT_ID"
)

// Scope is the OAuth scope of the Partner Center API.
const Scope = "https://api.partnercenter.microsoft.com/.default"

// tokenURLFormat is the Azure AD v2 token endpoint of a tenant.
const tokenURLFormat = "https://login.microsoftonline.com/%s/oauth2/v2.0/token"

// NewClientFor builds a client for a provider block. In sandbox mode (env.Sandbox != "") it talks
// to env.Sandbox + "/partnercenter/v1" without credentials, with client-side limits that follow the
// sandbox's rate-limit mode and time factor. Otherwise it authenticates as an Azure AD application
// (client credentials from FERRY_PARTNERCENTER_CLIENT_ID / FERRY_PARTNERCENTER_CLIENT_SECRET, tenant
// from cfg.TenantID or FERRY_PARTNERCENTER_TENANT_ID) against cfg.Endpoint (default
// https://api.partnercenter.microsoft.com) + "/v1".
func NewClientFor(ctx context.Context, cfg providers.ProviderConfig, env providers.Env) (*Client, error) {
	base := env.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 60 * time.Second}
	}
	if env.Sandbox != "" {
		root := strings.TrimRight(env.Sandbox, "/")
		b, err := SandboxBehaviour(ctx, base, root)
		if err != nil {
			return nil, err
		}
		return newSandboxClient(root, base, b, env.Log)
	}

	getenv := env.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	tenant := cfg.TenantID
	if tenant == "" {
		tenant = getenv(EnvTenantID)
	}
	id, secret := getenv(EnvClientID), getenv(EnvClientSecret)
	var missing []string
	if tenant == "" {
		missing = append(missing, "tenant_id in the provider block or "+EnvTenantID)
	}
	if id == "" {
		missing = append(missing, EnvClientID)
	}
	if secret == "" {
		missing = append(missing, EnvClientSecret)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("partnercenter: credentials missing: set %s (or set FERRY_SANDBOX to use the sandbox)", strings.Join(missing, ", "))
	}
	endpoint := strings.TrimRight(cfg.Endpoint, "/")
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	cc := clientcredentials.Config{
		ClientID:     id,
		ClientSecret: secret,
		TokenURL:     fmt.Sprintf(tokenURLFormat, url.PathEscape(tenant)),
		Scopes:       []string{Scope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	// The token source outlives this call, so it keeps ctx's values but not its cancellation.
	tokenCtx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, base)
	authed := cc.Client(tokenCtx)
	authed.Timeout = base.Timeout
	return NewClient(ClientConfig{BaseURL: endpoint + "/v1", HTTPClient: authed, Log: env.Log})
}

// LimitsFor returns the client-side limits that suit a sandbox behaviour: none when its rate
// limits are off, scaled by its time factor when scaled, the documented ones otherwise.
func LimitsFor(b simkit.Behaviour) Limits {
	switch b.RateLimits {
	case simkit.RateLimitsOff:
		return NoLimits()
	case simkit.RateLimitsScaled:
		return ScaledLimits(b.Factor())
	default:
		return DocumentedLimits()
	}
}

// sandboxBehaviour reads the behaviour section of the sandbox's world.
// SandboxBehaviour reads the behaviour section of the sandbox's world (GET /_sandbox/behaviour),
// so that clients pace themselves to its (possibly scaled) rate limits and durations.
func SandboxBehaviour(ctx context.Context, hc *http.Client, root string) (simkit.Behaviour, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/_sandbox/behaviour", nil)
	if err != nil {
		return simkit.Behaviour{}, fmt.Errorf("partnercenter: sandbox URL %q: %w", root, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return simkit.Behaviour{}, fmt.Errorf("partnercenter: reaching the sandbox at %s: %w", root, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return simkit.Behaviour{}, fmt.Errorf("partnercenter: reading the sandbox behaviour: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return simkit.Behaviour{}, fmt.Errorf("partnercenter: GET %s/_sandbox/behaviour: HTTP %d", root, resp.StatusCode)
	}
	var b simkit.Behaviour
	if err := json.Unmarshal(body, &b); err != nil {
		return simkit.Behaviour{}, fmt.Errorf("partnercenter: decoding the sandbox behaviour: %w", err)
	}
	return b, nil
}

// newSandboxClient is a client of the sandbox at root, paced to behaviour b; no credentials.
func newSandboxClient(root string, hc *http.Client, b simkit.Behaviour, log func(string, ...any)) (*Client, error) {
	return NewClient(ClientConfig{BaseURL: root + "/partnercenter/v1", HTTPClient: hc, Limits: LimitsFor(b), Log: log})
}
