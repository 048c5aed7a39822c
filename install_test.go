package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBlock returns the first ```sh block after the line heading, from
// README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i := strings.Index(s, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README.md has no %q section", heading)
	}
	s = s[i:]
	start := strings.Index(s, "```sh\n")
	if start < 0 {
		t.Fatalf("README.md: no ```sh block after %q", heading)
	}
	s = s[start+len("```sh\n"):]
	end := strings.Index(s, "```")
	if end < 0 {
		t.Fatalf("README.md: unterminated block after %q", heading)
	}
	return s[:end]
}

// TestReadmeInstall runs the README's install commands literally, in
// bash, with a fresh GOPATH (the module cache and build cache are the
// user's, and GOPROXY=off: no network) and a PATH with no vsync on it:
// afterwards `vsync` is on PATH and prints the commit of this checkout.
func TestReadmeInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds vsync with go install")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed: %v", err)
	}
	goEnv := func(name string) string {
		out, err := exec.Command(goBin, "env", name).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", name, err)
		}
		return strings.TrimSpace(string(out))
	}
	gopath := t.TempDir()
	block := readmeBlock(t, "## Install")
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", block)
	cmd.Env = []string{
		"HOME=" + os.Getenv("HOME"),
		"PATH=" + filepath.Dir(goBin) + ":/usr/bin:/bin",
		"GOPATH=" + gopath,
		"GOMODCACHE=" + goEnv("GOMODCACHE"),
		"GOCACHE=" + goEnv("GOCACHE"),
		"GOTOOLCHAIN=local",
		"GOPROXY=off",
		"GOFLAGS=-buildvcs=auto", // over a go env -w GOFLAGS=-buildvcs=false
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the README's install block failed: %v\n%s\n--- block:\n%s", err, out, block)
	}
	if _, err := os.Stat(filepath.Join(gopath, "bin", "vsync")); err != nil {
		t.Errorf("go install left no vsync in GOPATH/bin: %v", err)
	}
	if !regexp.MustCompile(`(?m)^vsync \S+\n`).Match(out) || !regexp.MustCompile(`(?m)^go go1\.\S+ \w+/\w+$`).Match(out) {
		t.Errorf("vsync --version printed:\n%s\nwant vsync VERSION, commit ..., go GOVERSION OS/ARCH", out)
	}
	// The go command stamps a checkout whose .git is a directory; a git
	// worktree (.git is a file) is not stamped.
	fi, err := os.Stat(".git")
	if err != nil || !fi.IsDir() {
		if !strings.Contains(string(out), "\ncommit unknown\n") {
			t.Errorf("vsync --version printed:\n%s\nwant commit unknown (.git is not a directory)", out)
		}
		return
	}
	rev, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatalf("git rev-parse HEAD: %v", err)
	}
	if want := "commit " + strings.TrimSpace(string(rev)); !strings.Contains(string(out), want) {
		t.Errorf("vsync --version printed:\n%s\nwant %q (the checkout's HEAD)", out, want)
	}
}
