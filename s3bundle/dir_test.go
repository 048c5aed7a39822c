package s3bundle_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"vsync/s3bundle"
)

func TestDirMissingRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "nope")
	if _, err := s3bundle.NewDir(root); !errors.Is(err, s3bundle.ErrNoBucket) {
		t.Fatalf("NewDir on a missing root: %v, want ErrNoBucket", err)
	}
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := s3bundle.NewDir(file); !errors.Is(err, s3bundle.ErrNoBucket) {
		t.Fatalf("NewDir on a file: %v, want ErrNoBucket", err)
	}
}

func TestDirRootRemoved(t *testing.T) {
	root := filepath.Join(t.TempDir(), "vault")
	os.Mkdir(root, 0o755)
	d, err := s3bundle.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(root); err != nil {
		t.Fatal(err)
	}
	everyOp(t, d, s3bundle.ErrNoBucket)
}

// TestDirLayout: objects are plain files at their keys; the backend's own
// files never show in List and keys cannot name them.
func TestDirLayout(t *testing.T) {
	d := newDir(t)
	ctx := t.Context()
	if _, err := d.Put(ctx, "app/prod/current.pgp", []byte("bundle"), s3bundle.PutOptions{Generation: 5}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(d.Root(), "app", "prod", "current.pgp"))
	if err != nil || string(b) != "bundle" {
		t.Fatalf("file content %q, %v", b, err)
	}
	// Leftovers of a crashed write.
	os.WriteFile(filepath.Join(d.Root(), "app", "prod", ".vsync-tmp.current.pgp.1234"), []byte("partial"), 0o644)
	keys, err := d.List(ctx, "")
	if err != nil || !slices.Equal(keys, []string{"app/prod/current.pgp"}) {
		t.Fatalf("List = %q, %v", keys, err)
	}
	for _, key := range []string{".vsync.lock", "app/.vsync-meta.x", "app/prod/.vsync-tmp.current.pgp.1234"} {
		if _, err := d.Head(ctx, key); !errors.Is(err, s3bundle.ErrBadKey) {
			t.Errorf("Head(%q): %v, want ErrBadKey", key, err)
		}
	}
	// Dot files that are not the backend's are ordinary keys.
	if _, err := d.Put(ctx, "app/.hidden", []byte("h"), s3bundle.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	keys, _ = d.List(ctx, "app/")
	if !slices.Equal(keys, []string{"app/.hidden", "app/prod/current.pgp"}) {
		t.Errorf("List = %q", keys)
	}
	// One sidecar per object, for the current content only.
	if _, err := d.Put(ctx, "app/prod/current.pgp", []byte("bundle 2"), s3bundle.PutOptions{Generation: 6}); err != nil {
		t.Fatal(err)
	}
	metas, _ := filepath.Glob(filepath.Join(d.Root(), "app", "prod", ".vsync-meta.current.pgp.*"))
	if len(metas) != 1 {
		t.Errorf("sidecars: %q", metas)
	}
}

// TestDirHandEdited: a file replaced behind the backend's back loses its
// generation (the sidecar names the old content) but is still an object.
func TestDirHandEdited(t *testing.T) {
	d := newDir(t)
	ctx := t.Context()
	if _, err := d.Put(ctx, "env/current.pgp", []byte("v1"), s3bundle.PutOptions{Generation: 1}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.Root(), "env", "current.pgp"), []byte("edited"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := d.Head(ctx, "env/current.pgp")
	if err != nil || info.Generation != 0 || info.Size != 6 {
		t.Fatalf("Head = %+v, %v", info, err)
	}
	// A file copied in by hand (say by `aws s3 sync`) reads with generation 0.
	os.MkdirAll(filepath.Join(d.Root(), "env", "generations"), 0o755)
	os.WriteFile(filepath.Join(d.Root(), "env", "generations", "0000000001.pgp"), []byte("v1"), 0o644)
	if info, err := d.Head(ctx, "env/generations/0000000001.pgp"); err != nil || info.Generation != 0 {
		t.Fatalf("Head = %+v, %v", info, err)
	}
}

func TestDirGetIsSnapshot(t *testing.T) {
	d := newDir(t)
	ctx := t.Context()
	d.Put(ctx, "k", []byte("old"), s3bundle.PutOptions{})
	rc, _, err := d.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := d.Put(ctx, "k", []byte("new and longer"), s3bundle.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 64)
	n, _ := rc.Read(b)
	if string(b[:n]) != "old" {
		t.Errorf("reader opened before the Put read %q", b[:n])
	}
}

func TestDirKeyUnderFile(t *testing.T) {
	d := newDir(t)
	ctx := t.Context()
	d.Put(ctx, "a", []byte("file"), s3bundle.PutOptions{})
	if _, err := d.Head(ctx, "a/b"); !errors.Is(err, s3bundle.ErrNotExist) {
		t.Errorf("Head under a file: %v, want ErrNotExist", err)
	}
	if _, err := d.Head(ctx, "app"); !errors.Is(err, s3bundle.ErrNotExist) {
		t.Errorf("Head of a missing name: %v", err)
	}
	d.Put(ctx, "dir/x", []byte("x"), s3bundle.PutOptions{})
	if _, err := d.Head(ctx, "dir"); !errors.Is(err, s3bundle.ErrNotExist) {
		t.Errorf("Head of a directory: %v, want ErrNotExist", err)
	}
}

// helperEnv makes the test binary a racer in TestDirCrossProcess.
const helperEnv = "VSYNC_S3BUNDLE_DIR_RACER"

// TestDirCrossProcess: conditional puts from several processes on one
// directory have exactly one winner (the flock, not a mutex, decides).
func TestDirCrossProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		return // the helper is TestDirRacerHelper
	}
	d := newDir(t)
	const procs = 8
	var wg sync.WaitGroup
	outs := make([]string, procs)
	for i := range procs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^TestDirRacerHelper$")
			cmd.Env = append(os.Environ(), helperEnv+"="+fmt.Sprint(d.Root(), "|", i))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("racer %d: %v\n%s", i, err, out)
			}
			outs[i] = string(out)
		})
	}
	wg.Wait()
	won := 0
	for _, out := range outs {
		won += strings.Count(out, "RACER-WON")
	}
	if won != 1 {
		t.Fatalf("%d processes won, want 1:\n%s", won, strings.Join(outs, "\n"))
	}
	if _, err := fs.Stat(os.DirFS(d.Root()), "env/generations/0000000001.pgp"); err != nil {
		t.Fatal(err)
	}
}

