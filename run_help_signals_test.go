package main

import (
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"vsync/launcher"
)

// TestRunHelpListsForwardedSignals keeps `vsync run --help` true: its
// "Forwarded:" list is exactly launcher.ForwardedSignals.
func TestRunHelpListsForwardedSignals(t *testing.T) {
	cmd := exec.Command(os.Args[0], "run", "--help")
	cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("vsync run --help: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Forwarded: ([A-Z0-9 \n]+?) and the\s+real-time signals (\d+)-(\d+)\.`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no Forwarded: list in\n%s", out)
	}
	listed := strings.Fields(string(m[1]))
	lo, _ := strconv.Atoi(string(m[2]))
	hi, _ := strconv.Atoi(string(m[3]))
	for n := lo; n <= hi; n++ {
		listed = append(listed, strconv.Itoa(n))
	}
	var want []string
	for _, s := range launcher.ForwardedSignals() {
		want = append(want, signalName(s.(syscall.Signal)))
	}
	if !slices.Equal(listed, want) {
		t.Fatalf("--help lists %v, ForwardedSignals is %v", listed, want)
	}
}
