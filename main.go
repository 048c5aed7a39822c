// Command vsync keeps per-environment secrets (a dotenv file plus any other
// files) as numbered, encrypted generations in an S3-compatible bucket or a
// local directory, and gives them to unmodified applications at runtime.
//
// This package is wiring only: it builds the urfave/cli application, copies
// flags into options structs, calls one plain function per command, and maps
// errors to the exit codes of exitcodes.go. Only this package prints.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"vsync/internal/childenv"
)

func main() {
	os.Exit(mainWith(testHooks{}))
}

// mainWith is main with the given test hooks (the zero value outside the
// test binary); it returns the exit code.
func mainWith(hooks testHooks) int {
	hardenErr := keepFromPeers(childenv.SecretVars()) // before anything reads a secret
	growStack(len(os.Args))
	ctx, stop := context.Background(), context.CancelFunc(func() {})
	if sigs := notIgnored(os.Interrupt, syscall.SIGTERM); len(sigs) > 0 {
		// (With no signal at all NotifyContext would relay every one.)
		ctx, stop = signal.NotifyContext(ctx, sigs...)
	}
	defer stop()
	sys := newSysEnv(os.Stdin, os.Stdout, os.Stderr)
	sys.Hooks = hooks
	if hardenErr != nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: cannot hide vsync's environment from its child: %v\n", hardenErr)
	}
	return run(ctx, os.Args, sys)
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
// main's is the only frame on it. A goroutine's stack starts at 8 KiB and
// doubles whenever a call needs more; each doubling copies the stack and
// adjusts every frame on it, which deep in the AWS SDK's middleware chain
// cost 0.15 ms of a 7 ms `vsync run -- true` (docs/benchmarks.md). The
// 32 KiB frame is what asks for the larger stack; i only keeps the
// compiler from dropping it. (CockroachDB's growstack package does the
// same.)
//
//go:noinline
func growStack(i int) byte {
	var frame [32 << 10]byte
	frame[i%len(frame)] = byte(i)
	return frame[(i+1)%len(frame)]
}
