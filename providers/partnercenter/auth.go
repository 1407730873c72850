package partnercenter

import (
	"context"
	"fmt"
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

// DefaultAuthority is the Azure AD authority of the public cloud; sovereign clouds have their own
// (e.g. https://login.microsoftonline.us).
const DefaultAuthority = "https://login.microsoftonline.com"

// tokenPathFormat is the Azure AD v2 token endpoint of a tenant under an authority.
const tokenPathFormat = "%s/%s/oauth2/v2.0/token"

// NewClientFor builds a client for a provider block. In sandbox mode (env.Sandbox set) it talks to
// the sandbox's Partner Center simulator without credentials, with client-side limits that follow
// the sandbox's rate-limit mode and time factor. Otherwise it authenticates as an Azure AD
// application (client credentials from FERRY_PARTNERCENTER_CLIENT_ID / FERRY_PARTNERCENTER_CLIENT_SECRET,
// tenant from tenant_id or FERRY_PARTNERCENTER_TENANT_ID, token from the authority) against the
// endpoint (default https://api.partnercenter.microsoft.com) + "/v1".
func NewClientFor(ctx context.Context, cfg Settings, env providers.Env) (*Client, error) {
	base := env.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 60 * time.Second}
	}
	if env.Sandbox != nil {
		return NewClient(ClientConfig{BaseURL: env.Sandbox.Base(Name) + "/v1", HTTPClient: base, Limits: LimitsFor(env.Sandbox.Pace()), Log: env.Log})
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
		return nil, fmt.Errorf("credentials missing: set %s (or set FERRY_SANDBOX to use the sandbox)", strings.Join(missing, ", "))
	}
	cc := clientcredentials.Config{
		ClientID:     id,
		ClientSecret: secret,
		TokenURL:     fmt.Sprintf(tokenPathFormat, strings.TrimRight(cfg.Authority, "/"), url.PathEscape(tenant)),
		Scopes:       []string{Scope},
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	// The token source outlives this call, so it keeps ctx's values but not its cancellation; a
	// token request is a read, bounded like one. Neither the token request (which carries the
	// client secret) nor an API request (the bearer token, added by the oauth2 transport after
	// any CheckRedirect) follows a redirect to another host.
	tokenHTTP := providers.GuardRedirects(base)
	if tokenHTTP.Timeout <= 0 || tokenHTTP.Timeout > DefaultReadTimeout {
		tokenHTTP.Timeout = DefaultReadTimeout
	}
	tokenCtx := context.WithValue(context.WithoutCancel(ctx), oauth2.HTTPClient, tokenHTTP)
	authed := cc.Client(tokenCtx)
	authed.Timeout = base.Timeout
	authed.CheckRedirect = providers.SameHostRedirects
	return NewClient(ClientConfig{BaseURL: strings.TrimRight(cfg.Endpoint, "/") + "/v1", HTTPClient: authed, Log: env.Log})
}

// LimitsFor returns the client-side limits that suit a sandbox's pace: none when its rate limits
// are off, scaled by its time factor when scaled, the documented ones otherwise.
func LimitsFor(p providers.Pace) Limits {
	switch p.Limits {
	case simkit.RateLimitsOff:
		return NoLimits()
	case simkit.RateLimitsScaled:
		return ScaledLimits(p.Factor)
	default:
		return DocumentedLimits()
	}
}
