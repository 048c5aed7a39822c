package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vsync/internal/miniotest"
)

// Helpers of examples_test.go: the examples under examples/ run as a
// deployment runs them, against MinIO with a runtime token, with the
// Debian packages' python3, gunicorn, uvicorn and Django.

// exampleTimeout bounds every wait of the example tests: generous, since
// Django and gunicorn boot slowly on a loaded machine; never a
// synchronisation.
const exampleTimeout = 90 * time.Second

// examplePython is Debian's python3, which has python3-django,
// python3-fastapi and uvicorn (a python3 earlier on PATH may not).
const examplePython = "/usr/bin/python3"

var (
	examplePkgsOnce sync.Once
	examplePkgsErr  error
)

// needExamplePackages skips the test when Debian's gunicorn, uvicorn,
// python3-django or python3-fastapi is missing, or fails it when
// VSYNC_TEST_REQUIRE_S3=1 (CI: .ci/run installs them).
func needExamplePackages(t *testing.T) {
	t.Helper()
	examplePkgsOnce.Do(func() {
		for _, p := range []string{"/usr/bin/gunicorn", "/usr/bin/uvicorn", examplePython} {
			if _, err := os.Stat(p); err != nil {
				examplePkgsErr = err
				return
			}
		}
		out, err := exec.Command(examplePython, "-c", "import django, fastapi, uvicorn, gunicorn").CombinedOutput()
		if err != nil {
			examplePkgsErr = fmt.Errorf("%s: %v: %s", examplePython, err, out)
		}
	})
	if examplePkgsErr != nil {
		const install = "apt-get install gunicorn python3-django python3-fastapi uvicorn"
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("%s=1 and the examples' packages are missing (%s): %v", miniotest.RequireEnv, install, examplePkgsErr)
		}
		t.Skipf("the examples' packages are missing (%s): %v", install, examplePkgsErr)
	}
}

// needExampleTool returns the path of a command of Debian package pkg,
// skipping the test without it, or failing it when VSYNC_TEST_REQUIRE_S3=1.
func needExampleTool(t *testing.T, name, pkg string) string {
	t.Helper()
	return miniotest.NeedTool(t, name, pkg)
}

// copyExample copies examples/NAME into a fresh directory and returns it,
// so that a test writes nothing (__pycache__, databases) into the
// repository.
func copyExample(t *testing.T, name string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("examples", name))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// exampleVault is an env "prod" on MinIO, pushed by an operator, and what a
// container needs to read it: a runtime token for a read-only key and the
// passphrase.
type exampleVault struct {
	t     *testing.T
	op    *user
	proj  string
	token string
	pass  string
}

// newExampleVault starts MinIO and pushes files (paths relative to the
// env's folder, ".env.prod" the dotenv) as generation 1.
func newExampleVault(t *testing.T, files map[string]string) *exampleVault {
	t.Helper()
	srv, awsEnv := minioEnv(t, "vault")
	op := newUser(t, awsEnv...)
	proj := t.TempDir()
	op.must(proj, "profile", "add", "acme", "--bucket", "vault", "--endpoint", srv.Endpoint, "--path-style", "--region", "us-east-1")
	op.must(proj, "init", "prod", "--profile", "acme", "--prefix", "myapp")
	v := &exampleVault{t: t, op: op, proj: proj}
	v.push("first secrets", files)
	ro := srv.ReadOnlyKey(t, "vault", "myapp/prod")
	v.token = strings.TrimSpace(op.must(proj, "runtime-token", "--env", "prod",
		"--access-key", ro.AccessKey, "--secret-key", ro.SecretKey, "--session-token", ro.SessionToken))
	v.pass = string(op.storedPassphrase("prod"))
	return v
}

// push writes files into the env's folder (others stay as they are) and
// pushes the next generation.
func (v *exampleVault) push(note string, files map[string]string) {
	v.t.Helper()
	for name, content := range files {
		writeFile(v.t, filepath.Join(v.proj, "infra", "vault", "prod", name), []byte(content), 0o600)
	}
	v.op.must(v.proj, "push", "prod", "--note", note)
}

