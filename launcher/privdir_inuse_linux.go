//go:build linux

package launcher

import (
	"bytes"
	"os"
	"strconv"
)

// inUse reports whether a live process of the current user still points
// into the private directory dir through its environment: the child vsync
// started there, and every process it started, carry NAME_FILE (and
// VSYNC_STATUS_SOCKET) values under dir, kept across fork and exec. A
// directory whose lock is free but whose process tree lives on (a child
// that escaped its group, or one its watchdog has not killed yet) is then
// left alone. Other users' environments cannot be read and do not count.
func inUse(dir string) bool {
	needle := []byte("=" + dir + "/")
	d, err := os.Open("/proc")
	if err != nil {
		return false
	}
	defer d.Close()
	names, _ := d.Readdirnames(-1)
	self := os.Getpid()
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid == self {
			continue
		}
		env, err := os.ReadFile("/proc/" + n + "/environ")
		if err == nil && bytes.Contains(env, needle) {
			return true
		}
	}
	return false
}
