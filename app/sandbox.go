package app

import (
	"context"

	"github.com/ferry-dev/ferry/providers/sandbox"
)

// Sandbox serves the simulators of every provider until ctx is done.
func Sandbox(ctx context.Context, g *Globals, worldFile, listen string) int {
	w := &sandbox.World{}
	if worldFile != "" {
		var err error
		if w, err = sandbox.LoadWorld(worldFile, g.Providers); err != nil {
			g.errorf(g.Stderr, "%v", err)
			return ExitError
		}
	}
	if err := sandbox.Serve(ctx, w, g.Providers, listen, g.Stdout); err != nil {
		g.errorf(g.Stderr, "%v", err)
		return ExitError
	}
	return ExitOK
}
