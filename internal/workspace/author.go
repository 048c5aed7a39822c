package workspace

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Author names who pushes from the project in dir: $VSYNC_AUTHOR, else
// git's user.email when git answers within two seconds (git runs in dir
// with gitEnv as its environment), else $USER@hostname.
func (h Home) Author(ctx context.Context, dir string, gitEnv []string) string {
	if a := strings.TrimSpace(h.Getenv("VSYNC_AUTHOR")); a != "" {
		return a
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", "config", "user.email")
	cmd.Dir = dir
	cmd.Env = gitEnv
	if out, err := cmd.Output(); err == nil {
		if e := strings.TrimSpace(string(out)); e != "" {
			return e
		}
	}
	user := h.Getenv("USER")
	if user == "" {
		user = "unknown"
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "localhost"
	}
	return user + "@" + host
}
