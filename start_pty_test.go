package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"vsync/internal/childenv"
)

// TestStartTerminal runs `vsync start` on a real pseudo-terminal: its lines
// are coloured there (and not with NO_COLOR set), and one Ctrl-C stops
// every process exactly once, with SIGTERM (each leads its own process
// group, outside the terminal's foreground job, so only vsync gets the
// kernel's SIGINT), and vsync exits with 130.
func TestStartTerminal(t *testing.T) {
	colour := regexp.MustCompile("\x1b\\[[0-9;]*m[0-9:]{8} web\\.1")
	for _, noColor := range []bool{false, true} {
		name := "colour"
		if noColor {
			name = "NO_COLOR"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeProcfile(t, dir, "web: TESTBIN trap\nworker: TESTBIN trap\n")
			cmd := exec.Command(os.Args[0], "start")
			cmd.Env = append(childenv.WithoutKeys(os.Environ(), "NO_COLOR"), "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0")
			if noColor {
				cmd.Env = append(cmd.Env, "NO_COLOR=1")
			}
			cmd.Dir = dir
			p := startOnPty(t, cmd)
			// Should the test fail first: SIGKILL, and the processes die
			// with vsync (a closed terminal's SIGHUP does not stop them).
			t.Cleanup(func() { _ = cmd.Process.Kill() })
			p.waitFor(" ready\r\n", 2)
			p.typ("\x03")
			code, got := p.exit()
			if code != 130 {
				t.Fatalf("vsync exited with %d, want 130; output %q", code, got)
			}
			for _, name := range []string{"web.1", "worker.1"} {
				if n := countLines(got, name, "TERM"); n != 1 {
					t.Errorf("%s got SIGTERM %d times, want once; output %q", name, n, got)
				}
				if n := countLines(got, name, "INT"); n != 0 {
					t.Errorf("%s got SIGINT %d times, want none; output %q", name, n, got)
				}
			}
			if c := colour.MatchString(got); c == noColor {
				t.Errorf("coloured output %v with NO_COLOR %v: %q", c, noColor, got)
			}
		})
	}
}

// countLines counts the lines of out (colours removed) in which process
// name printed exactly text.
func countLines(out, name, text string) int {
	n := 0
	for _, l := range strings.Split(ansiSGR.ReplaceAllString(out, ""), "\n") {
		if m := muxLine.FindStringSubmatch(strings.TrimRight(l, "\r")); m != nil && m[1] == name && m[2] == text {
			n++
		}
	}
	return n
}
