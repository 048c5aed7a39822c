//go:build unix && !linux

package launcher

// inUse cannot tell on these systems (no /proc): only the directory's lock
// says whether it is in use.
func inUse(string) bool { return false }
