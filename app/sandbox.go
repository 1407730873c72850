package app

import (
	"context"

	"github.com/ferry-dev/ferry/providers/sandbox"
)

// Sandbox serves the simulators of every provider until ctx is done.
// A listen address that is not loopback is refused unless allowRemote (--allow-remote).
func Sandbox(ctx context.Context, g *Globals, worldFile, listen string, allowRemote bool) int {
	if err := sandbox.CheckListen(listen, allowRemote); listen != "" && err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	w := &sandbox.World{}
	if worldFile != "" {
		var err error
		if w, err = sandbox.LoadWorld(worldFile, g.Providers); err != nil {
			g.errorf(g.Stderr, "%v", err)
			return ExitError
		}
	}
	if err := sandbox.Serve(ctx, w, g.Providers, listen, allowRemote, g.Stdout); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	return ExitOK
}
