// Command gen writes a ferry example (spec, CSV and sandbox world) with package examplegen.
//
//	go run ./providers/partnercenter/examplegen/gen -subs 1000 -customers 200 -out /tmp/bench1k
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ferry-dev/ferry/providers/partnercenter/examplegen"
)

func main() {
	var o examplegen.Options
	flag.IntVar(&o.Subs, "subs", 20, "number of base subscriptions")
	flag.IntVar(&o.Customers, "customers", 5, "number of customers")
	flag.BoolVar(&o.Addons, "addons", false, "give two bases an Audio Conferencing add-on, declared in a second block")
	flag.StringVar(&o.Migration, "migration", "", "behaviour: how long a migration takes (e.g. 3s)")
	flag.StringVar(&o.Limits, "rate-limits", "", `behaviour: rate limits ("documented", "off" or "scaled")`)
	flag.Float64Var(&o.Factor, "time-factor", 0, "behaviour: time factor for scaled limits")
	out := flag.String("out", ".", "output directory")
	flag.Parse()
	if err := examplegen.Write(*out, o); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
