package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The examples' stop and reload tests: the signal contract of vsync run
// and vsync start, proven on gunicorn and uvicorn.

// TestExampleDjangoGunicorn: examples/django-gunicorn as its Dockerfile
// runs it, `vsync run --file-env ... --watch --reload-signal HUP --
// gunicorn --workers 2`. Two slow requests are in flight while a
// generation changing only the service account's file is pushed: vsync replaces the file and sends SIGHUP to
// gunicorn (the master, which starts new workers and lets the old ones
// finish), so both answer 200 from the old workers, and the requests after
// the reload see the new file. A changed variable restarts gunicorn with
// the new value. SIGTERM to vsync lets a request in flight finish, and
// vsync exits 0, gunicorn's code, leaving no process behind.
func TestExampleDjangoGunicorn(t *testing.T) {
	needExamplePackages(t)
	t.Parallel()
	app := copyExample(t, "django-gunicorn")
	gate, data := t.TempDir(), t.TempDir()
	secret1 := "CANARY_django_secret_1_" + strings.Repeat("k", 40)
	secret2 := "CANARY_django_secret_2_" + strings.Repeat("q", 40)
	v := newExampleVault(t, map[string]string{".env.prod": djangoDotenv(secret1, data), "gcp-sa.json": serviceAccount(1)})
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	// The Dockerfile's ENTRYPOINT and CMD, with a shorter --watch, a free
	// port, and where the slow view's gate files go.
	argv := append([]string{vsyncBinary(t)}, dockerEntrypoint(t, "django-gunicorn")[1:]...)
	replaced := 0
	for _, a := range dockerfile(t, "django-gunicorn", "CMD") {
		switch a {
		case "--watch=30s":
			a, replaced = "--watch=300ms", replaced+1
		case "0.0.0.0:8000":
			a, replaced = fmt.Sprintf("127.0.0.1:%d", port), replaced+1
		case "gunicorn":
			argv, replaced = append(argv, a, "-e", "EXAMPLE_GATE_DIR="+gate), replaced+1
			continue
		}
		argv = append(argv, a)
	}
	if replaced != 3 || !strings.Contains(strings.Join(argv, " "), "--reload-signal HUP -- gunicorn") {
		t.Fatalf("the Dockerfile's command %q: want --watch=30s --reload-signal HUP -- gunicorn --bind 0.0.0.0:8000", argv)
	}
	p := startExample(t, app, v.containerEnv(), argv...)

	var r djangoReport
	p.waitReady(base+"/").decode(t, &r)
	if r.Env != "prod" || r.Generation != "1" || r.Debug || r.DatabaseEngine != "sqlite3" ||
		!r.Variables["DJANGO_SECRET_KEY"].of(secret1) || !r.Variables["ALLOWED_HOSTS"].of("127.0.0.1,localhost") ||
		!r.Variables["DEBUG"].of("False") || !r.Credentials.of(serviceAccount(1)) {
		t.Fatalf("generation 1: the app reports %+v", r)
	}
	checkHealthz(t, base, 1)

	// Two slow requests, one in each worker, then a new file.
	slowA, slowB := getAsync(base+"/slow?gate=a"), getAsync(base+"/slow?gate=b")
	waitFile(t, filepath.Join(gate, "a.started"))
	waitFile(t, filepath.Join(gate, "b.started"))
	v.push("new service account", map[string]string{"gcp-sa.json": serviceAccount(2)})
	p.waitOutput(`^vsync: generation 2: files replaced, sent SIGHUP$`)
	// The new workers read the new file; every request meanwhile is served.
	deadline := time.Now().Add(exampleTimeout)
	for r.Credentials.of(serviceAccount(1)) {
		if time.Now().After(deadline) {
			t.Fatalf("the new service account never reached the app: %+v\n%s", r, redacted(p.out.String()))
		}
		get(base+"/").decode(t, &r)
	}
	if !r.Credentials.of(serviceAccount(2)) || !r.Variables["DJANGO_SECRET_KEY"].of(secret1) || r.Generation != "1" {
		t.Fatalf("after the reload the app reports %+v", r)
	}
	checkHealthz(t, base, 2)
	// The requests in flight finish in the old workers, with the old file.
	for _, g := range []string{"a", "b"} {
		writeFile(t, filepath.Join(gate, g+".release"), nil, 0o600)
	}
	for _, ch := range []<-chan reply{slowA, slowB} {
		var old djangoReport
		(<-ch).decode(t, &old)
		if !old.Credentials.of(serviceAccount(1)) {
			t.Errorf("a request in flight during the reload was served with %+v, want the old worker's", old.Credentials)
		}
	}

	// A changed variable restarts gunicorn with the new value.
	v.push("new secret key", map[string]string{".env.prod": djangoDotenv(secret2, data)})
	p.waitOutput(`^vsync: generation 3: restarted \(variables changed\)$`)
	r = djangoReport{}
	deadline = time.Now().Add(exampleTimeout)
	for r.Generation != "3" {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted app never reported generation 3: %+v\n%s", r, redacted(p.out.String()))
		}
		if rep := get(base + "/"); rep.err == nil && rep.code == http.StatusOK {
			rep.decode(t, &r)
		} else {
			time.Sleep(50 * time.Millisecond) // gunicorn restarting: polling a socket with a deadline
		}
	}
	if !r.Variables["DJANGO_SECRET_KEY"].of(secret2) || !r.Credentials.of(serviceAccount(2)) {
		t.Fatalf("after the restart the app reports %+v", r)
	}

	// SIGTERM: gunicorn stops gracefully, the request in flight finishes.
	// First both restarted workers answer (servedByEach): gunicorn loses
	// the SIGTERM of a worker still booting, and vsync would SIGKILL it.
	servedByEach(t, tcpDialer(fmt.Sprintf("127.0.0.1:%d", port)), "/", 2)
	slowC := getAsync(base + "/slow?gate=c")
	waitFile(t, filepath.Join(gate, "c.started"))
	groups := p.childGroups()
	terms := strings.Count(p.out.String(), "Handling signal: term")
	p.signal(syscall.SIGTERM)
	p.waitCount(`Handling signal: term`, terms+1)
	writeFile(t, filepath.Join(gate, "c.release"), nil, 0o600)
	var last djangoReport
	(<-slowC).decode(t, &last)
	if code := p.exitCode(); code != 0 {
		t.Errorf("vsync exited %d, want 0 (gunicorn's code after a graceful stop):\n%s", code, redacted(p.out.String()))
	}
	p.checkNothingLeft(groups)
	if n := strings.Count(p.out.String(), "Handling signal: term"); n != terms+1 {
		t.Errorf("gunicorn got %d SIGTERMs at the stop, want 1", n-terms)
	}
	p.checkNoCanary()
}

