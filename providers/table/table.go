// Package table is ferry's provider table: one line per provider. hclspec, app and the sandbox
// are handed this table explicitly (no init-time registration); adding a provider is its own
// package plus one line here.
package table

import (
	"context"

	"github.com/ferry-dev/ferry/model"
	"github.com/ferry-dev/ferry/providers"
	"github.com/ferry-dev/ferry/providers/commerce"
	"github.com/ferry-dev/ferry/providers/connect"
	"github.com/ferry-dev/ferry/providers/mgn"
	"github.com/ferry-dev/ferry/providers/partnercenter"
)

// Default returns the provider table of this build. Providers whose Open is nil are known to the
// spec language but not built yet: their instances are planned as blocked.
func Default() providers.Table {
	return providers.Table{
		{Name: partnercenter.Name, Title: "Microsoft Partner Center", Serves: []string{model.KindSubscription},
			Settings: partnercenter.SettingsSchema(), SecretEnv: []string{partnercenter.EnvClientSecret},
			CheckImportID: partnercenter.CheckImportID, Open: openPartnerCenter, Simulator: partnercenter.NewSandboxSimulator,
			Operations: partnercenter.Operations(), Durations: partnercenter.Durations()},
		{Name: commerce.Name, Title: "CloudBlue Commerce orders", Serves: []string{model.KindSubscription}, Settings: commerce.SettingsSchema(), SecretEnv: []string{commerce.EnvToken}, Open: openCommerce, Simulator: commerce.NewSandboxSimulator, Operations: commerce.Operations(), Durations: commerce.Durations()},
		{Name: connect.Name, Title: "CloudBlue Connect", Serves: []string{model.KindSkipList}, Settings: connect.SettingsSchema(), SecretEnv: []string{connect.EnvAPIKey}, Open: connect.OpenProvider, Simulator: connect.NewSandboxSimulator, Operations: connect.Operations()},
		{Name: mgn.Name, Title: "AWS Application Migration Service", Serves: []string{model.KindCutover}, Settings: mgn.SettingsSchema(), SecretEnv: mgn.SecretEnv(), Open: openMGN, Simulator: mgn.NewSandboxSimulator, Operations: mgn.Operations(), Durations: mgn.Durations()},
	}
}

func openPartnerCenter(ctx context.Context, cfg providers.Config, env providers.Env) (providers.Provider, error) {
	p, err := partnercenter.Open(ctx, cfg, env)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// openCommerce opens the commerce provider with its Microsoft side: a Partner Center client opened
// from the spec's provider "partnercenter" block (or the sandbox). Without Partner Center
// credentials the commerce provider still opens; only an adoption, which must be checked against
// Microsoft, is then blocked with the reason.
func openCommerce(ctx context.Context, cfg providers.Config, env providers.Env) (providers.Provider, error) {
	p, err := commerce.Open(ctx, cfg, env)
	if err != nil {
		return nil, err
	}
	p.Microsoft = partnerCenterReader(ctx, env)
	return p, nil
}

func openMGN(ctx context.Context, cfg providers.Config, env providers.Env) (providers.Provider, error) {
	p, err := mgn.Open(ctx, cfg, env)
	if err != nil {
		return nil, err
	}
	return p, nil
}
