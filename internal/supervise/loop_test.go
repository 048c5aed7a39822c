package supervise

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/internal/testsupport"
	"vsync/launcher"
	"vsync/vault"
)

// The decisions of the watch loop, with a stand-in incarnation that the
// test drives; the real children, signals and MinIO are in
// testdata/script/run_watch.txtar and start_watch.txtar.

// fakeRuns stands for the child: each start is reported on starts with
// its variables and signal channel; it runs until told to exit, or until
// its context is cancelled and then stop is closed (a slow stop).
type fakeRuns struct {
	starts chan fakeRun
	// cancelCode is what a cancelled run returns: 143, a child's death
	// by SIGTERM, when zero; -1 for 0, as vsync start's group reports a
	// stop it did not get from a signal.
	cancelCode int
	// fail, when set, decides that a start with these variables cannot
	// start (the command not found): it returns 127 and the error at once.
	fail func(vars map[string]string) error
}

type fakeRun struct {
	vars map[string]string
	sigs <-chan os.Signal
	ctx  context.Context
	exit chan int      // send a code to make it exit by itself
	stop chan struct{} // close to let a cancelled run finish
}

func (f *fakeRuns) start(ctx context.Context, vars []childenv.Var, sigs <-chan os.Signal) (int, error) {
	r := fakeRun{vars: map[string]string{}, sigs: sigs, ctx: ctx, exit: make(chan int), stop: make(chan struct{})}
	for _, v := range vars {
		r.vars[v.Key] = v.Value
	}
	if f.fail != nil {
		if err := f.fail(r.vars); err != nil {
			return 127, err
		}
	}
	f.starts <- r
	select {
	case code := <-r.exit:
		return code, nil
	case <-ctx.Done():
		<-r.stop
		switch f.cancelCode {
		case 0:
			return 143, nil
		case -1:
			return 0, nil
		}
		return f.cancelCode, nil
	}
}

// watchFixture is a watch loop over a real private directory, applied
// generation 1 (A=1, cert.pem "C1").
type watchFixture struct {
	t     *testing.T
	w     *watchLoop
	p     *runtimevault.Prepared
	runs  *fakeRuns
	found chan *runtimevault.Loaded
	sigs  chan os.Signal
	mu    sync.Mutex
	lines []string
	done  chan runResult
}

func gen(n uint64, dotenv, cert string) *runtimevault.Loaded {
	lv := &runtimevault.Loaded{Vault: childenv.Vault{Env: "prod", Generation: n, Dotenv: []byte(dotenv)}}
	if cert != "" {
		lv.Files = []vault.File{{Path: "cert.pem", Mode: 0o600, Data: []byte(cert)}}
	}
	return lv
}

func newWatchFixture(t *testing.T, reload syscall.Signal) *watchFixture {
	t.Helper()
	return newWatchFixtureWith(t, reload, func(*watchLoop, *fakeRuns) {})
}

// newWatchFixtureWith is newWatchFixture with the loop and the fake child
// adjusted by set before the loop starts.
func newWatchFixtureWith(t *testing.T, reload syscall.Signal, set func(*watchLoop, *fakeRuns)) *watchFixture {
	t.Helper()
	return newWatchFixtureFrom(t, reload, gen(1, "A=1\n", "C1"), set)
}

// newWatchFixtureFrom is newWatchFixtureWith applied lv, its files
// written.
func newWatchFixtureFrom(t *testing.T, reload syscall.Signal, lv *runtimevault.Loaded, set func(*watchLoop, *fakeRuns)) *watchFixture {
	t.Helper()
	priv, err := launcher.NewPrivateDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := &runtimevault.Prepared{Vault: lv, Private: priv}
	t.Cleanup(func() { p.Close() })
	if err := childenv.WriteFiles(priv, lv.Files); err != nil {
		t.Fatal(err)
	}
	if p.Vars, err = p.Compose(lv); err != nil {
		t.Fatal(err)
	}
	f := &watchFixture{
		t: t, p: p, runs: &fakeRuns{starts: make(chan fakeRun)},
		found: make(chan *runtimevault.Loaded), sigs: make(chan os.Signal, 4), done: make(chan runResult, 1),
	}
	f.w = newWatchLoop(p, reload, func(format string, a ...any) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.lines = append(f.lines, fmt.Sprintf(format, a...))
	})
	set(f.w, f.runs)
	go func() {
		code, err := f.w.run(context.Background(), f.runs.start, f.sigs, f.found)
		f.done <- runResult{code: code, err: err}
	}()
	return f
}

