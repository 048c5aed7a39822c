package main

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const sampleSmaps = `00400000-00dc0000 r-xp 00000000 fd:01 4242                               /usr/bin/vsync
Size:               9984 kB
Rss:                7160 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
00dc0000-016c5000 r--p 009c0000 fd:01 4242                               /usr/bin/vsync
Rss:                6864 kB
Anonymous:             0 kB
VmFlags: rd mr mw me
016c5000-0173d000 rw-p 012c5000 fd:01 4242                               /usr/bin/vsync
Rss:                 320 kB
Anonymous:           120 kB
016d0000-016d1000 r--p 012d0000 fd:01 4242                               /usr/bin/vsync
Rss:                   4 kB
Anonymous:             4 kB
016e0000-016f0000 r--s 012e0000 fd:01 4242                               /usr/bin/vsync
Anonymous:             0 kB
7f0000000000-7f0000010000 r-xp 00000000 fd:01 4243                       /usr/lib/other.so
Anonymous:             0 kB
7f0000010000-7f0000020000 r-xp 00000000 fd:02 4242                       /mnt/same-inode-other-device
Anonymous:             0 kB
7f0000020000-7f0000030000 r--p 00000000 fd:01 4242                       /usr/bin/vsync
Rss:                   0 kB
7f0000030000-7f0000040000 rw-p 00000000 00:00 0
Anonymous:             0 kB
`

// Only the private, non-writable mappings of the executable that hold no
// anonymous (copy-on-write) page qualify: not data, not a relocated RELRO
// page, not a shared mapping, not another file or device, and not a
// mapping whose Anonymous line is missing.
func TestCleanReadOnlyMappings(t *testing.T) {
	got := cleanReadOnlyMappings([]byte(sampleSmaps), 0xfd, 0x01, 4242)
	want := []addrRange{{0x400000, 0xdc0000}, {0xdc0000, 0x16c5000}}
	if !slices.Equal(got, want) {
		t.Fatalf("cleanReadOnlyMappings = %x, want %x", got, want)
	}
}

// exeResidentKB sums the resident kB of this process's mappings of its
// own executable that cleanReadOnlyMappings selects.
func exeResidentKB(t *testing.T) int {
	t.Helper()
	return exeResidentKBOf(t, "self")
}

// exeResidentKBOf is exeResidentKB of process pid ("self" or a number).
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
	ranges := cleanReadOnlyMappings(smaps, uint64(unix.Major(st.Dev)), uint64(unix.Minor(st.Dev)), st.Ino)
	total, in := 0, false
	for _, line := range strings.Split(string(smaps), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 5 && !strings.HasSuffix(f[0], ":"):
			lo, _, _ := strings.Cut(f[0], "-")
			start, _ := strconv.ParseUint(lo, 16, 64)
			in = slices.ContainsFunc(ranges, func(r addrRange) bool { return r.start == uintptr(start) })
		case in && len(f) >= 2 && f[0] == "Rss:":
			n, _ := strconv.Atoi(f[1])
			total += n
		}
	}
	return total
}

// releaseExecutablePages gives back most of the executable's resident
// pages, and the process goes on running code from them (faulted back in).
func TestReleaseExecutablePages(t *testing.T) {
	before := exeResidentKB(t)
	if before < 1024 {
		t.Skipf("only %d kB of the executable resident; nothing to measure", before)
	}
	releaseExecutablePages()
	after := exeResidentKB(t)
	t.Logf("executable's read-only pages resident: %d kB before, %d kB after", before, after)
	if after >= before/2 {
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
