package memlimit

import (
	"os"
	"runtime/debug"
)

// manySmallBelow is the object size under which ManySmall acts, and
// manySmallGCPercent the GOGC it sets.
const (
	manySmallBelow     = 256 << 10
	manySmallGCPercent = 400
)

// ManySmall tells the Go runtime that this process is about to read many
// objects of about size bytes each (log and verify of a long history),
// only a few of them held at once. When they are small (under 256 KiB,
// not 0: unknown) it lets the heap grow to five times what is live
// (GOGC=400) instead of twice: what is live stays a few megabytes, and
// collecting it at every few megabytes allocated cost about a tenth of
// `vsync log`'s CPU at 500 generations. Larger objects keep the
// collector's usual pacing (and Bound's limit). An explicit GOGC is left
// alone, and the percent is only ever raised.
func ManySmall(size int64) {
	if size <= 0 || size >= manySmallBelow || os.Getenv("GOGC") != "" {
		return
	}
	if prev := debug.SetGCPercent(manySmallGCPercent); prev < 0 || prev > manySmallGCPercent {
		debug.SetGCPercent(prev)
	}
}
