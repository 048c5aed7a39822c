package main

import (
	"bytes"
	"context"

	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// slowApp is a WSGI app whose /slow requests each announce themselves
// with a file, then wait for the file "release": requests in flight for as
// long as the test needs.
const slowApp = `import os, time
def app(environ, start_response):
    d = os.environ["APPDIR"]
    if environ["PATH_INFO"] == "/slow":
        open(os.path.join(d, "started.%d" % os.getpid()), "w").close()
        while not os.path.exists(os.path.join(d, "release")):
            time.sleep(0.01)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"answered by %d\n" % os.getpid()]
`

// syncBuffer is a bytes.Buffer safe for one writer and many readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRunHUPReloadsGunicorn: a HUP sent to vsync run (docker kill -s HUP,
// or --reload-signal HUP) goes to gunicorn's master only, which reloads
// its two workers gracefully: the two slow requests in flight are
// answered 200, no worker is "terminated due to signal 1". Before, the
// HUP went to the whole process group and killed the workers
// mid-request. A SIGTERM then shuts gunicorn down cleanly: vsync exits 0.
func TestRunHUPReloadsGunicorn(t *testing.T) {
	gunicorn := needExampleTool(t, "gunicorn", "gunicorn")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "slowapp.py"), []byte(slowApp), 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "g.sock")
	cmd := exec.Command(os.Args[0], "run", "--", gunicorn, "-w", "2", "--bind", "unix:"+sock,
		"--chdir", dir, "--graceful-timeout", "60", "slowapp:app")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1", "APPDIR="+dir, "PYTHONDONTWRITEBYTECODE=1")
	var log syncBuffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	waitLog := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for strings.Count(log.String(), what) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %d× %q from gunicorn within 30s; log:\n%s", n, what, log.String())
			}
			time.Sleep(10 * time.Millisecond) // polling the log, with a deadline
		}
	}
	waitLog("Booting worker with pid", 2)

	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives: true,
	}}
	type answer struct {
		code int
		body string
		err  error
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			resp, err := client.Get("http://gunicorn/slow")
			if err != nil {
				answers <- answer{err: err}
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers <- answer{resp.StatusCode, string(body), err}
		}()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		started, _ := filepath.Glob(filepath.Join(dir, "started.*"))
		if len(started) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the two slow requests did not reach two workers (%v); log:\n%s", started, log.String())
		}
		time.Sleep(10 * time.Millisecond) // polling for the app's files, with a deadline
	}

	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitLog("Handling signal: hup", 1)
	waitLog("Booting worker with pid", 4) // the reload's new workers
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case a := <-answers:
			if a.err != nil || a.code != 200 || !strings.HasPrefix(a.body, "answered by ") {
				t.Errorf("a request in flight during the reload got %d %q, %v; log:\n%s", a.code, a.body, a.err, log.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("a request in flight was never answered; log:\n%s", log.String())
		}
	}
	resp, err := client.Get("http://gunicorn/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the reload: %v, %v", resp, err)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err
		if err != nil {
			t.Errorf("vsync exited with %v after SIGTERM, want 0; log:\n%s", err, log.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("vsync did not exit after SIGTERM; log:\n%s", log.String())
	}
	// (gunicorn 20.1 logs its own graceful SIGTERM to old workers as
	// "terminated due to signal 15"; signal 1 is the HUP that killed them.)
	if got := log.String(); strings.Contains(got, "terminated due to signal 1\n") {
		t.Errorf("a worker was killed by SIGHUP:\n%s", got)
	}
}
