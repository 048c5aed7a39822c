package main

import (
	"time"

	"vsync/s3bundle"
)

// testHooks are knobs that only the test binary sets (setTestHooks in
// main_test.go, through mainWith), never flags or environment variables of
// the released binary, which always runs with the zero value.
type testHooks struct {
	// S2KCount, when not zero, is the iterated-S2K count for chosen
	// passphrases, so that tests do not spend 16,777,216 bytes of hashing
	// on each seal.
	S2KCount int
	// S3Timeout, when not zero, bounds each S3 operation of a profile.
	S3Timeout time.Duration
	// RotateStopAfter, when not zero, makes rotate-passphrase SIGKILL
	// itself right after that many writes to the vault (objects rewritten,
	// then the record), to test an interrupted rotation.
	RotateStopAfter int
	// WrapBackend, when not nil, wraps the backend of every profile a
	// vault command opens: the tests count the requests made.
	WrapBackend func(s3bundle.Backend) s3bundle.Backend
	// Panic, when true, makes the command line panic before it runs, to
	// test that a bug in vsync exits 70 with one error line.
	Panic bool
}
