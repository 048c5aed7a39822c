package supervise

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"vsync/internal/childenv"
	"vsync/internal/runtimevault"
	"vsync/internal/testsupport"
	"vsync/vault"
)

// Generations whose files cannot replace the current ones in place (a
// directory becomes a file, a file a directory) restart the child into a
// fresh private directory; one whose files cannot be written at all is
// refused with the old child still running on the old files. The same
// with MinIO and a real child: testdata/script/run_watch_layout.txtar.

// files is a generation of env prod with the given files (path, content
// pairs) and dotenv A=1.
func files(n uint64, pathData ...string) *runtimevault.Loaded {
	lv := &runtimevault.Loaded{Vault: childenv.Vault{Env: "prod", Generation: n, Dotenv: []byte("A=1\n")}}
	for i := 0; i+1 < len(pathData); i += 2 {
		lv.Files = append(lv.Files, vault.File{Path: pathData[i], Mode: 0o600, Data: []byte(pathData[i+1])})
	}
	return lv
}

// readVar reads the file the variable name of r points to.
func readVar(t *testing.T, r fakeRun, name string) string {
	t.Helper()
	p, ok := r.vars[name]
	if !ok {
		t.Fatalf("no %s in %v", name, r.vars)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(b)
}

func TestWatchLoopLayoutChanges(t *testing.T) {
	for _, reload := range []syscall.Signal{0, syscall.SIGHUP} {
		t.Run(signalLabel(reload), func(t *testing.T) {
			f := newWatchFixtureFrom(t, reload, files(1, "tls/a.crt", "A1", "cfg", "CFG1"), func(*watchLoop, *fakeRuns) {})
			old := f.p.Private.Path()
			r1 := f.nextStart()
			if readVar(t, r1, "TLS_A_CRT_FILE") != "A1" || readVar(t, r1, "CFG_FILE") != "CFG1" {
				t.Fatalf("first start with %v", r1.vars)
			}
			// The directory tls/ becomes a file tls, the file cfg a
			// directory cfg/.
			f.found <- files(2, "tls", "TLS2", "cfg/x", "X2")
			f.cancelled(r1)
			// The old child stops on its own files, untouched.
			if readVar(t, r1, "TLS_A_CRT_FILE") != "A1" || readVar(t, r1, "CFG_FILE") != "CFG1" {
				t.Error("the old files changed before the old child was gone")
			}
			close(r1.stop)
			r2 := f.nextStart()
			if readVar(t, r2, "TLS_FILE") != "TLS2" || readVar(t, r2, "CFG_X_FILE") != "X2" || r2.vars["VSYNC_GENERATION"] != "2" {
				t.Errorf("restart with %v", r2.vars)
			}
			if _, ok := r2.vars["TLS_A_CRT_FILE"]; ok {
				t.Errorf("restart with the old TLS_A_CRT_FILE: %v", r2.vars)
			}
			if _, err := os.Lstat(old); !os.IsNotExist(err) {
				t.Errorf("the old private directory is still there: %v", err)
			}
			// And back.
			f.found <- files(3, "tls/a.crt", "A3", "cfg", "CFG3")
			f.cancelled(r2)
			close(r2.stop)
			r3 := f.nextStart()
			if readVar(t, r3, "TLS_A_CRT_FILE") != "A3" || readVar(t, r3, "CFG_FILE") != "CFG3" {
				t.Errorf("second restart with %v", r3.vars)
			}
			if got := f.w.applied.Load(); got != 3 {
				t.Errorf("applied generation %d, want 3", got)
			}
			r3.exit <- 0
			if res := f.result(); res.code != 0 || res.err != nil {
				t.Errorf("loop returned %d, %v", res.code, res.err)
			}
			f.wantLines(
				"vsync: generation 2: restarted (variables changed)",
				"vsync: generation 3: restarted (variables changed)")
			if got := testsupport.Names(t, filepath.Dir(f.p.Private.Path())); len(got) != 1 {
				t.Errorf("private directories left: %q, want the current one", got)
			}
		})
	}
}

// A file that cannot be replaced in place (the child made a directory of
// it) restarts the child into a fresh layout rather than failing.
func TestWatchLoopInPlaceImpossibleRestarts(t *testing.T) {
	f := newWatchFixture(t, syscall.SIGHUP)
	r1 := f.nextStart()
	cert := f.p.Private.FilePath("cert.pem")
	if err := os.Remove(cert); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(cert, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	f.found <- gen(2, "A=1\n", "C2")
	f.cancelled(r1)
	close(r1.stop)
	r2 := f.nextStart()
	if readVar(t, r2, "CERT_PEM_FILE") != "C2" {
		t.Errorf("restart with %v", r2.vars)
	}
	r2.exit <- 0
	f.result()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.lines) != 1 || !strings.HasPrefix(f.lines[0], "vsync: generation 2: restarted (files changed, not replaceable in place: ") {
		t.Errorf("stderr lines: %q", f.lines)
	}
}

// A generation whose files cannot be written is refused before the old
// child is stopped: it runs on, on its files, and the refusal is recorded
// for the status socket.
func TestWatchLoopUnwritableGenerationKeepsTheChild(t *testing.T) {
	f := newWatchFixture(t, 0)
	r1 := f.nextStart()
	f.found <- files(2, "cert.pem", "C2", "../escape", "CANARY_escape")
	// Once the loop takes generation 3 in, it is done with generation 2.
	f.found <- gen(3, "A=1\n", "C1")
	if r1.ctx.Err() != nil {
		t.Fatal("the child was stopped")
	}
	f.wantCert("C1")
	if gen, why := f.w.refused.get(); gen != 2 || !strings.Contains(why, `"../escape"`) {
		t.Errorf("refusal recorded: %d %q", gen, why)
	}
	r1.exit <- 0
	f.result()
	if got := f.w.applied.Load(); got != 3 {
		t.Errorf("applied generation %d, want 3", got)
	}
	f.mu.Lock()
	lines := strings.Join(f.lines, "\n")
	f.mu.Unlock()
	if !strings.HasPrefix(lines, `vsync: generation 2: refused: private file "../escape": `) || !strings.HasSuffix(lines, "; keeping generation 1\nvsync: generation 3: nothing to reload (no variable or file changed)") {
		t.Errorf("stderr lines:\n%s", testsupport.Redacted(lines))
	}
	if strings.Contains(lines, "CANARY") {
		t.Errorf("a value reached stderr:\n%s", testsupport.Redacted(lines))
	}
	if got := testsupport.Names(t, filepath.Dir(f.p.Private.Path())); len(got) != 1 {
		t.Errorf("private directories left: %q, want the current one", got)
	}
}

// A generation whose incarnation cannot start (its PATH hides the
// command) is refused after the fact: vsync goes back to the generation
// that ran before, its files written again, instead of exiting with no
// child. A second failure (the old generation cannot start either) ends
// vsync as a run would.
func TestWatchLoopUnstartableGenerationGoesBack(t *testing.T) {
	notFound := errors.New(`"app": command not found`)
	f := newWatchFixtureWith(t, syscall.SIGHUP, func(_ *watchLoop, r *fakeRuns) {
		r.fail = func(vars map[string]string) error {
			if vars["PATH"] == "/nowhere" {
				return notFound
			}
			return nil
		}
	})
	r1 := f.nextStart()
	f.found <- gen(2, "A=2\nPATH=/nowhere\n", "C2")
	f.cancelled(r1)
	close(r1.stop)
	r2 := f.nextStart()
	if r2.vars["A"] != "1" || r2.vars["VSYNC_GENERATION"] != "1" || readVar(t, r2, "CERT_PEM_FILE") != "C1" {
		t.Errorf("went back with %v", r2.vars)
	}
	if got := f.w.applied.Load(); got != 1 {
		t.Errorf("applied generation %d, want 1", got)
	}
	if gen, why := f.w.refused.get(); gen != 2 || why != `cannot start: "app": command not found` {
		t.Errorf("refusal recorded: %d %q", gen, why)
	}
	// A later good generation applies as usual.
	f.found <- gen(3, "A=3\n", "C3")
	f.cancelled(r2)
	close(r2.stop)
	r3 := f.nextStart()
	if r3.vars["A"] != "3" || readVar(t, r3, "CERT_PEM_FILE") != "C3" {
		t.Errorf("restart with %v", r3.vars)
	}
	r3.exit <- 0
	if res := f.result(); res.code != 0 || res.err != nil {
		t.Errorf("loop returned %d, %v", res.code, res.err)
	}
	f.wantLines(
		"vsync: generation 2: restarted (variables changed)",
		`vsync: generation 2: refused: cannot start: "app": command not found; back to generation 1`,
		"vsync: generation 3: restarted (variables changed)")
	if got := testsupport.Names(t, filepath.Dir(f.p.Private.Path())); len(got) != 1 {
		t.Errorf("private directories left: %q, want the current one", got)
	}
}

// The first incarnation that cannot start ends vsync with its error, as
// vsync run does: there is nothing to go back to.
func TestWatchLoopFirstStartFailureEnds(t *testing.T) {
	notFound := errors.New(`"app": command not found`)
	f := newWatchFixtureWith(t, syscall.SIGHUP, func(_ *watchLoop, r *fakeRuns) {
		r.fail = func(map[string]string) error { return notFound }
	})
	if res := f.result(); res.code != 127 || !errors.Is(res.err, notFound) {
		t.Errorf("loop returned %d, %v; want 127 and the start error", res.code, res.err)
	}
	f.wantLines()
}
