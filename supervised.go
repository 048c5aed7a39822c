package main

import (
	"context"
	"fmt"
	"os"

	"github.com/urfave/cli/v2"

	"vsync/internal/runtimevault"
	"vsync/internal/supervise"
	"vsync/launcher"
)

// supervisedOptions are the flags run and start share: where the
// variables come from (runtimeFlags) and --watch (watchFlags).
type supervisedOptions struct {
	runtimeOptions
	Watch supervise.Options
}

// supervisedFlags are runtimeFlags, then a command's own flags, then
// watchFlags.
func supervisedFlags(own ...cli.Flag) []cli.Flag {
	return append(append(runtimeFlags(), own...), watchFlags()...)
}

// supervisedOptionsFrom copies the flags of supervisedFlags.
func supervisedOptionsFrom(c *cli.Context) (supervisedOptions, error) {
	wo, err := watchOptionsFrom(c)
	if err != nil {
		return supervisedOptions{}, err
	}
	return supervisedOptions{runtimeOptions: runtimeOptionsFrom(c), Watch: wo}, nil
}

// forwarded relays the signals vsync forwards (launcher.ForwardedSignals)
// to ch. Subscribe before anything slow, so that a signal that arrives
// while the vault is read is not lost: it is delivered to the child once
// started. SIGPIPE is among them: with it subscribed, a write to a closed
// stdout (`vsync start | head`) fails with EPIPE, which stops the
// processes and lets the private files be removed, rather than kill vsync.
//
// The relay is never ended: vsync run and vsync start exit once their
// children are done. Ending it (signal.Stop) would cost one more round
// trip with the runtime's signal thread per signal, as subscribing does:
// 0.45 ms at the end of every `vsync run -- true`, after the child exited
// (docs/benchmarks.md, "Start-up floor"). Until the exit a late signal
// is relayed to ch and dropped, where it would otherwise kill vsync
// (SIGHUP, SIGPIPE while printing the last error) and hide the child's
// exit code.
type forwarded struct {
	ch         chan os.Signal
	standard   <-chan struct{} // closed once signals 1 to 31 are subscribed
	subscribed <-chan struct{} // closed once every signal is subscribed
}

func subscribeForwarded() forwarded {
	ch := make(chan os.Signal, 16)
	std, all := subscribe(ch, launcher.ForwardedSignals())
	return forwarded{ch: ch, standard: std, subscribed: all}
}

// beforeRead is runtimevault.Options.BeforeRead: the standard signals are
// relayed before the vault is read.
func (f forwarded) beforeRead() { <-f.standard }

// beforeWrite is runtimevault.Options.BeforeWrite: every forwarded signal
// (all whose default action ends the process, the real-time ones
// included) is relayed before the first private file is made, so that
// none can end vsync with private files on disk (the relay keeps it to
// deliver to the child, or it stops the load, and the files are removed).
func (f forwarded) beforeWrite() { <-f.subscribed }

// superviseChild runs start under supervise.Run with what p prepared:
// once, or with --watch (o.Watch.Interval > 0) polling the bucket p's
// vault came from; in both cases the status socket answers. Then it
// removes p's private files, warning when that fails. From here on
// signals are the launcher's business: they are forwarded from f, so the
// ctx main cancels on SIGINT/SIGTERM must not also stop the child (that
// would count as a second stop signal).
func superviseChild(ctx context.Context, sys *world, p *runtimevault.Prepared, o supervisedOptions, f forwarded, start supervise.Incarnation) (int, error) {
	code, err := supervise.Run(ctx, p, supervise.Config{
		Options:      o.Watch,
		FetchTimeout: o.FetchTimeout,
		Stderr:       sys.Stderr,
		Debug:        sys.Getenv("VSYNC_DEBUG") == "watch",
	}, f.ch, start)
	if cerr := p.Close(); cerr != nil && err == nil {
		fmt.Fprintf(sys.Stderr, "vsync: warning: removing private files: %v\n", cerr)
	}
	return code, err
}

// groupStarted is supervise.Formation's Running: as vsync run does once
// its child runs, the group's supervisor mostly waits, so the start-up
// code's pages go (proc.Process.GroupStarted).
func (sys *world) groupStarted() (stop func()) {
	t := sys.Process.GroupStarted()
	return func() { t.Stop() }
}
