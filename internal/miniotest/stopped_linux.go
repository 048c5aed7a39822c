//go:build linux

package miniotest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// waitStopped waits until every thread of process pid is stopped (state T
// in /proc/PID/task/TID/stat), so that nothing answers from then on.
func waitStopped(pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		stopped, err := allThreadsStopped(pid)
		if err != nil || stopped {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("minio (pid %d) not stopped %v after SIGSTOP", pid, timeout)
		}
		time.Sleep(pollInterval)
	}
}

// allThreadsStopped reports whether every thread of pid is in state T
// (stopped) or t (traced).
func allThreadsStopped(pid int) (bool, error) {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		return false, fmt.Errorf("threads of pid %d: %v", pid, err)
	}
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the thread exited
		}
		if err != nil {
			return false, err
		}
		// "TID (COMM) STATE ...": COMM may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) {
			return false, fmt.Errorf("%s: unexpected %q", f, b)
		}
		if st := b[i+2]; st != 'T' && st != 't' {
			return false, nil
		}
	}
	return true, nil
}
