package main

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/rogpeppe/go-internal/testscript"
)

// reportfile BASE COMMAND FILE DEST: copy FILE of the newest report directory BASE/COMMAND_* to DEST.
func cmdReportFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 4 {
		ts.Fatalf("usage: reportfile BASE COMMAND FILE DEST")
	}
	dirs, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), args[1]+"_*"))
	ts.Check(err)
	if len(dirs) == 0 {
		ts.Fatalf("no report directory %s/%s_*", args[0], args[1])
	}
	slices.SortFunc(dirs, func(a, b string) int {
		ia, _ := os.Stat(a)
		ib, _ := os.Stat(b)
		return ia.ModTime().Compare(ib.ModTime())
	})
	data, err := os.ReadFile(filepath.Join(dirs[len(dirs)-1], args[2]))
	ts.Check(err)
	ts.Check(os.WriteFile(ts.MkAbs(args[3]), data, 0o644))
}
