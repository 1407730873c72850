package partnercenter

import (
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/providers"
)

// Name is the provider's name in specs and sandbox URLs.
const Name = "partnercenter"

// Settings are the arguments of a provider "partnercenter" block.
type Settings struct {
	// Endpoint is the API root without /v1 (default DefaultEndpoint).
	Endpoint string
	// Authority is the Azure AD authority (default DefaultAuthority).
	Authority string
	// TenantID is the partner's Azure AD tenant; "" reads FERRY_PARTNERCENTER_TENANT_ID.
	TenantID string
	// PollInterval is the first wait between two status reads of a migration (default
	// DefaultPollInterval); the wait backs off to MaxPollIntervalCap.
	PollInterval time.Duration
}

// SettingsSchema declares the provider block's arguments for the spec loader.
func SettingsSchema() []providers.Setting {
	return []providers.Setting{
		{Name: "endpoint", Type: cty.String, Check: providers.CheckURL, Doc: "API root without /v1; default " + DefaultEndpoint},
		{Name: "authority", Type: cty.String, Check: providers.CheckURL, Doc: "Azure AD authority; default " + DefaultAuthority},
		{Name: "tenant_id", Type: cty.String, Check: providers.CheckNonEmpty, Doc: "the partner's Azure AD tenant; default $" + EnvTenantID},
		{Name: "poll_interval", Type: cty.String, Check: providers.CheckDuration, Doc: "first wait between status reads; default 15s, backing off to 60s"},
		providers.SettleSetting(),
	}
}

// DecodeSettings reads the Settings from an evaluated provider block, filling in the defaults.
func DecodeSettings(cfg providers.Config) (Settings, error) {
	s := Settings{
		Endpoint:  cfg.String("endpoint", DefaultEndpoint),
		Authority: cfg.String("authority", DefaultAuthority),
		TenantID:  cfg.String("tenant_id", ""),
	}
	var err error
	if s.PollInterval, err = cfg.Duration("poll_interval", DefaultPollInterval); err != nil {
		return Settings{}, err
	}
	return s, nil
}
