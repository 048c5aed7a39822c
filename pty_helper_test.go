package main

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// onPty is a command running on a real pseudo-terminal, with everything
// it writes there collected.
type onPty struct {
	t    *testing.T
	cmd  *exec.Cmd
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	eof  chan struct{}
}

// startOnPty starts cmd with a new pseudo-terminal as its stdin, stdout,
// stderr and controlling terminal.
func startOnPty(t *testing.T, cmd *exec.Cmd) *onPty {
	t.Helper()
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ptmx.Close() })
	p := &onPty{t: t, cmd: cmd, ptmx: ptmx, eof: make(chan struct{})}
	go func() {
		defer close(p.eof)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil { // EIO once the terminal's last user is gone
				return
			}
		}
	}()
	return p
}

// output is everything written on the terminal so far.
func (p *onPty) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// waitFor waits until what has appeared n times on the terminal.
func (p *onPty) waitFor(what string, n int) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(p.output(), what) < n {
		if time.Now().After(deadline) {
			p.t.Fatalf("no %d× %q within 30s; output %q", n, what, p.output())
		}
		time.Sleep(10 * time.Millisecond) // polling the output with a deadline
	}
}

// typ types s at the terminal.
func (p *onPty) typ(s string) {
	p.t.Helper()
	if _, err := io.WriteString(p.ptmx, s); err != nil {
		p.t.Fatal(err)
	}
}

// exit waits for the terminal to be let go and the command to exit, and
// returns its exit code and the whole output.
func (p *onPty) exit() (int, string) {
	p.t.Helper()
	select {
	case <-p.eof:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("the command did not exit; output %q", p.output())
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, p.output()
	case errors.As(err, &ee):
		return ee.ExitCode(), p.output()
	}
	p.t.Fatalf("wait: %v", err)
	return -1, ""
}