// TestExampleFastAPIProcfile: the example's Procfile line, `web: exec
// uvicorn ...` (the Dockerfile's CMD), runs under `vsync start` (under
// /bin/sh, exec being a shell builtin), and a SIGTERM stops uvicorn
// cleanly: `exited with code 0`.
func TestExampleFastAPIProcfile(t *testing.T) {
	needExamplePackages(t)
	t.Parallel()
	app := copyExample(t, "fastapi-uvicorn")
	apiKey := "CANARY_api_key_" + strings.Repeat("p", 32)
	v := newExampleVault(t, map[string]string{".env.prod": "API_KEY=" + apiKey + "\n"})
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	p := startExample(t, app, v.containerEnv(), vsyncBinary(t), "start", "-p", fmt.Sprint(port))
	var r fastapiReport
	p.waitReady(base+"/").decode(t, &r)
	if r.Env != "prod" || !r.Variables["API_KEY"].of(apiKey) {
		t.Fatalf("the app reports %+v", r)
	}
	groups := p.childGroups()
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != 143 {
		t.Errorf("vsync start exited %d, want 143 (stopped by SIGTERM)", code)
	}
	out := p.out.String()
	p.checkExitedZero("web.1")
	if n := strings.Count(out, "Finished server process"); n != 1 {
		t.Errorf("uvicorn finished %d times, want once:\n%s", n, redacted(out))
	}
	p.checkNothingLeft(groups)
	p.checkNoCanary()
}

// TestExampleProcfileStart: examples/procfile under `vsync start` with a
// runtime token (the vault, not .env): SIGTERM to vsync reaches each
// process exactly once (the worker counts its SIGTERMs, gunicorn logs
// each), both exit 0 and are reported `exited with code 0`, and nothing of
// theirs is left. vsync exits 143: as documented (and as a shell reports a
// job), a `vsync start` stopped by signal N exits 128+N even when every
// process exited 0, so a supervisor can tell "stopped" from "finished";
// foreman exits 0 here (TestExampleProcfileForeman).
func TestExampleProcfileStart(t *testing.T) {
	needExamplePackages(t)
	t.Parallel()
	app := copyExample(t, "procfile")
	secret := "CANARY_procfile_secret_" + strings.Repeat("s", 32)
	v := newExampleVault(t, map[string]string{".env.prod": "SECRET_KEY=" + secret + "\nDATABASE_URL=sqlite:///prod.sqlite3\n"})
	port := freePort(t)
	// -t 30: the point is one SIGTERM and a clean exit; gunicorn's
	// graceful stop took over the default 10 s once on a machine loaded
	// by several race-detector suites at once.
	p := startExample(t, app, v.containerEnv(), vsyncBinary(t), "start", "-t", "30", "-p", fmt.Sprint(port))
	checkProcfileStop(t, p, port, secret, 143)
	p.checkNoCanary()
}
