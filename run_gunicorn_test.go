package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
	env := append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1", "APPDIR="+dir, "PYTHONDONTWRITEBYTECODE=1")
	p := startExample(t, t.TempDir(), env, os.Args[0], "run", "--", gunicorn, "-w", "2",
		"--bind", "unix:"+sock, "--chdir", dir, "--graceful-timeout", "60", "slowapp:app")
	p.waitCount(`Booting worker with pid`, 2)

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
	var started []string
	for {
		started, _ = filepath.Glob(filepath.Join(dir, "started.*"))
		if len(started) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the two slow requests did not reach two workers (%v); log:\n%s", started, p.out)
		}
		time.Sleep(10 * time.Millisecond) // polling for the app's files, with a deadline
	}

	p.signal(syscall.SIGHUP)
	p.waitOutput(`Handling signal: hup`)
	p.waitCount(`Booting worker with pid`, 4) // the reload's new workers
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		select {
		case a := <-answers:
			if a.err != nil || a.code != 200 || !strings.HasPrefix(a.body, "answered by ") {
				t.Errorf("a request in flight during the reload got %d %q, %v; log:\n%s", a.code, a.body, a.err, p.out)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("a request in flight was never answered; log:\n%s", p.out)
		}
	}
	// The old workers finish and go; both new ones answer (servedByEach:
	// gunicorn loses a SIGTERM that reaches a worker still booting).
	for _, f := range started {
		p.waitOutput(`Worker exiting \(pid: ` + strings.TrimPrefix(filepath.Ext(f), ".") + `\)`)
	}
	answered := servedByEach(t, func() (net.Conn, error) { return net.Dial("unix", sock) }, "/", 2)
	if answered[0] == answered[1] || !strings.HasPrefix(answered[0], "answered by ") {
		t.Fatalf("after the reload, two requests held at once were answered %q", answered)
	}

	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 0 {
		t.Errorf("vsync exited %d after SIGTERM, want 0; log:\n%s", code, p.out)
	}
	// (gunicorn 20.1 logs its own graceful SIGTERM to old workers as
	// "terminated due to signal 15"; signal 1 is the HUP that killed them.)
	if regexp.MustCompile(`(?m)terminated due to signal 1$`).MatchString(p.out.String()) {
		t.Errorf("a worker was killed by SIGHUP:\n%s", p.out)
	}
}
