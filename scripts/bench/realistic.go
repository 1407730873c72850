package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Documented Partner Center create limit: 100 migrations per partner per 5 minutes.
const (
	createBurst  = 100
	createWindow = 5 * time.Minute
)

// limitBound is the least time an apply of subs migrations of duration d can take at the documented
// create limit, all scaled by factor: the last burst of creates starts (⌈subs/100⌉−1) windows after
// the first, and its migrations take d.
func limitBound(subs int, d time.Duration, factor float64) time.Duration {
	windows := math.Ceil(float64(subs)/createBurst) - 1
	return time.Duration((windows*float64(createWindow) + float64(d)) / factor)
}

// realistic applies (plan included) subs subscriptions whose migrations take migration (simulated
// time) against the documented limits scaled by factor, at the default --parallelism, and prints
// the wall time beside the limit-bound minimum, their ratio, the 429s the sandbox counted, and the
// status reads per migration.
func realistic(bin, genBin string, s size, migration string, factor float64) {
	d, err := time.ParseDuration(migration)
	if err != nil {
		fail(fmt.Errorf("migration duration %q: %w", migration, err))
	}
	dir, err := os.MkdirTemp("", "ferry-bench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	genArgs := []string{"-subs", fmt.Sprint(s.subs), "-customers", fmt.Sprint(s.customers), "-out", dir,
		"-rate-limits", "scaled", "-time-factor", fmt.Sprint(factor), "-migration", migration}
	if out, err := exec.Command(genBin, genArgs...).CombinedOutput(); err != nil {
		fail(fmt.Errorf("gen: %v\n%s", err, out))
	}
	sandboxURL, stop := startSandbox(bin, filepath.Join(dir, "world.json"))
	defer stop()
	env := append(os.Environ(), "FERRY_SANDBOX="+sandboxURL, "NO_COLOR=1")
	before := stats(sandboxURL)
	logPath := filepath.Join(dir, "output.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		fail(err)
	}
	// --parallelism 10 is the default; the generated spec sets its own, so it is given here.
	cmd := exec.Command(bin, "apply", "--auto-approve", "--parallelism", "10", "--chdir", dir)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	logFile.Close()
	if err != nil {
		tail, _ := os.ReadFile(logPath)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		fail(fmt.Errorf("apply: %v\n%s", err, tail))
	}
	rss := int64(0)
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	after := stats(sandboxURL)
	delta := func(op string) int { return after[op] - before[op] }
	throttled := 0
	var which []string
	for k := range after {
		if strings.HasSuffix(k, ".throttled") && delta(k) > 0 {
			throttled += delta(k)
			which = append(which, fmt.Sprintf("%s=%d", strings.TrimSuffix(k, ".throttled"), delta(k)))
		}
	}
	defer func() {
		if len(which) > 0 {
			sort.Strings(which)
			fmt.Printf("%-13s 429s by operation: %s\n", "", strings.Join(which, " "))
		}
	}()
	// Status reads of migrations, whichever provider serves them: the migration query and gets.
	reads := 0
	for k := range after {
		if strings.HasSuffix(k, ".ListMigrations") || strings.HasSuffix(k, ".GetMigration") {
			reads += delta(k)
		}
	}
	bound := limitBound(s.subs, d, factor)
	fmt.Printf("%-13s %-9s %9s %12s %7.2f× %9d %12.2f %9.1f MiB\n",
		fmt.Sprintf("%d/%d", s.subs, s.customers), migration, wall.Round(100*time.Millisecond), bound.Round(100*time.Millisecond),
		wall.Seconds()/bound.Seconds(), throttled, float64(reads)/float64(s.subs), float64(rss)/1024)
}

// realisticHeader prints the table head of the realistic runs.
func realisticHeader(factor float64) {
	fmt.Printf("\n## Realistic applies: documented limits and migration durations, both scaled ×%g, --parallelism 10\n\n", factor)
	fmt.Println("The limit-bound minimum is the time to start every migration at the documented create rate")
	fmt.Println("(100 per partner per 5 minutes) plus one migration's duration; the ratio is the figure that matters.")
	fmt.Println()
	fmt.Printf("%-13s %-9s %9s %12s %8s %9s %12s %13s\n", "subs/cust", "migration", "wall", "limit-bound", "ratio", "429s", "reads/migr.", "peak RSS")
}
