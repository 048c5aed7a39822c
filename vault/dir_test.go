package vault

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestWriteDirReadDir(t *testing.T) {
	files := sampleFiles()
	dir := filepath.Join(t.TempDir(), "prod")
	if err := WriteDir(dir, files); err != nil {
		t.Fatal(err)
	}
	// Modes: directories 0700, files owner bits only.
	for _, d := range []string{dir, filepath.Join(dir, "tls"), filepath.Join(dir, "tls", "a b")} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: mode %v, want 0700", d, fi.Mode())
		}
	}
	wantMode := map[string]os.FileMode{".env.prod": 0o600, "gcp-sa.json": 0o600, "tls/server.crt": 0o600, "tls/a b/ü.txt": 0o700}
	got, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Fatalf("got %d files", len(got))
	}
	sortFiles(files)
	for i, f := range got {
		if f.Path != files[i].Path {
			t.Errorf("file %d: %q, want %q", i, f.Path, files[i].Path)
		}
		if f.Mode != wantMode[f.Path] {
			t.Errorf("%q: mode %v, want %v", f.Path, f.Mode, wantMode[f.Path])
		}
		if string(f.Data) != string(files[i].Data) {
			t.Errorf("%q: value mismatch", f.Path)
		}
	}
	// dir must not exist yet.
	if err := WriteDir(dir, nil); err == nil {
		t.Error("WriteDir into an existing directory succeeded")
	}
}

func TestReadDirSortsSlashPaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"a/b", "a.txt", "a-b", "z/y/x"} {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o700)
		if err := os.WriteFile(full, []byte(p), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got {
		paths = append(paths, f.Path)
		if f.Mode != 0o640 {
			t.Errorf("%q: mode %v", f.Path, f.Mode)
		}
	}
	if want := "[a-b a.txt a/b z/y/x]"; "["+strings.Join(paths, " ")+"]" != want {
		t.Errorf("paths = %v, want %s", paths, want)
	}
	// A symlinked root is followed.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadDir(link); err != nil || len(got) != 4 {
		t.Errorf("symlinked root: %d files, %v", len(got), err)
	}
}

func TestReadDirRejectsSpecial(t *testing.T) {
	mk := func(t *testing.T, make func(dir string) error) string {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "ok"), []byte("x"), 0o600)
		os.Mkdir(filepath.Join(dir, "sub"), 0o700)
		if err := make(filepath.Join(dir, "sub")); err != nil {
			t.Skip(err)
		}
		return dir
	}
	cases := map[string]func(dir string) error{
		"symlink to file": func(d string) error { return os.Symlink("../ok", filepath.Join(d, "bad")) },
		"symlink to dir":  func(d string) error { return os.Symlink("..", filepath.Join(d, "bad")) },
		"dangling":        func(d string) error { return os.Symlink("/nonexistent", filepath.Join(d, "bad")) },
		"fifo":            func(d string) error { return syscall.Mkfifo(filepath.Join(d, "bad"), 0o600) },
		"socket": func(d string) error {
			l, err := net.Listen("unix", filepath.Join(d, "bad"))
			if err == nil {
				t.Cleanup(func() { l.Close() })
			}
			return err
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			dir := mk(t, make)
			_, err := ReadDir(dir)
			if !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("err = %v, want ErrUnsafePath", err)
			}
			if want := filepath.Join(dir, "sub", "bad"); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %q", err, want)
			}
		})
	}
}

func TestWriteDirRejectsUnsafe(t *testing.T) {
	parent := t.TempDir()
	for _, p := range []string{"../escape", "/abs", "a/../../b", ""} {
		dir := filepath.Join(parent, "d")
		err := WriteDir(dir, []File{{Path: p, Mode: 0o600, Data: []byte("x")}})
		if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("%q: err = %v", p, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%q: dir was created", p)
		}
	}
	// A conflict half-way removes what was written.
	dir := filepath.Join(parent, "d2")
	err := WriteDir(dir, []File{{Path: "a", Mode: 0o600}, {Path: "a/b", Mode: 0o600}})
	if err == nil {
		t.Fatal("file/dir conflict accepted")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("dir left behind after failure")
	}
}

// TestHashDir: HashDir gives the entries NewManifest gives for ReadDir's
// files, and refuses what ReadDir refuses (a symlink).
func TestHashDir(t *testing.T) {
	dir := t.TempDir()
	if err := WriteDir(filepath.Join(dir, "env"), sampleFiles()); err != nil {
		t.Fatal(err)
	}
	files, err := ReadDir(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	want := NewManifest(Manifest{}, files).Files
	got, err := HashDir(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("HashDir differs from NewManifest(ReadDir): %d vs %d entries", len(got), len(want))
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "env", "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := HashDir(filepath.Join(dir, "env")); !errors.Is(err, ErrUnsafePath) {
		t.Fatalf("symlink: %v, want ErrUnsafePath", err)
	}
}
