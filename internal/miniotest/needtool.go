package miniotest

import (
	"os"
	"os/exec"
	"testing"
)

// NeedTool returns the path of the program name (from Debian package
// pkg), for a test that runs it: a missing one skips the test, or fails
// it when RequireEnv is 1, as a missing MinIO does.
func NeedTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s=1 and %s is missing (apt-get install %s)", RequireEnv, name, pkg)
		}
		t.Skipf("%s is missing (apt-get install %s)", name, pkg)
	}
	return p
}
