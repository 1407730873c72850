package hclspec

import "github.com/ferry-dev/ferry/providers/table"

// withTable gives o the provider table of this build, as cmd/ferry does.
func withTable(o Options) Options {
	if o.Providers == nil {
		o.Providers = table.Default()
	}
	return o
}
