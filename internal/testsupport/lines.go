package testsupport

import (
	"bufio"
	"io"
	"testing"
	"time"
)

// Lines sends each line of r, in order, on the channel it returns, and
// closes the channel at r's end.
func Lines(r io.Reader) <-chan string {
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// NextLine is the next line of lines. It fails t when lines is closed or
// no line comes within wait; more, when not nil, is added to the failure
// (a process's stderr, say).
func NextLine(t testing.TB, lines <-chan string, wait time.Duration, more func() string) string {
	t.Helper()
	extra := func() string {
		if more == nil {
			return ""
		}
		return "; " + more()
	}
	select {
	case l, ok := <-lines:
		if !ok {
			t.Fatalf("output ended%s", extra())
		}
		return l
	case <-time.After(wait):
		t.Fatalf("no line within %v%s", wait, extra())
	}
	return ""
}