// containerEnv is the whole environment of a container ENTRYPOINT (as with
// env -i): PATH (vsync, then Debian's /usr/bin), HOME, VSYNC_CONFIG and
// VSYNC_PASSPHRASE, plus what the platform adds (extra, such as PORT).
func (v *exampleVault) containerEnv(extra ...string) []string {
	v.t.Helper()
	env := []string{
		"PATH=" + filepath.Dir(vsyncBinary(v.t)) + ":/usr/bin:/bin",
		"HOME=" + v.t.TempDir(),
		"VSYNC_CONFIG=" + v.token,
		"VSYNC_PASSPHRASE=" + v.pass,
	}
	return append(env, extra...)
}

// shortHash is what the examples report for a value: the first 12 hex
// digits of its SHA-256.
func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

// outBuf collects a process's output and wakes those waiting for a line.
type outBuf struct {
	mu      sync.Mutex
	b       strings.Builder
	changed chan struct{}
}

func newOutBuf() *outBuf { return &outBuf{changed: make(chan struct{})} }

func (o *outBuf) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.b.Write(p)
	close(o.changed)
	o.changed = make(chan struct{})
	return len(p), nil
}

// snapshot returns the output so far and a channel closed at the next write.
func (o *outBuf) snapshot() (string, <-chan struct{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String(), o.changed
}

func (o *outBuf) String() string { s, _ := o.snapshot(); return s }

// exampleProc is a process tree under test: vsync (or foreman) in a session
// of its own, so that everything it starts can be found in /proc and
// killed when the test fails.
type exampleProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	out  *outBuf // stdout and stderr together
	done chan struct{}
	err  error
}

// startExample starts argv in dir with exactly env.
func startExample(t *testing.T, dir string, env []string, argv ...string) *exampleProc {
	t.Helper()
	p := &exampleProc{t: t, out: newOutBuf(), done: make(chan struct{})}
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir, p.cmd.Env = dir, env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		for _, pid := range sessionProcs(p.cmd.Process.Pid) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitOutput waits until the output matches re (multi-line mode) and
// returns the match.
func (p *exampleProc) waitOutput(re string) string {
	p.t.Helper()
	return p.waitCount(re, 1)
}

// waitCount waits until the output holds n matches of re (multi-line
// mode) and returns the last.
func (p *exampleProc) waitCount(re string, n int) string {
	p.t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	found := func() string {
		if m := rx.FindAllString(p.out.String(), -1); len(m) >= n {
			return m[n-1]
		}
		return ""
	}
	timer := time.NewTimer(exampleTimeout)
	defer timer.Stop()
	for {
		_, changed := p.out.snapshot()
		if m := found(); m != "" {
			return m
		}
		select {
		case <-changed:
		case <-p.done:
			if m := found(); m != "" {
				return m
			}
			p.t.Fatalf("exited (%v) without printing %q %d times:\n%s", p.err, re, n, redacted(p.out.String()))
		case <-timer.C:
			p.t.Fatalf("no %q %d times within %v:\n%s", re, n, exampleTimeout, redacted(p.out.String()))
		}
	}
}

// signal sends sig to the process itself (vsync or foreman), not its group.
func (p *exampleProc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// exitCode waits for the process to exit and returns its exit code.
func (p *exampleProc) exitCode() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(exampleTimeout):
		p.t.Fatalf("still running after %v:\n%s", exampleTimeout, redacted(p.out.String()))
	}
	return exitCodeOf(p.t, p.err)
}

// checkNoCanary fails when a canary value the test planted in the vault
// reached the output.
func (p *exampleProc) checkNoCanary() {
	p.t.Helper()
	if strings.Contains(p.out.String(), "CANARY") {
		p.t.Errorf("a secret value reached the output")
	}
}

// checkExitedZero fails unless the output of vsync start (or foreman
// start) reports each of the named processes "exited with code 0".
func (p *exampleProc) checkExitedZero(names ...string) {
	p.t.Helper()
	out := p.out.String()
	for _, name := range names {
		if !regexp.MustCompile(`(?m)^\S+ ` + regexp.QuoteMeta(name) + ` +\| exited with code 0$`).MatchString(out) {
			p.t.Errorf("no '%s | exited with code 0' line:\n%s", name, redacted(out))
		}
	}
}

// childGroups returns the process groups of the process's children: with
// vsync, each child leads its own.
func (p *exampleProc) childGroups() []int {
	p.t.Helper()
	pid := p.cmd.Process.Pid
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		p.t.Fatal(err)
	}
	var groups []int
	for _, f := range strings.Fields(string(b)) {
		if st, ok := procStat(f); ok {
			groups = append(groups, st.pgrp)
		}
	}
	return groups
}

