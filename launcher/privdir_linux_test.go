//go:build linux

package launcher_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"vsync/launcher"
)

func TestPrivateDirModes(t *testing.T) {
	base := t.TempDir()
	d, err := launcher.NewPrivateDir(base)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(d.Path()), "vsync-") || filepath.Dir(d.Path()) != base {
		t.Fatalf("Path = %q, want %s/vsync-<pid>-<random>", d.Path(), base)
	}
	checkMode(t, d.Path(), os.ModeDir|0o700)
	for name, content := range map[string]string{"gcp-sa.json": "{}", "tls/server.crt": "CERT"} {
		p, err := d.WriteFile(name, []byte(content))
		if err != nil {
			t.Fatal(err)
		}
		if p != filepath.Join(d.Path(), name) {
			t.Errorf("WriteFile(%q) = %q", name, p)
		}
		checkMode(t, p, 0o600)
		if b, _ := os.ReadFile(p); string(b) != content {
			t.Errorf("%s holds %q", name, b)
		}
	}
	checkMode(t, filepath.Join(d.Path(), "tls"), os.ModeDir|0o700)
	if _, err := d.WriteFile("gcp-sa.json", []byte("again")); err == nil {
		t.Error("WriteFile overwrote an existing file")
	}
	for _, bad := range []string{"", "../escape", "/abs", "a/../../b"} {
		if _, err := d.WriteFile(bad, nil); err == nil {
			t.Errorf("WriteFile(%q) succeeded", bad)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(d.Path(), "link")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.WriteFile("link", []byte("x")); err == nil {
		t.Error("WriteFile followed a symlink")
	}
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(d.Path()); !os.IsNotExist(err) {
		t.Fatalf("after Remove: %v", err)
	}
	if err := d.Remove(); err != nil {
		t.Fatalf("second Remove: %v", err)
	}
}

func checkMode(t *testing.T, p string, want os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", p, fi.Mode(), want)
	}
}

// CleanStale removes the directory of a vsync that was SIGKILLed, and
// leaves alone the directories of a live vsync, another process or this one.
func TestCleanStale(t *testing.T) {
	base := t.TempDir()
	own, err := launcher.NewPrivateDir(base)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Remove()

	other, killOther := privdirElsewhere(t, base)
	unrelated := filepath.Join(base, "not-vsync")
	if err := os.Mkdir(unrelated, 0o700); err != nil {
		t.Fatal(err)
	}

	if removed, err := launcher.CleanStale(base); err != nil || len(removed) != 0 {
		t.Fatalf("CleanStale with every vsync alive = %q, %v", removed, err)
	}

	killOther() // SIGKILL: the helper cannot clean up
	removed, err := launcher.CleanStale(base)
	if err != nil || len(removed) != 1 || removed[0] != other {
		t.Fatalf("CleanStale = %q, %v; want [%s]", removed, err, other)
	}
	for _, p := range []string{own.Path(), unrelated} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	if _, err := os.Stat(other); !os.IsNotExist(err) {
		t.Errorf("stale %s still there: %v", other, err)
	}
}

// A directory caught half-created (still hidden) is removed only once its
// pid is gone.
func TestCleanStaleHalfCreated(t *testing.T) {
	base := t.TempDir()
	live := filepath.Join(base, ".vsync-"+strconv.Itoa(os.Getpid())+"-00")
	dead := filepath.Join(base, ".vsync-999999999-00")
	for _, p := range []string{live, dead} {
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := launcher.CleanStale(base)
	if err != nil || len(removed) != 1 || removed[0] != dead {
		t.Fatalf("CleanStale = %q, %v; want [%s]", removed, err, dead)
	}
}

func TestPrivateBase(t *testing.T) {
	xdg := t.TempDir()
	tmp := t.TempDir()
	env := map[string]string{"XDG_RUNTIME_DIR": xdg, "TMPDIR": tmp}
	getenv := func(k string) string { return env[k] }
	if got := launcher.PrivateBase(getenv); got != xdg {
		t.Errorf("PrivateBase = %q, want $XDG_RUNTIME_DIR %q", got, xdg)
	}
	env["XDG_RUNTIME_DIR"] = filepath.Join(xdg, "missing")
	want := "/dev/shm"
	if fi, err := os.Stat(want); err != nil || !fi.IsDir() {
		want = tmp
	}
	if got := launcher.PrivateBase(getenv); got != want {
		t.Errorf("PrivateBase = %q, want %q", got, want)
	}
}

func TestEnvName(t *testing.T) {
	for in, want := range map[string]string{
		"gcp-sa.json":    "GCP_SA_JSON_FILE",
		"tls/server.crt": "TLS_SERVER_CRT_FILE",
		"Already_UP9":    "ALREADY_UP9_FILE",
		"café.txt":       "CAF__TXT_FILE",
		"a b/c.d-e":      "A_B_C_D_E_FILE",
	} {
		if got := launcher.EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}
