package workspace

import (
	"os"
	"path/filepath"
	"testing"
)

// TestStageLockedWhileAPullRuns: RemoveStaleStages leaves the staging
// directory of a pull that holds it (makeStage's lock) and removes it once
// released, as after a SIGKILL, which releases the flock.
func TestStageLockedWhileAPullRuns(t *testing.T) {
	parent := t.TempDir()
	stage, unlock, err := makeStage(parent, "prod")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stage, "secret"), []byte("CANARY"), 0o600); err != nil {
		t.Fatal(err)
	}
	done, err := RemoveStaleStages(parent)
	if err != nil || len(done) != 0 {
		t.Fatalf("with the pull running: %v, %v", done, err)
	}
	if _, err := os.Stat(stage); err != nil {
		t.Fatalf("a running pull's stage went: %v", err)
	}
	unlock()
	done, err = RemoveStaleStages(parent)
	if err != nil || len(done) != 1 {
		t.Fatalf("after the pull: %v, %v", done, err)
	}
	if _, err := os.Stat(stage); !os.IsNotExist(err) {
		t.Fatalf("stale stage kept: %v", err)
	}
}