func TestDirRacerHelper(t *testing.T) {
	v := os.Getenv(helperEnv)
	if v == "" {
		t.Skip("helper process for TestDirCrossProcess")
	}
	root, id, _ := strings.Cut(v, "|")
	d, err := s3bundle.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	// Several goroutines per process, so the lock serves both.
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			_, err := d.Put(t.Context(), "env/generations/0000000001.pgp", []byte(id+"/"+fmt.Sprint(g)), s3bundle.PutOptions{IfNoneMatch: true, Generation: 1})
			switch {
			case err == nil:
				fmt.Println("RACER-WON")
			case !errors.Is(err, s3bundle.ErrConflict):
				t.Errorf("Put: %v", err)
			}
		})
	}
	wg.Wait()
}

// TestDirMissingRootSaysDirectory: a missing root is ErrNoBucket to the
// caller, but its message speaks of the directory, not of a bucket.
func TestDirMissingRootSaysDirectory(t *testing.T) {
	root := filepath.Join(t.TempDir(), "vaults")
	_, err := s3bundle.NewDir(root)
	var nd *s3bundle.NoDirError
	if !errors.Is(err, s3bundle.ErrNoBucket) || !errors.As(err, &nd) || nd.Root != root {
		t.Fatalf("NewDir(%q) = %v, want a *NoDirError for it that is ErrNoBucket", root, err)
	}
	if msg := err.Error(); strings.Contains(msg, "bucket") || !strings.Contains(msg, `directory "`+root+`" does not exist`) {
		t.Errorf("message %q: want 'directory %q does not exist' and no 'bucket'", msg, root)
	}
}
