package envops

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"vsync/internal/testsupport"
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
// a pull writes (content, modes 0600 / 0700), and no file in the stage
// has a name before the bundle was checked, with anonymous files or
// without (written after the check); a current.pgp whose MDC fails, or a
// pull refused for local edits, leaves the folder as it was and no stage.
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
	dir := e.Project.EnvDir("dev")
	for _, noAnon := range []bool{false, true} {
		what := fmt.Sprintf("noAnon %v", noAnon)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		opts, looked, stage := watchStage(t, e.Project, what, noAnon)
		opts.Force = true
		if _, err := Pull(ctx, e, opts); err != nil {
			t.Fatal(err)
		}
		if streamed := len((*stage).Stream.Written); *looked != 1 || noAnon != (streamed == 0) {
			t.Errorf("%s: AfterWrites called %d times, %d files streamed", what, *looked, streamed)
		}
		pulledFolder(t, dir, big, what)
		noStages(t, e.Project, what+": after the pull")
	}

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
	for _, noAnon := range []bool{false, true} {
		what := fmt.Sprintf("a tampered current.pgp, noAnon %v", noAnon)
		opts, looked, _ := watchStage(t, e.Project, what, noAnon)
		opts.Force = true
		if _, err := Pull(ctx, e, opts); !errors.Is(err, vault.ErrIntegrity) || *looked != 1 {
			t.Errorf("%s: %v (AfterWrites called %d times), want ErrIntegrity", what, err, *looked)
		}
		if data, _ := os.ReadFile(filepath.Join(dir, ".env.dev")); !bytes.Equal(data, []byte("A=local\n")) {
			t.Errorf("%s: the folder changed under a refused pull", what)
		}
		noStages(t, e.Project, what)
	}

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

// watchStage returns PullOptions whose stage, with anonymous files or
// without (noAnon: as where there are none), checks that nothing in the
// vault folder's stages has a name once the bundle's data was written
// (before it is trusted); the counter says how often it looked, and the
// stage is set to the stage's files.
func watchStage(t *testing.T, p *workspace.Project, what string, noAnon bool) (PullOptions, *int, **vault.DirStream) {
	n := new(int)
	stage := new(*vault.DirStream)
	return PullOptions{stageTest: func(ds *vault.DirStream) {
		*stage = ds
		ds.NoAnon = noAnon
		ds.Stream.AfterWrites = func() {
			*n++
			entries, _ := os.ReadDir(p.VaultDir())
			for _, e := range entries {
				if e.Name() != "dev" && e.Name() != ".vsync" {
					testsupport.NoNamedContent(t, filepath.Join(p.VaultDir(), e.Name()), what)
				}
			}
		}
	}}, n, stage
}

// pulledFolder fails unless dir holds what TestPullStreams pushed, with
// the modes a pull gives.
func pulledFolder(t *testing.T, dir string, big []byte, what string) {
	t.Helper()
	for name, want := range map[string]struct {
		data string
		mode os.FileMode
	}{".env.dev": {"A=1\n", 0o600}, "blob.bin": {string(big), 0o600}, "bin/tool": {"#!/bin/sh\n", 0o700}} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		data, err := os.ReadFile(p)
		fi, serr := os.Stat(p)
		if err != nil || serr != nil || string(data) != want.data || fi.Mode().Perm() != want.mode {
			t.Errorf("%s: %s: not the pulled file with mode %v (%v, %v)", what, name, want.mode, err, serr)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "bin")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: bin/: %v, want mode 0700", what, err)
	}
}
