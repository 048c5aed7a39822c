//go:build linux

package launcher_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"vsync/launcher"
)

// Config.Started is called once, with the pid of the child while it is
// still there to be signalled (alive or a zombie not yet reaped), and not
// at all for a command that could not be started.
func TestStarted(t *testing.T) {
	var pids []int
	var alive []error
	code, err := launcher.Run(context.Background(), launcher.Config{
		Path: testExe, Args: []string{"exit"},
		Env: []string{"LAUNCHER_HELPER=exit", "LAUNCHER_ARG=5", noRaceSleep},
		Started: func(pid int) {
			pids = append(pids, pid)
			alive = append(alive, unix.Kill(pid, 0))
		},
	})
	if err != nil || code != 5 {
		t.Fatalf("Run = %d, %v; want 5, nil", code, err)
	}
	if len(pids) != 1 || pids[0] <= 0 || alive[0] != nil {
		t.Fatalf("Started called with %v (kill 0: %v); want once, with the child's pid", pids, alive)
	}

	called := false
	_, err = launcher.Run(context.Background(), launcher.Config{
		Args:    []string{"vsync-no-such-command"},
		Env:     []string{"PATH=/nonexistent"},
		Started: func(int) { called = true },
	})
	if !errors.Is(err, launcher.ErrNotFound) || called {
		t.Fatalf("not found: Run error %v, Started called %v; want ErrNotFound, not called", err, called)
	}
}
