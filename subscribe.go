package main

import (
	"os"
	"os/signal"
	"syscall"
)

// subscribe relays sigs to ch, in the background: first SIGINT and
// SIGTERM (already subscribed for main's context, so free), then the
// other standard signals (1 to 31: HUP, and those that would crash vsync
// with a Go runtime dump), then the real-time ones. Each signal.Notify of
// a new signal is a round trip with the runtime's signal thread (~10 µs
// here): the fifty of `vsync run` cost its start-up 0.25 ms where the
// standard ones were subscribed before reading the vault, and more than a
// millisecond where all were; in the background they overlap with
// parsing the token and building the S3 client, and the real-time ones
// with the GET. standard is closed once the standard signals are
// relayed: wait on it before anything slow (reading the vault), so that
// a signal that arrives meanwhile is not lost. all is closed once every
// signal is: wait on it before the first private file is made
// (runtimevault.Options.BeforeWrite) and before starting a child, so
// that every signal is relayed from then on. Before its subscription a
// signal either ends vsync (SIGHUP, SIGQUIT, ...: private files would be
// left behind) or is dropped by the Go runtime (SIGUSR1, the real-time
// ones, ...: never forwarded).
func subscribe(ch chan<- os.Signal, sigs []os.Signal) (standard, all <-chan struct{}) {
	var first, now, later []os.Signal
	for _, s := range sigs {
		n, _ := s.(syscall.Signal)
		switch {
		case n == syscall.SIGINT || n == syscall.SIGTERM:
			first = append(first, s)
		case n >= 32:
			later = append(later, s)
		default:
			now = append(now, s)
		}
	}
	stdDone, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		signal.Notify(ch, append(first, now...)...)
		close(stdDone)
		if len(later) > 0 {
			signal.Notify(ch, later...)
		}
	}()
	return stdDone, done
}
