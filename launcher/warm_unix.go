//go:build unix

package launcher

import "os"

// WarmUp does, ahead of Run, the once-per-process work of starting a
// process that does not depend on what is started: on Linux, Go's first
// os.StartProcess probes whether the kernel has pidfds (a throwaway
// clone and a waitid, about 0.1 ms), and os.FindProcess of vsync itself
// makes the same probe. Run it on a goroutine of its own while something
// slow happens (vsync run reads the vault meanwhile), so that the probe is
// not on the way to the child's start; calling it is never required.
func WarmUp() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Release()
	}
}
