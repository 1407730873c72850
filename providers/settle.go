package providers

import (
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"
)

// DefaultSettle is how long after a create ferry assumes, unless a provider block says otherwise
// (reconcile_settle), that the vendor's lists and queries may still not show the object. None of the
// vendors documents a bound: two minutes is ferry's choice, well above the seconds such lags usually
// last, and small next to the cost of a second order.
const DefaultSettle = 2 * time.Minute

// SettingSettle is the name of the provider-block setting that overrides DefaultSettle.
const SettingSettle = "reconcile_settle"

// SettleSetting declares reconcile_settle for a provider block.
func SettleSetting() Setting {
	return Setting{Name: SettingSettle, Type: cty.String, Check: checkSettle,
		Doc: "how long after a create its object may be missing from the vendor's lists; an interrupted create not found by its key is looked for again until then before it is resent (default 2m; \"0s\": resend at once)"}
}

func checkSettle(v cty.Value) string {
	s := v.AsString()
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d > time.Hour {
		return fmt.Sprintf("%q is not a duration from 0s to 1h; want e.g. \"2m\" (the default) or \"0s\".", s)
	}
	return ""
}

// SettleOf is the settle time of a provider (see Settler): reconcile_settle from its block, else
// DefaultSettle; against the sandbox, the sandbox's query_lag in wall time plus a margin (0 when the
// sandbox has none), as polling and pacing follow the sandbox too.
func SettleOf(cfg Config, env Env) (time.Duration, error) {
	d, err := cfg.Duration(SettingSettle, DefaultSettle)
	if err != nil {
		return 0, err
	}
	if env.Sandbox != nil {
		lag := time.Duration(env.Sandbox.Behaviour.QueryLag)
		if lag <= 0 {
			return 0, nil
		}
		wall := env.Sandbox.Wall(lag)
		return wall + wall/4 + 50*time.Millisecond, nil
	}
	return d, nil
}
