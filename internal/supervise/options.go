package supervise

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"vsync/launcher"
)

// Polling of `vsync run --watch` and `vsync start --watch`.
const (
	// DefaultInterval is a bare --watch.
	DefaultInterval = 30 * time.Second
	// MinInterval is the shortest --watch interval.
	MinInterval = 100 * time.Millisecond
	// jitter spreads the polls of a fleet: each wait is the interval
	// times a factor drawn uniformly from [1-jitter, 1+jitter], so
	// instances started together drift apart instead of polling in step.
	jitter = 0.10
)

// Options are --watch and --reload-signal.
type Options struct {
	Interval time.Duration  // 0: no watching
	Reload   syscall.Signal // 0: restart for changed files too
	// SignalExit is vsync start's exit contract: when a stop signal N
	// ends the watch while a restart is stopping the incarnation (so N is
	// not passed on), an incarnation that reports 0 gives 128+N. vsync
	// run leaves it false: its exit code is the child's.
	SignalExit bool
}

// ErrReloadNeedsWatch: --reload-signal without --watch.
var ErrReloadNeedsWatch = errors.New("--reload-signal needs --watch")

// ErrNotWatchable: --watch where there is no bucket to poll.
var ErrNotWatchable = errors.New("--watch needs a vault in a bucket: a runtime token (VSYNC_CONFIG) or --env ENV without --local")

// IntervalError is a --watch value that is no interval of at least
// MinInterval.
type IntervalError struct{ Given string }

func (e *IntervalError) Error() string {
	return fmt.Sprintf("--watch=%q: want an interval of at least %s: seconds (30, 2.5) or a duration (30s, 500ms)", e.Given, MinInterval)
}

// ReloadSignalError is a --reload-signal that names no signal, or one
// that would stop the child or is not forwarded.
type ReloadSignalError struct {
	Given  string // as written
	Reason string
}

func (e *ReloadSignalError) Error() string {
	return fmt.Sprintf("--reload-signal %q: %s", e.Given, e.Reason)
}

// ParseOptions makes the Options of --watch=watch and --reload-signal
// reload, each nil when not given. parseDuration reads the interval as
// the CLI reads every duration (a bare --watch reaches here as 30s).
func ParseOptions(watch, reload *string, parseDuration func(string) (time.Duration, error)) (Options, error) {
	var o Options
	if watch != nil {
		d, err := parseDuration(*watch)
		if err != nil || d < MinInterval {
			return o, &IntervalError{Given: *watch}
		}
		o.Interval = d
	}
	if reload != nil {
		sig, err := parseReloadSignal(*reload)
		if err != nil {
			return o, err
		}
		if o.Interval == 0 {
			return o, ErrReloadNeedsWatch
		}
		o.Reload = sig
	}
	return o, nil
}

// parseReloadSignal accepts HUP, SIGHUP, hup, ... for the signals that
// are forwarded but do not stop the child (*ReloadSignalError otherwise).
func parseReloadSignal(name string) (syscall.Signal, error) {
	n := strings.ToUpper(strings.TrimSpace(name))
	if !strings.HasPrefix(n, "SIG") {
		n = "SIG" + n
	}
	sig := unix.SignalNum(n)
	if sig == 0 {
		return 0, &ReloadSignalError{Given: name, Reason: "not a signal"}
	}
	forwarded := false
	for _, f := range launcher.ForwardedSignals() {
		forwarded = forwarded || f == sig
	}
	if !forwarded || launcher.IsStopSignal(sig) {
		return 0, &ReloadSignalError{Given: name, Reason: n + " would stop the child or is not forwarded"}
	}
	return sig, nil
}
