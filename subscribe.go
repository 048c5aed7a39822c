package main

import (
	"os"
	"os/signal"
	"syscall"
)

// subscribe relays sigs to ch: the standard signals (1 to 31: the stop
// signals, HUP, and those that would crash vsync with a Go runtime dump)
// at once, the real-time ones in the background, and closes the returned
// channel once all are subscribed. Each signal.Notify of a new signal is a
// round trip with the runtime's signal thread (~40 us); the thirty
// real-time signals cost a wrapper's start-up more than a millisecond,
// which the background subscription overlaps with reading the vault.
// Wait on the channel before starting a child, so that every signal is
// relayed from then on.
func subscribe(ch chan<- os.Signal, sigs []os.Signal) <-chan struct{} {
	var now, later []os.Signal
	for _, s := range sigs {
		if n, ok := s.(syscall.Signal); ok && n >= 32 {
			later = append(later, s)
		} else {
			now = append(now, s)
		}
	}
	signal.Notify(ch, now...)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if len(later) > 0 {
			signal.Notify(ch, later...)
		}
	}()
	return done
}