// nextStart waits for the next start of the child.
func (f *watchFixture) nextStart() fakeRun {
	f.t.Helper()
	select {
	case r := <-f.runs.starts:
		return r
	case <-time.After(10 * time.Second):
		f.t.Fatal("the child was not started")
	}
	return fakeRun{}
}

// cancelled waits for r's context to be cancelled (a restart began).
func (f *watchFixture) cancelled(r fakeRun) {
	f.t.Helper()
	select {
	case <-r.ctx.Done():
	case <-time.After(10 * time.Second):
		f.t.Fatal("the child was not stopped")
	}
}

// result waits for the loop to return.
func (f *watchFixture) result() runResult {
	f.t.Helper()
	select {
	case r := <-f.done:
		return r
	case <-time.After(10 * time.Second):
		f.t.Fatal("the watch loop did not return")
	}
	return runResult{}
}

func (f *watchFixture) wantLines(want ...string) {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.Join(f.lines, "\n") != strings.Join(want, "\n") {
		f.t.Errorf("stderr lines:\n%s\nwant:\n%s", strings.Join(f.lines, "\n"), strings.Join(want, "\n"))
	}
}

func (f *watchFixture) wantCert(want string) {
	f.t.Helper()
	b, err := os.ReadFile(f.p.Private.FilePath("cert.pem"))
	if err != nil || string(b) != want {
		f.t.Errorf("cert.pem holds %q (%v), want %q", b, err, want)
	}
}

func TestWatchLoopRestartsOnVariableChange(t *testing.T) {
	f := newWatchFixture(t, syscall.SIGHUP)
	r1 := f.nextStart()
	if r1.vars["A"] != "1" || r1.vars["VSYNC_GENERATION"] != "1" {
		t.Fatalf("first start with %v", r1.vars)
	}
	f.found <- gen(2, "A=2\n", "C2")
	f.cancelled(r1)
	close(r1.stop)
	r2 := f.nextStart()
	if r2.vars["A"] != "2" || r2.vars["VSYNC_GENERATION"] != "2" || r2.vars["CERT_PEM_FILE"] != f.p.Private.FilePath("cert.pem") {
		t.Errorf("restart with %v", r2.vars)
	}
	f.wantCert("C2")
	if got := f.w.applied.Load(); got != 2 {
		t.Errorf("applied generation %d, want 2", got)
	}
	r2.exit <- 7
	if res := f.result(); res.code != 7 || res.err != nil {
		t.Errorf("loop returned %d, %v; want the child's 7", res.code, res.err)
	}
	f.wantLines("vsync: generation 2: restarted (variables changed)")
}

