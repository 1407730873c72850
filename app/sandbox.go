package app

import (
	"context"
	"fmt"

	"github.com/ferry-dev/ferry/providers/sandbox"
)

// Sandbox serves the simulators of every provider until ctx is done.
func Sandbox(ctx context.Context, g *Globals, worldFile, listen string) int {
	w := &sandbox.World{}
	if worldFile != "" {
		var err error
		if w, err = sandbox.LoadWorld(worldFile, g.Providers); err != nil {
			fmt.Fprintf(g.Stderr, "Error: %v\n", err)
			return ExitError
		}
	}
	if err := sandbox.Serve(ctx, w, g.Providers, listen, g.Stdout); err != nil {
		fmt.Fprintf(g.Stderr, "Error: %v\n", err)
		return ExitError
	}
	return ExitOK
}
