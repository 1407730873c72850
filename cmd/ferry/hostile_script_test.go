package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// deepspec FILE N: write a spec FILE whose one local is an expression in N nested parentheses.
func cmdDeepSpec(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: deepspec FILE N")
	}
	n, err := strconv.Atoi(args[1])
	ts.Check(err)
	src := "locals {\n  x = " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) + "\n}\n"
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), []byte(src), 0o644))
}
