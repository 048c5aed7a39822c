package proc

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Start readies vsync's process, first of all and once:
//
//  1. it hides the process from its peers (keepFromPeers), wiping the
//     values of secretVars from the environment block the kernel shows,
//     before anything reads a secret;
//  2. it grows the main goroutine's stack (growStack);
//  3. it returns a context cancelled at SIGINT or SIGTERM, each unless
//     vsync inherited it ignored (notIgnored), with a *StopSignal as its
//     cause (context.Cause; StoppedBy), and the stop that releases the
//     subscription.
//
// The error is the hardening's: vsync warns and goes on. The Process is
// for the commands' later, process-wide steps.
func Start(secretVars []string) (context.Context, context.CancelFunc, Process, error) {
	hardenErr := keepFromPeers(secretVars) // before anything reads a secret
	growStack(len(os.Args))
	ctx, stop := context.Background(), context.CancelFunc(func() {})
	if sigs := notIgnored(os.Interrupt, syscall.SIGTERM); len(sigs) > 0 {
		ctx, stop = stopContext(sigs)
	}
	return ctx, stop, Process{}, hardenErr
}

// StopSignal is the cause of the context Start returns once one of its
// signals arrived.
type StopSignal struct{ Signal syscall.Signal }

func (s *StopSignal) Error() string { return "stopped by " + signalName(s.Signal) }

// StoppedBy returns the signal that cancelled ctx, a context Start
// returned, if one did.
func StoppedBy(ctx context.Context) (syscall.Signal, bool) {
	var s *StopSignal
	if errors.As(context.Cause(ctx), &s) {
		return s.Signal, true
	}
	return 0, false
}

// stopContext is signal.NotifyContext of sigs (never empty: with none,
// signal.Notify would relay every signal), whose cause says which signal
// it was: NotifyContext's cause is a string. Like NotifyContext's, the
// subscription holds until stop, so that a second signal does not kill
// vsync with the default action.
func stopContext(sigs []os.Signal) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		select {
		case s := <-ch:
			n, _ := s.(syscall.Signal)
			cancel(&StopSignal{Signal: n})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(context.Canceled)
	}
}

// signalName is "SIGTERM" for SIGTERM, "signal 40" for one without a name.
func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return n
	}
	return "signal " + strconv.Itoa(int(s))
}

// notIgnored is sigs without those ignored now. A signal vsync inherited as
// ignored (the SIGINT of a shell's "vsync run ... &") must stay ignored, so
// that the child inherits it ignored too (launcher.ForwardedSignals):
// subscribing to it would undo that.
func notIgnored(sigs ...os.Signal) []os.Signal {
	var out []os.Signal
	for _, s := range sigs {
		if !signal.Ignored(s) {
			out = append(out, s)
		}
	}
	return out
}

// growStack moves the main goroutine to a 64 KiB stack at once, while
// main's and Start's are the only frames on it. A goroutine's stack starts
// at 8 KiB and doubles whenever a call needs more; each doubling copies the
// stack and adjusts every frame on it, which deep in the AWS SDK's
// middleware chain cost 0.15 ms of a 7 ms `vsync run -- true`
// (docs/benchmarks.md). The 32 KiB frame is what asks for the larger
// stack; i only keeps the compiler from dropping it. (CockroachDB's
// growstack package does the same.)
//
//go:noinline
func growStack(i int) byte {
	var frame [32 << 10]byte
	frame[i%len(frame)] = byte(i)
	return frame[(i+1)%len(frame)]
}
