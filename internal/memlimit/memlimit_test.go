package memlimit

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

// The tests change the process's soft memory limit and read process-wide
// runtime counters, so none of them runs in parallel.

// withLimit sets the process's soft memory limit to limit for the test
// and restores the previous one after it. GOMEMLIMIT is cleared so that
// Bound acts.
func withLimit(t *testing.T, limit int64) {
	t.Helper()
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetMemoryLimit(limit)
	t.Cleanup(func() { debug.SetMemoryLimit(prev) })
}

func limit() int64 { return debug.SetMemoryLimit(-1) }

// readUint64 reads one runtime metric.
func readUint64(name string) uint64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// forcedGCs is the number of GC cycles the program forced so far
// (runtime.GC, debug.FreeOSMemory).
func forcedGCs() uint64 { return readUint64("/gc/cycles/forced:gc-cycles") }

func TestBoundSetsLimitAboveWhatIsInUse(t *testing.T) {
	withLimit(t, math.MaxInt64)
	const extra = 64 << 20
	gcs := forcedGCs()
	Bound(extra)
	if n := forcedGCs() - gcs; n != 1 {
		t.Errorf("Bound forced %d GC cycles, want 1", n)
	}
	got := limit()
	mapped := int64(readUint64("/memory/classes/total:bytes"))
	if got == math.MaxInt64 {
		t.Fatal("Bound left the memory limit unset")
	}
	if got <= extra || got-extra > mapped {
		t.Errorf("limit = %d, want extra (%d) plus what is in use (at most the %d bytes mapped)", got, extra, mapped)
	}
}

func TestBoundRaisesALowerLimit(t *testing.T) {
	const extra = 64 << 20
	withLimit(t, extra)
	Bound(extra)
	if got := limit(); got <= extra || got == math.MaxInt64 {
		t.Errorf("limit = %d, want raised above %d (extra plus what is in use)", got, extra)
	}
}

func TestBoundNeverLowersTheLimit(t *testing.T) {
	const high = 1 << 40
	withLimit(t, high)
	Bound(64 << 20)
	if got := limit(); got != high {
		t.Errorf("Bound(64 MiB) under a %d-byte limit set it to %d, want unchanged", int64(high), got)
	}

	debug.SetMemoryLimit(math.MaxInt64)
	Bound(1 << 30)
	raised := limit()
	Bound(from)
	if got := limit(); got != raised {
		t.Errorf("a smaller Bound after Bound(1 GiB) changed the limit from %d to %d", raised, got)
	}
}

func TestBoundBelowThresholdDoesNothing(t *testing.T) {
	withLimit(t, math.MaxInt64)
	gcs := forcedGCs()
	for _, extra := range []int64{math.MinInt64, -1, 0, 1 << 20, from - 1} {
		Bound(extra)
		if got := limit(); got != math.MaxInt64 {
			t.Fatalf("Bound(%d) set the limit to %d, want it left unset", extra, got)
		}
	}
	if n := forcedGCs() - gcs; n != 0 {
		t.Errorf("Bound below %d bytes forced %d GC cycles, want none", from, n)
	}
}

func TestBoundLeavesAnExplicitGOMEMLIMITAlone(t *testing.T) {
	const explicit = 100 << 20
	withLimit(t, explicit)
	t.Setenv("GOMEMLIMIT", "100MiB")
	gcs := forcedGCs()
	Bound(1 << 30)
	if got := limit(); got != explicit {
		t.Errorf("with GOMEMLIMIT set, Bound changed the limit from %d to %d", int64(explicit), got)
	}
	if n := forcedGCs() - gcs; n != 0 {
		t.Errorf("with GOMEMLIMIT set, Bound forced %d GC cycles, want none", n)
	}
}

// garbage allocates size bytes and drops them, collected, so that the heap
// holds that much free memory not yet given back to the system.
func garbage(size int) {
	b := make([]byte, size)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1 // touch every page so that it is backed by memory
	}
	runtime.KeepAlive(b)
	runtime.GC()
}

func freeHeap() uint64 { return readUint64("/memory/classes/heap/free:bytes") }

func TestGiveBackReturnsFreeMemoryFrom16MiB(t *testing.T) {
	withLimit(t, math.MaxInt64)
	const size = 64 << 20
	garbage(size)
	gcs := forcedGCs()
	GiveBack(from)
	if n := forcedGCs() - gcs; n != 1 {
		t.Errorf("GiveBack(16 MiB) forced %d GC cycles, want 1 (debug.FreeOSMemory)", n)
	}
	if free := freeHeap(); free > size/4 {
		t.Errorf("after GiveBack(16 MiB) the heap still holds %d free bytes of the %d dropped", free, size)
	}
}

func TestGiveBackBelow16MiBDoesNothing(t *testing.T) {
	gcs := forcedGCs()
	for _, released := range []int64{math.MinInt64, -1, 0, 1 << 20, from - 1} {
		GiveBack(released)
	}
	if n := forcedGCs() - gcs; n != 0 {
		t.Errorf("GiveBack below %d bytes forced %d GC cycles, want none", from, n)
	}
}

func TestManySmall(t *testing.T) {
	t.Setenv("GOGC", "")
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })
	for _, size := range []int64{0, -1, manySmallBelow, 64 << 20} {
		ManySmall(size)
		if got := debug.SetGCPercent(100); got != 100 {
			t.Fatalf("ManySmall(%d) set GOGC to %d, want it left at 100", size, got)
		}
	}
	ManySmall(20 << 10)
	if got := debug.SetGCPercent(800); got != manySmallGCPercent {
		t.Fatalf("ManySmall(20 KiB): GOGC %d, want %d", got, manySmallGCPercent)
	}
	ManySmall(20 << 10)
	if got := debug.SetGCPercent(-1); got != 800 {
		t.Errorf("ManySmall lowered GOGC 800 to %d", got)
	}
	ManySmall(20 << 10)
	if got := debug.SetGCPercent(100); got != -1 {
		t.Errorf("ManySmall turned on a collector that was off (GOGC %d)", got)
	}
	t.Setenv("GOGC", "50")
	ManySmall(20 << 10)
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("ManySmall with GOGC set: %d", got)
	}
}

// TestInUseMatchesRuntimeMetrics: inUse, read through MemStats, is the
// figure the runtime/metrics classes give (total less heap released and
// heap free), up to what the two reads between them allocate.
func TestInUseMatchesRuntimeMetrics(t *testing.T) {
	runtime.GC()
	want := int64(readUint64("/memory/classes/total:bytes") -
		readUint64("/memory/classes/heap/released:bytes") -
		readUint64("/memory/classes/heap/free:bytes"))
	got := inUse()
	if d := got - want; d < -(1<<20) || d > 1<<20 {
		t.Errorf("inUse() = %d, runtime/metrics give %d", got, want)
	}
}
