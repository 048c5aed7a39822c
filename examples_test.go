package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"vsync/internal/status"
)

// The examples under examples/, run as their READMEs and Dockerfiles say,
// against MinIO with a runtime token: the environment is only what a
// container ENTRYPOINT gets (PATH, HOME, VSYNC_CONFIG, VSYNC_PASSPHRASE, and
// PORT where the platform sets it). Skipped without Debian's gunicorn,
// uvicorn, python3-django and python3-fastapi or MinIO; a failure with
// VSYNC_TEST_REQUIRE_S3=1 (CI).

// djangoReport is what GET / of examples/django-gunicorn answers.
type djangoReport struct {
	Env            string                 `json:"env"`
	Generation     string                 `json:"generation"`
	PID            int                    `json:"pid"`
	Variables      map[string]fingerprint `json:"variables"`
	Debug          bool                   `json:"debug"`
	DatabaseEngine string                 `json:"database_engine"`
	Credentials    fingerprint            `json:"credentials"`
}

// djangoDotenv is the env's dotenv for the Django example.
func djangoDotenv(secret, dbDir string) string {
	return "DJANGO_SECRET_KEY=" + secret + "\n" +
		"DATABASE_URL=sqlite:///" + filepath.Join(dbDir, "db.sqlite3") + "\n" +
		"ALLOWED_HOSTS=127.0.0.1,localhost\n" +
		"DEBUG=False\n"
}

// serviceAccount is a service-account JSON with a canary for a key.
func serviceAccount(n int) string {
	return fmt.Sprintf(`{"type": "service_account", "client_email": "app-%d@example.iam.gserviceaccount.com", "private_key": "CANARY_sa_key_%d"}`, n, n)
}

// checkHealthz checks that /healthz (`vsync status --json` inside the app)
// says fresh at generation gen.
func checkHealthz(t *testing.T, base string, gen uint64) {
	t.Helper()
	var st status.Report
	get(base+"/healthz").decode(t, &st)
	if st.Status != "fresh" || st.Env != "prod" || st.Generation != gen {
		t.Fatalf("/healthz answered %+v, want fresh at generation %d", st, gen)
	}
}

// TestExampleDjangoMigrate: one-off management commands as `vsync run --
// python3 manage.py ...`, the service account through its *_FILE pointer:
// migrate creates the sqlite database of DATABASE_URL, and the command's
// exit code is vsync's, a failing command's included.
func TestExampleDjangoMigrate(t *testing.T) {
	needExamplePackages(t)
	t.Parallel()
	app := copyExample(t, "django-gunicorn")
	data := t.TempDir()
	secret := "CANARY_django_migrate_" + strings.Repeat("m", 40)
	v := newExampleVault(t, map[string]string{".env.prod": djangoDotenv(secret, data), "gcp-sa.json": serviceAccount(1)})
	env := v.containerEnv()
	manage := func(args ...string) (string, string, int) {
		t.Helper()
		u := &user{t: t, bin: vsyncBinary(t), env: env}
		return u.run(app, append([]string{"run", "--", "python3", "manage.py"}, args...)...)
	}
	out, errs, code := manage("migrate", "--noinput")
	if code != 0 || !strings.Contains(out, "Applying auth.0001_initial... OK") {
		t.Fatalf("migrate: exit %d\n%s%s", code, redacted(out), redacted(errs))
	}
	if _, err := os.Stat(filepath.Join(data, "db.sqlite3")); err != nil {
		t.Fatalf("migrate did not create the database of DATABASE_URL: %v", err)
	}
	if out, _, code := manage("migrate", "--noinput"); code != 0 || !strings.Contains(out, "No migrations to apply.") {
		t.Errorf("second migrate: exit %d\n%s", code, redacted(out))
	}

	out, errs, code = manage("showsettings", "--require", "DJANGO_SECRET_KEY", "--require", "CREDENTIALS")
	var r djangoReport
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil {
		t.Fatalf("showsettings: exit %d, %v\n%s%s", code, err, redacted(out), redacted(errs))
	}
	if !r.Variables["DJANGO_SECRET_KEY"].of(secret) || !r.Credentials.of(serviceAccount(1)) || r.Generation != "1" {
		t.Errorf("showsettings reports %+v", r)
	}

	// The Dockerfile's one-off: its ENTRYPOINT (--file-env ...), then the
	// command after --, replacing the CMD.
	entry := dockerEntrypoint(t, "django-gunicorn")
	u := &user{t: t, bin: vsyncBinary(t), env: env}
	out, errs, code = u.run(app, append(entry[1:], "--", "python3", "manage.py", "showsettings", "--require", "CREDENTIALS")...)
	r = djangoReport{}
	if err := json.Unmarshal([]byte(out), &r); code != 0 || err != nil || !r.Credentials.of(serviceAccount(1)) {
		t.Errorf("the Dockerfile's one-off: exit %d, %v, credentials %+v\n%s", code, err, r.Credentials, redacted(errs))
	}

	// Failing commands: their codes pass through.
	for _, tc := range []struct {
		args []string
		want int
		msg  string
	}{
		{[]string{"migrate", "nosuchapp"}, 1, "No installed app with label 'nosuchapp'"},
		{[]string{"showsettings", "--require", "NOT_A_SETTING"}, 3, "not set: NOT_A_SETTING"},
	} {
		out, errs, code := manage(tc.args...)
		if code != tc.want || !strings.Contains(errs, tc.msg) {
			t.Errorf("manage.py %s: exit %d, want %d with %q\n%s%s", strings.Join(tc.args, " "), code, tc.want, tc.msg, redacted(out), redacted(errs))
		}
		if strings.Contains(errs, "vsync: error") {
			t.Errorf("manage.py %s: a child's exit code must not print a vsync error: %s", strings.Join(tc.args, " "), redacted(errs))
		}
		if strings.Contains(out+errs, "CANARY") {
			t.Errorf("manage.py %s: a secret value reached the output", strings.Join(tc.args, " "))
		}
	}
}

