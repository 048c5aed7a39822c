//go:build !linux

package proc

// releaseExecutablePages is a Linux optimisation (see exepages_linux.go);
// elsewhere it does nothing.
func releaseExecutablePages() {}
