//go:build unix

package launcher

import (
	"testing"

	"github.com/creack/pty"
)

func TestMuxColorWantedTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pty:", err)
	}
	defer ptmx.Close()
	defer tty.Close()

	t.Setenv("TERM", "xterm")
	t.Setenv("NO_COLOR", "")
	if !ColorWanted(tty) {
		t.Error("terminal with NO_COLOR empty: no colour")
	}
	t.Setenv("NO_COLOR", "1")
	if ColorWanted(tty) {
		t.Error("NO_COLOR=1: colour")
	}
	t.Setenv("NO_COLOR", "")
	t.Setenv("TERM", "dumb")
	if ColorWanted(tty) {
		t.Error("TERM=dumb: colour")
	}
}