// TestExampleDjangoMigrateWithoutDashDash: the design's own one-off,
// `vsync run python3 manage.py migrate --noinput`, as honcho run and foreman
// run take it: vsync's flags end at the command, whose flags are its own.
func TestExampleDjangoMigrateWithoutDashDash(t *testing.T) {
	needExamplePackages(t)
	t.Parallel()
	app := copyExample(t, "django-gunicorn")
	data := t.TempDir()
	v := newExampleVault(t, map[string]string{".env.prod": djangoDotenv("CANARY_django_nodash_"+strings.Repeat("n", 40), data)})
	u := &user{t: t, bin: vsyncBinary(t), env: v.containerEnv()}
	out, errs, code := u.run(app, "run", "python3", "manage.py", "migrate", "--noinput")
	if code != 0 || !strings.Contains(out, "Applying auth.0001_initial... OK") {
		t.Fatalf("vsync run python3 manage.py migrate --noinput: exit %d\n%s%s", code, redacted(out), redacted(errs))
	}
	out, errs, code = u.run(app, "run", "python3", "manage.py", "showsettings", "--require", "CREDENTIALS")
	if code != 3 || !strings.Contains(errs, "not set: CREDENTIALS") {
		t.Errorf("vsync run python3 manage.py showsettings --require CREDENTIALS: exit %d, want 3\n%s%s", code, redacted(out), redacted(errs))
	}
}

// fastapiReport is what GET / of examples/fastapi-uvicorn answers.
type fastapiReport struct {
	Env        string                 `json:"env"`
	Generation string                 `json:"generation"`
	Variables  map[string]fingerprint `json:"variables"`
}

// dockerfile returns the arguments of the one instr line (ENTRYPOINT or
// CMD) of an example's Dockerfile: the exec form's JSON array, or the shell
// form as Docker runs it, ["/bin/sh", "-c", LINE].
func dockerfile(t *testing.T, example, instr string) []string {
	t.Helper()
	var found []string
	for _, l := range fileLines(t, filepath.Join("examples", example, "Dockerfile")) {
		rest, ok := strings.CutPrefix(l, instr+" ")
		if !ok {
			continue
		}
		if found != nil {
			t.Fatalf("%s/Dockerfile: more than one %s", example, instr)
		}
		if strings.HasPrefix(rest, "[") {
			if err := json.Unmarshal([]byte(rest), &found); err != nil {
				t.Fatalf("%s/Dockerfile: %s: %v", example, instr, err)
			}
		} else {
			found = []string{"/bin/sh", "-c", rest}
		}
	}
	if found == nil {
		t.Fatalf("%s/Dockerfile: no %s", example, instr)
	}
	return found
}

// dockerEntrypoint returns the ENTRYPOINT of an example's Dockerfile,
// which must be vsync run [flags...].
func dockerEntrypoint(t *testing.T, example string) []string {
	t.Helper()
	entry := dockerfile(t, example, "ENTRYPOINT")
	if len(entry) < 2 || entry[0] != "vsync" || entry[1] != "run" {
		t.Fatalf("%s/Dockerfile: ENTRYPOINT %q: want vsync run ...", example, entry)
	}
	return entry
}

