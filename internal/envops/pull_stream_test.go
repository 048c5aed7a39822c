package envops

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"vsync/internal/workspace"
	"vsync/s3bundle"
	"vsync/vault"
)

// noStages fails when the vault folder holds anything but the env's
// folder and the state.
func noStages(t *testing.T, p *workspace.Project, what string) {
	t.Helper()
	entries, _ := os.ReadDir(p.VaultDir())
	for _, e := range entries {
		if e.Name() != "dev" && e.Name() != ".vsync" {
			t.Errorf("%s: the vault folder holds %q", what, e.Name())
		}
	}
}

// TestPullStreams: a pull of a big bundle writes the files into the
// stage as the bundle is decrypted, and the folder is then exactly what
// a pull writes (content, modes 0600 / 0700); a current.pgp whose MDC
// fails, or a pull refused for local edits, leaves the folder as it was
// and no stage.
func TestPullStreams(t *testing.T) {
	ctx := context.Background()
	big := make([]byte, 3<<20+9)
	rand.Read(big)
	e := openTestEnv(t, map[string]string{".env.dev": "A=1\n", "blob.bin": string(big), "bin/tool": "#!/bin/sh\n"})
	if err := os.Chmod(filepath.Join(e.Project.EnvDir("dev"), "bin/tool"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Push(ctx, e, PushOptions{Note: "big", Author: "tester", S2KCount: testS2K}); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(e.Project.EnvDir("dev")); err != nil {
		t.Fatal(err)
	}
	if _, err := Pull(ctx, e, PullOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	dir := e.Project.EnvDir("dev")
	for name, want := range map[string]struct {
		data string
		mode os.FileMode
	}{".env.dev": {"A=1\n", 0o600}, "blob.bin": {string(big), 0o600}, "bin/tool": {"#!/bin/sh\n", 0o700}} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		data, err := os.ReadFile(p)
		fi, serr := os.Stat(p)
		if err != nil || serr != nil || string(data) != want.data || fi.Mode().Perm() != want.mode {
			t.Errorf("%s: not the pulled file with mode %v (%v, %v)", name, want.mode, err, serr)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "bin")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("bin/: %v, want mode 0700", err)
	}
	noStages(t, e.Project, "after the pull")

	// A bit flipped in current.pgp: refused, the folder untouched.
	root := e.Store.Backend.(*s3bundle.Dir).Root()
	cur := filepath.Join(root, filepath.FromSlash(e.Store.CurrentKey()))
	raw, err := os.ReadFile(cur)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(cur, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	writeFolder(t, e.Project, map[string]string{".env.dev": "A=local\n"})
	if _, err := Pull(ctx, e, PullOptions{Force: true}); !errors.Is(err, vault.ErrIntegrity) {
		t.Errorf("a pull of a tampered current.pgp = %v, want ErrIntegrity", err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, ".env.dev")); !bytes.Equal(data, []byte("A=local\n")) {
		t.Error("the folder changed under a refused pull")
	}
	noStages(t, e.Project, "after a tampered current.pgp")

	// Put it back: a pull over the local edit is refused without force.
	raw[len(raw)/2] ^= 1
	if err := os.WriteFile(cur, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var edits *workspace.LocalEditsError
	if _, err := Pull(ctx, e, PullOptions{}); !errors.As(err, &edits) {
		t.Errorf("a pull over local edits = %v, want *workspace.LocalEditsError", err)
	}
	noStages(t, e.Project, "after a pull refused for local edits")
}
