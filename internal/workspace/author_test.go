package workspace

import (
	"context"
	"os"
	"testing"
)

func TestAuthor(t *testing.T) {
	noGit := []string{"HOME=" + t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}
	h := testHome(t, map[string]string{"VSYNC_AUTHOR": " ops@example.com ", "USER": "alice"})
	if got := h.Author(context.Background(), t.TempDir(), noGit); got != "ops@example.com" {
		t.Errorf("with VSYNC_AUTHOR: %q", got)
	}
	h = testHome(t, map[string]string{"USER": "alice"})
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	if got := h.Author(context.Background(), t.TempDir(), noGit); got != "alice@"+host {
		t.Errorf("without git's user.email: %q, want alice@%s", got, host)
	}
}
