package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// planAtScale measures `ferry plan` of large specs against the sandbox with rate limits off: for
// each size, the wall time and ferry's peak memory (the sandbox is a separate process and is not
// counted), the two figures of the "plan at 100 000" goal (within 5 s and 1 GiB).
func planAtScale(bin, genBin string, sizes []size) {
	fmt.Printf("\n## Plan at scale (rate limits off; the plan's output goes to a file)\n\n")
	fmt.Println("The reads' floor is the time a bare net/http client takes to send the plan's requests (one")
	fmt.Println("subscription list per customer, one eligibility check per subscription) to the same sandbox and")
	fmt.Println("do nothing with the answers: no plan can read faster on this machine. The plan's wall time is")
	fmt.Println("read beside it; the ratio is the plan's wall time to the floor.")
	fmt.Println()
	fmt.Printf("%-40s %10s %12s %14s %10s %12s %12s %7s  %s\n", "size", "wall", "peak RSS", "per instance", "ferry CPU", "sandbox CPU", "reads' floor", "ratio", "API calls")
	for _, s := range sizes {
		planOnce(bin, genBin, s)
	}
}

func planOnce(bin, genBin string, s size) {
	dir, err := os.MkdirTemp("", "ferry-bench-plan-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	genArgs := []string{"-subs", fmt.Sprint(s.subs), "-customers", fmt.Sprint(s.customers), "-out", dir, "-rate-limits", "off"}
	if out, err := exec.Command(genBin, genArgs...).CombinedOutput(); err != nil {
		fail(fmt.Errorf("gen: %v\n%s", err, out))
	}
	sandboxURL, stop, sandboxPID := startSandboxProcess(bin, filepath.Join(dir, "world.json"))
	defer stop()
	logPath := filepath.Join(dir, "output.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		fail(err)
	}
	// The machine's load average says how far the wall time can be trusted (2 cores, shared).
	loadavg := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		loadavg = strings.Join(strings.Fields(string(b))[:1], "")
	}
	before := stats(sandboxURL)
	sandboxBefore := processCPU(sandboxPID)
	cmd := exec.Command(bin, "plan", "--chdir", dir)
	cmd.Env = append(os.Environ(), "FERRY_SANDBOX="+sandboxURL, "NO_COLOR=1")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	sandboxCPU := processCPU(sandboxPID) - sandboxBefore
	logFile.Close()
	if err != nil {
		tail, _ := os.ReadFile(logPath)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		fail(fmt.Errorf("plan of %d: %v\n%s", s.subs, err, tail))
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss // KiB on Linux
	}
	name := fmt.Sprintf("%d subscriptions / %d customers", s.subs, s.customers)
	ferryCPU := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	calls := diff(before, stats(sandboxURL))
	floor, _, err := httpFloor(sandboxURL, filepath.Join(dir, "customers.csv"))
	if err != nil {
		fail(fmt.Errorf("the reads' floor of %d: %v", s.subs, err))
	}
	fmt.Printf("%-40s %10s %8.1f MiB %10.1f KiB %10s %12s %12s %6.2f×  %s (load average before: %s)\n", name, wall.Round(time.Millisecond),
		float64(rss)/1024, float64(rss)/float64(s.subs), ferryCPU.Round(10*time.Millisecond), sandboxCPU.Round(10*time.Millisecond),
		floor.Round(time.Millisecond), wall.Seconds()/floor.Seconds(), calls, loadavg)
}

// processCPU is the CPU time (user + system) a process of this machine has used so far, from
// /proc/PID/stat (zero where there is no /proc). The sandbox shares the machine's cores with ferry,
// so a plan's wall time is read beside both CPU times.
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: the fields counted start after its ")".
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times (100 on Linux).
const clockTicks = 100