// checkNothingLeft fails when, after the process exited, any process of
// its session or of groups is still there (zombies included), after a
// short deadline for the kernel to finish tearing them down.
func (p *exampleProc) checkNothingLeft(groups []int) {
	p.t.Helper()
	sid := p.cmd.Process.Pid
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left []string
		for _, e := range procEntries() {
			st, ok := procStat(e)
			if !ok {
				continue
			}
			for _, g := range groups {
				if st.pgrp == g || st.session == sid {
					left = append(left, fmt.Sprintf("%s (%s, group %d, state %s)", e, st.comm, st.pgrp, st.state))
					break
				}
			}
			if len(groups) == 0 && st.session == sid {
				left = append(left, fmt.Sprintf("%s (%s, group %d, state %s)", e, st.comm, st.pgrp, st.state))
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			p.t.Errorf("processes left after exit: %s", strings.Join(left, ", "))
			return
		}
		time.Sleep(20 * time.Millisecond) // polling /proc with a deadline
	}
}

// stat is what the tests read of /proc/PID/stat.
type stat struct {
	comm, state   string
	pgrp, session int
}

// procStat reads /proc/PID/stat.
func procStat(pid string) (stat, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return stat{}, false
	}
	// pid (comm) state ppid pgrp session ...
	f := strings.Fields(s[close+1:])
	if len(f) < 4 {
		return stat{}, false
	}
	pgrp, _ := strconv.Atoi(f[2])
	session, _ := strconv.Atoi(f[3])
	return stat{comm: s[open+1 : close], state: f[0], pgrp: pgrp, session: session}, true
}

// procEntries lists the pids in /proc.
func procEntries() []string {
	ents, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// sessionProcs lists the processes of session sid.
func sessionProcs(sid int) []int {
	var pids []int
	for _, e := range procEntries() {
		if st, ok := procStat(e); ok && st.session == sid {
			n, _ := strconv.Atoi(e)
			pids = append(pids, n)
		}
	}
	return pids
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// exampleHTTP is the client of the example tests: a request may wait for
// a slow view (60 s at most).
var exampleHTTP = &http.Client{Timeout: exampleTimeout}

// reply is an HTTP answer, or the error instead of one.
type reply struct {
	code int
	body string
	err  error
}

// get makes one GET request.
func get(url string) reply {
	resp, err := exampleHTTP.Get(url)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{code: resp.StatusCode, body: string(b), err: err}
}

// getAsync starts a GET and returns the channel of its reply.
func getAsync(url string) <-chan reply {
	ch := make(chan reply, 1)
	go func() { ch <- get(url) }()
	return ch
}

// waitReady polls url until it answers 200 (connection refused while the
// server starts), failing when p exits or the deadline passes.
func (p *exampleProc) waitReady(url string) reply {
	p.t.Helper()
	deadline := time.Now().Add(exampleTimeout)
	for {
		r := get(url)
		if r.err == nil && r.code == http.StatusOK {
			return r
		}
		select {
		case <-p.done:
			p.t.Fatalf("exited (%v) before %s answered:\n%s", p.err, url, redacted(p.out.String()))
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s did not answer 200 within %v (last: %d %v):\n%s", url, exampleTimeout, r.code, r.err, redacted(p.out.String()))
		}
		time.Sleep(50 * time.Millisecond) // polling a socket with a deadline
	}
}

// decode parses a JSON reply that must be a 200.
func (r reply) decode(t *testing.T, into any) {
	t.Helper()
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("want 200, got %d %v: %s", r.code, r.err, redacted(r.body))
	}
	if err := json.Unmarshal([]byte(r.body), into); err != nil {
		t.Fatalf("not JSON: %v: %s", err, redacted(r.body))
	}
}

// waitFile waits until path exists.
func waitFile(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(exampleTimeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v", path, exampleTimeout)
		}
		time.Sleep(20 * time.Millisecond) // polling a file with a deadline
	}
}

// fingerprint is the examples' report of one value.
type fingerprint struct {
	Set    bool   `json:"set"`
	Length int    `json:"length"`
	SHA256 string `json:"sha256"`
}

// of checks the fingerprint against the value it should be of.
func (f fingerprint) of(value string) bool {
	return f.Set && f.Length == len(value) && f.SHA256 == shortHash(value)
}

// lines of text in order, for reading a Dockerfile.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}
