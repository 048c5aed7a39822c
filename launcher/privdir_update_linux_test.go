//go:build linux

package launcher_test

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"vsync/internal/testsupport"
	"vsync/launcher"
)

func TestPrivateDirUpdate(t *testing.T) {
	d, err := launcher.NewPrivateDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	crt, err := d.WriteFile("tls/server.crt", []byte("OLD"))
	if err != nil {
		t.Fatal(err)
	}
	if crt != d.FilePath("tls/server.crt") {
		t.Errorf("FilePath = %q, WriteFile wrote %q", d.FilePath("tls/server.crt"), crt)
	}
	gone, err := d.WriteFile("gone.json", []byte("{}"))
	if err != nil {
		t.Fatal(err)
	}
	held, err := os.Open(crt)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()

	u, err := d.Stage(map[string][]byte{"tls/server.crt": []byte("NEW"), "new/key.pem": []byte("KEY")}, []string{"gone.json"})
	if err != nil {
		t.Fatal(err)
	}
	// Staged, not visible yet.
	if b, _ := os.ReadFile(crt); string(b) != "OLD" {
		t.Fatalf("before Commit %s holds %q", crt, b)
	}
	if err := u.Commit(); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{crt: "NEW", d.FilePath("new/key.pem"): "KEY"} {
		if b, err := os.ReadFile(p); err != nil || string(b) != want {
			t.Errorf("after Commit %s holds %q (%v), want %q", p, b, err, want)
		}
		checkMode(t, p, 0o600)
	}
	checkMode(t, filepath.Dir(d.FilePath("new/key.pem")), os.ModeDir|0o700)
	if _, err := os.Lstat(gone); !os.IsNotExist(err) {
		t.Errorf("removed file: %v", err)
	}
	// A reader that opened the file before keeps the old bytes whole.
	if b, _ := os.ReadFile(held.Name()); string(b) != "NEW" {
		t.Errorf("path holds %q", b)
	}
	buf := make([]byte, 8)
	if n, _ := held.Read(buf); string(buf[:n]) != "OLD" {
		t.Errorf("an open descriptor reads %q, want the old content", buf[:n])
	}
	if got := testsupport.Names(t, filepath.Join(d.Path(), "tls")); len(got) != 1 || got[0] != "server.crt" {
		t.Errorf("tls/ holds %q after Commit, want only server.crt", got)
	}
	if err := u.Commit(); err != nil {
		t.Errorf("second Commit: %v", err)
	}

	// Discard leaves no trace.
	u, err = d.Stage(map[string][]byte{"tls/server.crt": []byte("NEVER")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u.Discard()
	u.Discard()
	if b, _ := os.ReadFile(crt); string(b) != "NEW" {
		t.Errorf("after Discard %s holds %q", crt, b)
	}
	if got := testsupport.Names(t, filepath.Join(d.Path(), "tls")); len(got) != 1 {
		t.Errorf("tls/ holds %q after Discard", got)
	}

	// Bad names stage nothing.
	for _, bad := range []string{"", "../escape", "/abs"} {
		if _, err := d.Stage(map[string][]byte{bad: []byte("x"), "ok": []byte("y")}, nil); err == nil {
			t.Errorf("Stage(%q) succeeded", bad)
		}
		if _, err := d.Stage(nil, []string{bad}); err == nil {
			t.Errorf("Stage(remove %q) succeeded", bad)
		}
	}
	if got := testsupport.Names(t, d.Path()); len(got) != 2 || got[0] != "new" || got[1] != "tls" {
		t.Errorf("private dir holds %q after failed Stage calls, want [new tls]", got)
	}
}

// TestPrivateDirUpdateReadersSeeWholeFiles reads a file while it is
// replaced over and over: every read sees one whole version.
func TestPrivateDirUpdateReadersSeeWholeFiles(t *testing.T) {
	d, err := launcher.NewPrivateDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	a := bytes.Repeat([]byte("a"), 256<<10)
	b := bytes.Repeat([]byte("b"), 128<<10)
	p, err := d.WriteFile("big", a)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Errorf("read: %v", err)
				return
			}
			if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
				t.Errorf("read %d bytes that are neither version", len(got))
				return
			}
		}
	})
	for i := range 200 {
		data := a
		if i%2 == 0 {
			data = b
		}
		u, err := d.Stage(map[string][]byte{"big": data}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := u.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
}
