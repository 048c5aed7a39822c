package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"vsync/internal/proc"
)

// exeResidentKBOf sums the resident kB of process pid's private,
// non-writable mappings of its own executable that hold no anonymous page:
// the pages internal/proc releases once the children run.
func exeResidentKBOf(t *testing.T, pid string) int {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+pid+"/exe", &st); err != nil {
		t.Fatal(err)
	}
	smaps, err := os.ReadFile("/proc/" + pid + "/smaps")
	if err != nil {
		t.Fatal(err)
	}
	total, rss, in := 0, 0, false
	for _, line := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && !strings.HasSuffix(f[0], ":"): // a mapping
			majHex, minHex, _ := strings.Cut(f[3], ":")
			maj, _ := strconv.ParseUint(majHex, 16, 32)
			min, _ := strconv.ParseUint(minHex, 16, 32)
			in = len(f[1]) == 4 && f[1][1] == '-' && f[1][3] == 'p' &&
				f[4] == strconv.FormatUint(st.Ino, 10) &&
				maj == uint64(unix.Major(st.Dev)) && min == uint64(unix.Minor(st.Dev))
			rss = 0
		case in && len(f) >= 2 && f[0] == "Rss:":
			rss, _ = strconv.Atoi(f[1])
		case in && len(f) >= 2 && f[0] == "Anonymous:" && f[1] == "0":
			total += rss
		}
	}
	return total
}

// The hook the commands call once the child runs gives back, shortly
// after, most of the executable's resident read-only pages, and the
// process goes on running code from them (faulted back in). It is
// measured here, on the vsync test binary, rather than beside
// internal/proc: a package's small test binary runs too little of its
// code for the release to show against what measuring faults back.
func TestReleaseExecutablePages(t *testing.T) {
	self := strconv.Itoa(os.Getpid())
	before := exeResidentKBOf(t, self)
	if before < 1024 {
		t.Skipf("only %d kB of the executable resident; nothing to measure", before)
	}
	proc.Process{}.ChildStartedHook()(os.Getpid())
	after, limit := before, before/2
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if after = exeResidentKBOf(t, self); after < limit {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling /proc, bounded by the deadline
	}
	t.Logf("executable's read-only pages resident: %d kB before, %d kB after", before, after)
	if after >= limit {
		t.Fatalf("resident %d kB after release, %d kB before; want less than half", after, before)
	}
}

// vsync start gives its executable's start-up pages back once the group
// runs, as vsync run does: the resident part of the executable's
// read-only mappings falls under a quarter of what it was once every
// process was started (issue 14: start at rest as small as run). The
// bound is relative: a race-detector build under load faults back more of
// its larger runtime than a release build (2.3 MB seen in CI against 1.0
// MB here); the absolute figure is bench-start.sh's to measure.
func TestStartReleasesExecutablePages(t *testing.T) {
	dir := t.TempDir()
	writeProcfile(t, dir, "web: echo ready; exec sleep 30\nworker: echo ready; exec sleep 30\n")
	r := startRunning(t, startCmd(t, dir))
	r.waitLines(t, "ready", "ready")
	pid := strconv.Itoa(r.cmd.Process.Pid)
	first := exeResidentKBOf(t, pid)
	last, limit := first, first/4
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		if last = exeResidentKBOf(t, pid); last < limit {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling /proc, bounded by the deadline
	}
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	r.wait(t)
	t.Logf("executable's read-only pages resident in vsync start: %d kB once started, %d kB later", first, last)
	if last >= limit {
		t.Fatalf("vsync start keeps %d kB of its executable resident (%d kB once started); want under a quarter, %d kB", last, first, limit)
	}
}
