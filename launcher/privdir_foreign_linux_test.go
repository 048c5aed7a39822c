//go:build linux

package launcher_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vsync/internal/testsupport"
	"vsync/launcher"
)

// nobody is the uid another local user has in these tests.
const nobody = 65534

// foreignDir is a new directory of mode perm owned by nobody: another
// user's $XDG_RUNTIME_DIR. Changing an owner needs root.
func foreignDir(t *testing.T, perm os.FileMode) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("making a directory another user's needs root")
	}
	d := t.TempDir()
	if err := os.Chown(d, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, perm); err != nil {
		t.Fatal(err)
	}
	return d
}

// fallback is what PrivateBase picks when $XDG_RUNTIME_DIR is refused.
func fallback(tmp string) string {
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		return "/dev/shm"
	}
	return tmp
}

// Root running with another user's XDG_RUNTIME_DIR (su without -, sudo -E)
// does not put secrets in a directory that user controls.
func TestPrivateBaseRefusesAForeignBase(t *testing.T) {
	tmp := t.TempDir()
	for _, perm := range []os.FileMode{0o700, 0o777 | os.ModeSticky} {
		xdg := foreignDir(t, perm)
		getenv := func(k string) string { return map[string]string{"XDG_RUNTIME_DIR": xdg, "TMPDIR": tmp}[k] }
		if got := launcher.PrivateBase(getenv); got != fallback(tmp) {
			t.Errorf("PrivateBase with $XDG_RUNTIME_DIR of uid %d (%v) = %q, want %q", nobody, perm, got, fallback(tmp))
		}
		_, err := launcher.NewPrivateDir(xdg)
		if !errors.Is(err, launcher.ErrUnsafeBase) || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Errorf("NewPrivateDir(%v dir of uid %d) = %v, want ErrUnsafeBase", perm, nobody, err)
		}
		if got := testsupport.Names(t, xdg); len(got) != 0 {
			t.Errorf("NewPrivateDir left %q in the foreign base", got)
		}
	}
}

// A base anyone may write to is refused unless sticky (others could rename
// what vsync creates there); sticky, as /tmp is, it serves.
func TestPrivateBaseRefusesAWorldWritableBase(t *testing.T) {
	tmp := t.TempDir()
	xdg := t.TempDir()
	getenv := func(k string) string { return map[string]string{"XDG_RUNTIME_DIR": xdg, "TMPDIR": tmp}[k] }
	if err := os.Chmod(xdg, 0o777); err != nil {
		t.Fatal(err)
	}
	if got := launcher.PrivateBase(getenv); got != fallback(tmp) {
		t.Errorf("PrivateBase with a 0777 $XDG_RUNTIME_DIR = %q, want %q", got, fallback(tmp))
	}
	if _, err := launcher.NewPrivateDir(xdg); !errors.Is(err, launcher.ErrUnsafeBase) || !strings.Contains(err.Error(), "not sticky") {
		t.Errorf("NewPrivateDir(0777 dir) = %v, want ErrUnsafeBase", err)
	}
	if err := os.Chmod(xdg, 0o777|os.ModeSticky); err != nil {
		t.Fatal(err)
	}
	if got := launcher.PrivateBase(getenv); got != xdg {
		t.Errorf("PrivateBase with a sticky 01777 $XDG_RUNTIME_DIR = %q, want it", got)
	}
	d, err := launcher.NewPrivateDir(xdg)
	if err != nil {
		t.Fatal(err)
	}
	d.Remove()
}

// Once created, the private directory is written through its descriptor:
// its path (or a subdirectory's) swapped for a symlink to a directory of
// the attacker's redirects no write, no replacement and no removal.
func TestPrivateDirSymlinkSwapRedirectsNothing(t *testing.T) {
	base := t.TempDir()
	attacker := t.TempDir()
	if err := os.WriteFile(filepath.Join(attacker, "keep"), []byte("attacker's"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := launcher.NewPrivateDir(base)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	if _, err := d.WriteFile("tls/a.crt", []byte("CANARY_a_old")); err != nil {
		t.Fatal(err)
	}
	// The swap: the directory moves away, a symlink to the attacker's
	// directory takes its name.
	moved := filepath.Join(base, "moved")
	if err := os.Rename(d.Path(), moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(attacker, d.Path()); err != nil {
		t.Fatal(err)
	}
	attackerHolds := func(when string) {
		t.Helper()
		if got := testsupport.Names(t, attacker); len(got) != 1 || got[0] != "keep" {
			t.Fatalf("%s: the attacker's directory holds %q", when, got)
		}
		if b, _ := os.ReadFile(filepath.Join(attacker, "keep")); string(b) != "attacker's" {
			t.Fatalf("%s: the attacker's file was changed", when)
		}
	}
	if _, err := d.WriteFile("secret.pem", []byte("CANARY_secret")); err != nil {
		t.Fatal(err)
	}
	attackerHolds("after WriteFile")
	u, err := d.Stage(map[string][]byte{"tls/a.crt": []byte("CANARY_a_new"), "new/b.pem": []byte("CANARY_b")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	attackerHolds("after Stage and Commit")
	for p, want := range map[string]string{"secret.pem": "CANARY_secret", "tls/a.crt": "CANARY_a_new", "new/b.pem": "CANARY_b"} {
		if b, err := os.ReadFile(filepath.Join(moved, p)); err != nil || string(b) != want {
			t.Errorf("%s in the real directory holds %q (%v), want %q", p, b, err, want)
		}
	}

	// A subdirectory swapped for a symlink: refused, not followed.
	if err := os.Rename(filepath.Join(moved, "tls"), filepath.Join(moved, "tls-real")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(attacker, filepath.Join(moved, "tls")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteFile("tls/c.pem", []byte("CANARY_c")); err == nil {
		t.Error("WriteFile through a symlinked subdirectory succeeded")
	} else if strings.Contains(err.Error(), "CANARY") {
		t.Error("WriteFile through a symlinked subdirectory: the error holds the file's content")
	}
	if _, err := d.Stage(map[string][]byte{"tls/a.crt": []byte("CANARY_a_3")}, nil); err == nil {
		t.Error("Stage through a symlinked subdirectory succeeded")
	}
	attackerHolds("after writes through a symlinked subdirectory")

	// Remove empties the real directory and touches nothing of the
	// attacker's, not even the symlink it cannot vouch for.
	_ = d.Remove()
	attackerHolds("after Remove")
	if got := testsupport.Names(t, moved); len(got) != 0 {
		t.Errorf("the real directory still holds %q", got)
	}
	if fi, err := os.Lstat(d.Path()); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink in the private directory's place: %v, %v", fi, err)
	}
}
