package proc

import (
	"runtime"
	"time"
)

// Process is the handle of the process-wide steps that come after Start,
// once a command knows its process will mostly wait. Its zero value (the
// one a test's in-process run has) works the same.
type Process struct{}

// releaseAfter is how long the child must have run before vsync, which
// then mostly waits, gives back the pages of its own code and read-only
// data that start-up faulted in (releaseExecutablePages): a long-running
// child keeps a small wrapper beside it, and a command done sooner never
// pays the millisecond the release takes.
const releaseAfter = 100 * time.Millisecond

// ChildStartedHook returns the function to call once the child runs (it
// fits launcher.Config.Started): it schedules the release of the
// executable's start-up pages releaseAfter later. (A function, not a
// method value: that would be an allocation on the start-up path.)
func (Process) ChildStartedHook() func(pid int) { return childStarted }

// childStarted is ChildStartedHook's function.
func childStarted(int) { time.AfterFunc(releaseAfter, releaseExecutablePages) }

// GroupStarted is to be called once a group of processes runs: it
// schedules the same release as ChildStartedHook, and the returned timer's
// Stop cancels it when the group ends first.
func (Process) GroupStarted() *time.Timer {
	return time.AfterFunc(releaseAfter, releaseExecutablePages)
}

// Supervising is to be called once the process only supervises and polls
// (--watch), with nothing to run in parallel: one P spares the scheduler's
// spinning threads at each poll (measured: 0.82 ms of CPU per poll instead
// of 1.02 ms, scripts/bench-watch.sh).
func (Process) Supervising() { runtime.GOMAXPROCS(1) }
