// Package memlimit tunes the Go runtime's memory use around the big steps
// of a command (a bundle read or written): a soft memory limit raised
// before, memory given back to the system after; and the collector's
// pacing while many small objects are read (ManySmall). It is process-wide
// tuning, kept in one small package so that the code with the big steps
// (internal/history, the status server) calls it without knowing the
// runtime's knobs. It imports only the standard library.
package memlimit

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
)

// from is the size of the memory a command is about to need from which
// Bound acts: below it the collector's usual pacing costs a few megabytes
// at most.
const from = 16 << 20

// Bound tells the Go runtime that this process is about to need extra
// more bytes (a bundle being read or written, and its files) than it
// holds live now, as a soft memory limit (debug.SetMemoryLimit) that is
// only ever raised: the garbage collector then runs as often as it takes
// to stay there, instead of letting garbage (the encryption's buffer for
// every 64 KiB written, a previous generation's payload) pile up to twice
// the live heap. It acts only from 16 MiB on, and then collects once to
// know what is live. Above the limit nothing fails; the collector only
// works harder. An explicit GOMEMLIMIT is left alone.
func Bound(extra int64) {
	if extra < from || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	runtime.GC()
	want := inUse() + extra
	if cur := debug.SetMemoryLimit(-1); cur < math.MaxInt64 && cur >= want {
		return
	}
	debug.SetMemoryLimit(want)
}

// GiveBack returns to the system the memory of what a command held and no
// longer does (push: the files, once encrypted), when that was at least
// 16 MiB, before the command's next big step (the upload) allocates anew.
func GiveBack(released int64) {
	if released >= from {
		debug.FreeOSMemory()
	}
}

// inUse is the memory the Go runtime holds and counts against its memory
// limit, less the free heap it could give back: the runtime/metrics
// classes total less heap/released and heap/free, which are MemStats' Sys
// less HeapIdle. Read through MemStats rather than runtime/metrics, whose
// package initialiser (its metric descriptions, 0.07 ms) would run at
// every start of vsync for a figure needed only before big bundles.
func inUse() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - m.HeapIdle)
}
