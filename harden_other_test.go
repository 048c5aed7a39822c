//go:build !linux

package main

// childPlatformModes are the helper child's modes of this platform.
var childPlatformModes = map[string]func([]string) int{}
