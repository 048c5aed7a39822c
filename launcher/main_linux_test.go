//go:build linux

package launcher_test

import (
	"fmt"
	"os"
	"testing"
)

// noRaceSleep goes into every helper's environment: a binary built with
// -race otherwise sleeps a second at exit.
const noRaceSleep = "GORACE=atexit_sleep_ms=0"

// testExe is the absolute path of this test binary, run as every child.
var testExe string

func TestMain(m *testing.M) {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	testExe = exe
	if mode := os.Getenv("LAUNCHER_HELPER"); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}