func TestWatchLoopReplacesFilesAndSignals(t *testing.T) {
	f := newWatchFixture(t, syscall.SIGHUP)
	r1 := f.nextStart()
	f.found <- gen(2, "A=1\n", "C2")
	select {
	case s := <-r1.sigs:
		if s != syscall.SIGHUP {
			t.Fatalf("child got %v, want SIGHUP", s)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reload signal")
	}
	f.wantCert("C2")
	if got := f.w.applied.Load(); got != 2 {
		t.Errorf("applied generation %d, want 2", got)
	}
	// Same content again under a new generation: nothing to do.
	f.found <- gen(3, "A=1\n", "C2")
	// Vsync's own signals still reach the child.
	f.sigs <- syscall.SIGUSR1
	if s := <-r1.sigs; s != syscall.SIGUSR1 {
		t.Fatalf("child got %v, want SIGUSR1", s)
	}
	if r1.ctx.Err() != nil {
		t.Fatal("the child was restarted")
	}
	r1.exit <- 0
	f.result()
	f.wantLines(
		"vsync: generation 2: files replaced, sent SIGHUP",
		"vsync: generation 3: nothing to reload (no variable or file changed)")
}

func TestWatchLoopRestartsForFilesWithoutReloadSignal(t *testing.T) {
	f := newWatchFixture(t, 0)
	r1 := f.nextStart()
	f.found <- gen(2, "A=1\n", "C2")
	f.cancelled(r1)
	f.wantCert("C1") // replaced only once the old child is gone
	close(r1.stop)
	r2 := f.nextStart()
	f.wantCert("C2")
	if r2.vars["VSYNC_GENERATION"] != "2" {
		t.Errorf("restart with %v", r2.vars)
	}
	r2.exit <- 0
	f.result()
	f.wantLines("vsync: generation 2: restarted (files changed, no --reload-signal)")
}

func TestWatchLoopSkipsAStaleRestart(t *testing.T) {
	f := newWatchFixture(t, syscall.SIGHUP)
	r1 := f.nextStart()
	f.found <- gen(2, "A=2\n", "C1")
	f.cancelled(r1)
	// The old child takes its time; generation 3 arrives meanwhile.
	f.found <- gen(3, "A=3\n", "C3")
	close(r1.stop)
	r2 := f.nextStart()
	if r2.vars["A"] != "3" || r2.vars["VSYNC_GENERATION"] != "3" {
		t.Errorf("restart with %v, want generation 3", r2.vars)
	}
	f.wantCert("C3")
	r2.exit <- 0
	f.result()
	f.wantLines(
		"vsync: generation 2: skipped (generation 3 is newer)",
		"vsync: generation 3: restarted (variables changed)")
}

func TestWatchLoopRefusesWhatDoesNotCompose(t *testing.T) {
	f := newWatchFixture(t, syscall.SIGHUP)
	f.p.Composer.FileEnv = []string{"cert.pem=TLS_CERT"}
	r1 := f.nextStart()
	f.found <- gen(2, "A=\"unterminated CANARY_x\n", "C2") // dotenv syntax error
	f.found <- gen(3, "A=3\n", "")                         // --file-env source gone
	f.sigs <- syscall.SIGTERM
	if s := <-r1.sigs; s != syscall.SIGTERM {
		t.Fatalf("child got %v", s)
	}
	r1.exit <- 143
	if res := f.result(); res.code != 143 {
		t.Errorf("loop returned %d", res.code)
	}
	f.wantCert("C1")
	if got := f.w.applied.Load(); got != 1 {
		t.Errorf("applied generation %d, want 1", got)
	}
	f.mu.Lock()
	lines := strings.Join(f.lines, "\n")
	f.mu.Unlock()
	if strings.Count(lines, "\n") != 1 || !strings.HasPrefix(lines, "vsync: generation 2: refused: dotenv syntax error: ") ||
		!strings.Contains(lines, "vsync: generation 3: refused: --file-env: the vault has no file \"cert.pem\"; keeping generation 1") {
		t.Errorf("stderr lines:\n%s", testsupport.Redacted(lines))
	}
	if strings.Contains(lines, "CANARY") {
		t.Errorf("a value reached stderr:\n%s", testsupport.Redacted(lines))
	}
	if gen, why := f.w.refused.get(); gen != 3 || !strings.HasPrefix(why, "--file-env: ") {
		t.Errorf("refusal recorded for the status socket: %d %q", gen, why)
	}
}

func TestWatchLoopStopSignalDuringRestart(t *testing.T) {
	f := newWatchFixture(t, syscall.SIGHUP)
	r1 := f.nextStart()
	f.found <- gen(2, "A=2\n", "C2")
	f.cancelled(r1)
	// The restart already stopped the child, which has its kill timeout:
	// a SIGTERM (docker stop) is not passed on as a second stop, which
	// would SIGKILL it at once; a second signal is.
	f.sigs <- syscall.SIGTERM
	f.sigs <- syscall.SIGINT
	if s := <-r1.sigs; s != syscall.SIGINT {
		t.Fatalf("child got %v first, want the second stop signal, SIGINT", s)
	}
	close(r1.stop)
	if res := f.result(); res.code != 143 {
		t.Errorf("loop returned %d, want the child's 143", res.code)
	}
	select {
	case r := <-f.runs.starts:
		t.Fatalf("started again after a stop signal: %v", r.vars)
	default:
	}
	f.wantCert("C1")
	f.wantLines()
}

// vsync start's group reports 0 for a stop it did not get from a signal:
// stopped by SIGTERM during a restart (the signal withheld), vsync start
// still exits 143, as its contract says.
func TestWatchLoopStopSignalDuringRestartSignalExit(t *testing.T) {
	f := newWatchFixtureWith(t, syscall.SIGHUP, func(w *watchLoop, r *fakeRuns) {
		w.signalExit = true
		r.cancelCode = -1
	})
	r1 := f.nextStart()
	f.found <- gen(2, "A=2\n", "C2")
	f.cancelled(r1)
	// SIGTERM is withheld, SIGINT passed on: once the child has SIGINT,
	// the loop has seen both.
	f.sigs <- syscall.SIGTERM
	f.sigs <- syscall.SIGINT
	if s := <-r1.sigs; s != syscall.SIGINT {
		t.Fatalf("child got %v, want SIGINT", s)
	}
	close(r1.stop)
	if res := f.result(); res.code != 143 || res.err != nil {
		t.Errorf("loop returned %d, %v; want 143 (128+SIGTERM, the first stop signal)", res.code, res.err)
	}
	select {
	case r := <-f.runs.starts:
		t.Fatalf("started again after a stop signal: %v", r.vars)
	default:
	}
}