// TestExampleFastAPIUvicorn: examples/fastapi-uvicorn as its Dockerfile
// runs it on Cloud Run: ENTRYPOINT `vsync run --default PORT=8080 --`, CMD
// `exec uvicorn ... --port $PORT` under /bin/sh -c, PORT from the platform.
// SIGTERM to vsync reaches uvicorn once: it waits for the request in flight,
// runs the app's shutdown, and exits 0, which is vsync's exit code.
func TestExampleFastAPIUvicorn(t *testing.T) {
	needExamplePackages(t)
	t.Parallel()
	app := copyExample(t, "fastapi-uvicorn")
	gate := t.TempDir()
	apiKey := "CANARY_api_key_" + strings.Repeat("a", 32)
	v := newExampleVault(t, map[string]string{".env.prod": "API_KEY=" + apiKey + "\nDATABASE_URL=postgres://app:CANARY_db@db/app\n"})
	entry := dockerEntrypoint(t, "fastapi-uvicorn")
	if entry[len(entry)-1] != "--" {
		t.Fatalf("ENTRYPOINT %q: want vsync run ... --", entry)
	}
	// The test's one addition: where the slow view's gate files go.
	argv := append([]string{vsyncBinary(t), "run", "--default", "EXAMPLE_GATE_DIR=" + gate}, entry[2:]...)
	argv = append(argv, dockerfile(t, "fastapi-uvicorn", "CMD")...)
	port := freePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	p := startExample(t, app, v.containerEnv(fmt.Sprintf("PORT=%d", port)), argv...)

	var r fastapiReport
	p.waitReady(base+"/").decode(t, &r)
	if r.Env != "prod" || r.Generation != "1" || !r.Variables["API_KEY"].of(apiKey) {
		t.Fatalf("the app reports %+v", r)
	}
	checkHealthz(t, base, 1)

	slow := getAsync(base + "/slow?gate=a")
	waitFile(t, filepath.Join(gate, "a.started"))
	groups := p.childGroups()
	p.signal(syscall.SIGTERM)
	p.waitOutput(`Waiting for connections to close`)
	writeFile(t, filepath.Join(gate, "a.release"), nil, 0o600)
	(<-slow).decode(t, &r)
	if code := p.exitCode(); code != 0 {
		t.Errorf("vsync exited %d, want 0 (uvicorn's code after a graceful shutdown):\n%s", code, redacted(p.out.String()))
	}
	p.waitOutput(`^app: shutdown complete$`)
	p.waitOutput(`Finished server process`)
	p.checkNothingLeft(groups)
	p.checkNoCanary()
}

// procfileReport is what GET / of examples/procfile's web answers.
type procfileReport struct {
	PS        string                 `json:"ps"`
	Env       string                 `json:"env"`
	Variables map[string]fingerprint `json:"variables"`
	PID       int                    `json:"pid"`
}

// TestExampleProcfileForeman: the same directory under `foreman start`
// (Debian's ruby-foreman), with its .env: the baseline vsync start is held
// to (one SIGTERM each, exited with code 0), except that foreman exits 0.
func TestExampleProcfileForeman(t *testing.T) {
	needExamplePackages(t)
	foreman := needExampleTool(t, "foreman", "ruby-foreman")
	t.Parallel()
	app := copyExample(t, "procfile")
	port := freePort(t)
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
	p := startExample(t, app, env, foreman, "start", "-p", fmt.Sprint(port))
	checkProcfileStop(t, p, port, "dev-only-not-a-secret", 0)
}

// checkProcfileStop waits for examples/procfile's web (both gunicorn
// workers answering: servedByEach) and worker under p, checks web's
// SECRET_KEY, sends SIGTERM to p and checks the stop.
func checkProcfileStop(t *testing.T, p *exampleProc, port int, secret string, wantCode int) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p.waitReady("http://" + addr + "/")
	pids := map[int]bool{}
	for _, body := range servedByEach(t, tcpDialer(addr), "/", 2) {
		var r procfileReport
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("web answered %v: %s", err, redacted(body))
		}
		if r.PS != "web.1" || !r.Variables["SECRET_KEY"].of(secret) || !r.Variables["DATABASE_URL"].Set {
			t.Fatalf("web reports %+v", r)
		}
		pids[r.PID] = true
	}
	if len(pids) != 2 {
		t.Fatalf("two requests held at once were answered by worker(s) %v, want two workers:\n%s", pids, redacted(p.out.String()))
	}
	p.waitOutput(`worker\.1 +\| worker: ready`)
	groups := p.childGroups()
	p.signal(syscall.SIGTERM)
	if code := p.exitCode(); code != wantCode {
		t.Errorf("exit %d, want %d", code, wantCode)
	}
	out := p.out.String()
	count, err := os.ReadFile(filepath.Join(p.cmd.Dir, "worker-sigterms.txt"))
	if err != nil || string(count) != "1\n" {
		t.Errorf("the worker received %q SIGTERMs (%v), want 1:\n%s", count, err, redacted(out))
	}
	if n := strings.Count(out, "Handling signal: term"); n != 1 {
		t.Errorf("gunicorn received %d SIGTERMs, want 1:\n%s", n, redacted(out))
	}
	p.checkExitedZero("web.1", "worker.1")
	p.checkNothingLeft(groups)
}
