package providers

import (
	"testing"
	"time"

	"github.com/zclconf/go-cty/cty"

	"github.com/ferry-dev/ferry/providers/simkit"
)

func TestSettleOf(t *testing.T) {
	set := Config{Values: map[string]cty.Value{SettingSettle: cty.StringVal("45s")}}
	lag := &Sandbox{Behaviour: simkit.Behaviour{QueryLag: simkit.Duration(4 * time.Second), TimeFactor: 2}}
	for _, tc := range []struct {
		name string
		cfg  Config
		env  Env
		want time.Duration
	}{
		{"default", Config{}, Env{}, DefaultSettle},
		{"reconcile_settle", set, Env{}, 45 * time.Second},
		{"sandbox without query_lag", set, Env{Sandbox: &Sandbox{}}, 0},
		{"sandbox query_lag in wall time plus a margin", Config{}, Env{Sandbox: lag}, 2*time.Second + 500*time.Millisecond + 50*time.Millisecond},
	} {
		got, err := SettleOf(tc.cfg, tc.env)
		if err != nil || got != tc.want {
			t.Errorf("%s: SettleOf = %s, %v; want %s", tc.name, got, err, tc.want)
		}
	}
	for v, ok := range map[string]bool{"0s": true, "2m": true, "1h": true, "61m": false, "-1s": false, "soon": false} {
		if msg := checkSettle(cty.StringVal(v)); (msg == "") != ok {
			t.Errorf("checkSettle(%q) = %q", v, msg)
		}
	}
}
