package proc

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Start readies vsync's process, first of all and once:
//
//  1. it hides the process from its peers (keepFromPeers), wiping the
//     values of secretVars from the environment block the kernel shows,
//     before anything reads a secret;
//  2. it grows the main goroutine's stack (growStack);
//  3. it returns a context cancelled at SIGINT or SIGTERM, each unless
//     vsync inherited it ignored (notIgnored), and the stop that releases
//     the subscription.
//
// The error is the hardening's: vsync warns and goes on. The Process is
// for the commands' later, process-wide steps.
func Start(secretVars []string) (context.Context, context.CancelFunc, Process, error) {
	hardenErr := keepFromPeers(secretVars) // before anything reads a secret
	growStack(len(os.Args))
	ctx, stop := context.Background(), context.CancelFunc(func() {})
	if sigs := notIgnored(os.Interrupt, syscall.SIGTERM); len(sigs) > 0 {
		// (With no signal at all NotifyContext would relay every one.)
		ctx, stop = signal.NotifyContext(ctx, sigs...)
	}
	return ctx, stop, Process{}, hardenErr
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
