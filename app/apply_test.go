package app

import (
	"errors"
	"io"
	"testing"

	"github.com/ferry-dev/ferry/executor"
	"github.com/ferry-dev/ferry/model"
)

func TestApplyExitCodes(t *testing.T) {
	blocked := []model.Change{{Addr: "subscription.trial", Action: model.ActionBlocked, Reasons: []string{"trial"}}}
	failed := executor.Result{Done: 1, Failed: []executor.ChangeError{{Addr: "subscription.x", Err: errors.New("boom")}}}
	for _, tc := range []struct {
		name       string
		r          executor.Result
		blocked    []model.Change
		unreadable []model.Addr
		want       int
	}{
		{"all done", executor.Result{Done: 2}, nil, nil, ExitOK},
		{"only blocked left", executor.Result{Done: 2}, blocked, nil, ExitBlocked},
		{"nothing to do but blocked", executor.Result{}, blocked, nil, ExitBlocked},
		{"failed and blocked", failed, blocked, nil, ExitError},
		{"interrupted and blocked", executor.Result{Interrupted: 1}, blocked, nil, ExitError},
		{"not read and blocked", executor.Result{Done: 1}, blocked, []model.Addr{"subscription.lost"}, ExitError},
		{"not read", executor.Result{Done: 1}, nil, []model.Addr{"subscription.lost"}, ExitError},
	} {
		for _, asJSON := range []bool{false, true} {
			if got := reportResult(io.Discard, asJSON, tc.r, tc.blocked, tc.unreadable); got != tc.want {
				t.Errorf("%s (json %v): exit %d, want %d", tc.name, asJSON, got, tc.want)
			}
		}
	}
}
