package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The process contract of `vsync start`, with the test binary as vsync
// (VSYNC_TEST_AS_VSYNC=1) and /bin/sh or the helper child as processes.

// startCmd returns `vsync start ARGS...` in dir, where the test writes the
// Procfile.
func startCmd(t *testing.T, dir string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"start"}, args...)...)
	cmd.Env = append(os.Environ(), "VSYNC_TEST_AS_VSYNC=1", "GORACE=atexit_sleep_ms=0", "NO_COLOR=1")
	cmd.Dir = dir
	return cmd
}

// writeProcfile writes content into dir/Procfile; TESTBIN in it becomes the
// helper child ("TESTBIN __child").
func writeProcfile(t *testing.T, dir, content string) {
	t.Helper()
	content = strings.ReplaceAll(content, "TESTBIN", os.Args[0]+" __child")
	if err := os.WriteFile(filepath.Join(dir, "Procfile"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// running is a started `vsync start` whose output is read line by line.
type running struct {
	cmd   *exec.Cmd
	lines chan string
	all   *bytes.Buffer // every line, once done is closed
	done  chan error
	start time.Time
}

func startRunning(t *testing.T, cmd *exec.Cmd) *running {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	r := &running{cmd: cmd, lines: make(chan string, 1024), all: &bytes.Buffer{}, done: make(chan error, 1), start: time.Now()}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			r.all.WriteString(sc.Text() + "\n")
			r.lines <- sc.Text()
		}
		close(r.lines)
		err := cmd.Wait()
		r.all.WriteString(stderr.String())
		r.done <- err
	}()
	return r
}

// waitLines waits for lines whose name and text, after the time, are
// "NAME TEXT" (or whose text is TEXT when want has no space), in any order;
// a want given twice needs two lines.
func (r *running) waitLines(t *testing.T, want ...string) {
	t.Helper()
	left := map[string]int{}
	for _, w := range want {
		left[w]++
	}
	timeout := time.After(20 * time.Second)
	for len(left) > 0 {
		select {
		case l, ok := <-r.lines:
			if !ok {
				t.Fatalf("output ended before lines %q", want)
			}
			m := muxLine.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			for _, k := range []string{m[1] + " " + m[2], m[2]} {
				if left[k] > 0 {
					if left[k]--; left[k] == 0 {
						delete(left, k)
					}
					break
				}
			}
		case <-timeout:
			t.Fatalf("no lines %q within 20s", want)
		}
	}
}

// wait returns vsync's exit code and its whole output.
func (r *running) wait(t *testing.T) (int, string) {
	t.Helper()
	go func() {
		for range r.lines {
		}
	}()
	select {
	case err := <-r.done:
		return exitCodeOf(t, err), r.all.String()
	case <-time.After(30 * time.Second):
		t.Fatal("vsync start did not exit within 30s")
	}
	return -1, ""
}

// forker is a Procfile command that starts two grandchildren, records the
// pids of all three processes in PIDFILE, then says "ready" and waits.
const forker = `sleep 100 & echo $! >> PIDFILE; sleep 100 & echo $! >> PIDFILE; echo $$ >> PIDFILE; echo ready; wait`

// readPids reads the pids a forker recorded.
func readPids(t *testing.T, file string) []int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		p, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, p)
	}
	if len(pids) != 3 {
		t.Fatalf("%s holds %d pids, want 3", file, len(pids))
	}
	return pids
}

// checkGone fails for each pid that is still a live process (a zombie
// whose parent never reaps it counts as left behind too).
func checkGone(t *testing.T, pids []int) {
	t.Helper()
	for _, p := range pids {
		if _, err := os.Stat("/proc/" + strconv.Itoa(p)); err == nil {
			stat, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
			t.Errorf("pid %d is still there after vsync exited: %s", p, stat)
		}
	}
}

// TestStartLeavesNothingRunning: a process that forks grandchildren leaves
// nothing behind, however the group is stopped.
func TestStartLeavesNothingRunning(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	for _, tc := range []struct {
		name     string
		procfile string
		signal   syscall.Signal // sent to vsync after every "ready"; 0: none
		want     int
		minTime  time.Duration
	}{
		{
			name: "one-process-exits",
			procfile: "web: " + strings.ReplaceAll(forker, "PIDFILE", "web.pids") + "\n" +
				"worker: " + strings.ReplaceAll(forker, "PIDFILE", "worker.pids") + "\n" +
				// quit exits once both others have recorded their pids.
				`quit: while [ "$(cat web.pids worker.pids 2>/dev/null | wc -l)" -lt 6 ]; do sleep 0.01; done; exit 4` + "\n",
			want: 4,
		},
		{
			name: "vsync-gets-sigterm",
			procfile: "web: " + strings.ReplaceAll(forker, "PIDFILE", "web.pids") + "\n" +
				"worker: " + strings.ReplaceAll(forker, "PIDFILE", "worker.pids") + "\n",
			signal: syscall.SIGTERM,
			want:   143,
		},
		{
			name: "child-ignores-sigterm",
			procfile: "web: " + strings.ReplaceAll(forker, "PIDFILE", "web.pids") + "\n" +
				// Ignored signals stay ignored across fork and exec:
				// the grandchildren ignore SIGTERM too.
				"worker: trap '' TERM; " + strings.ReplaceAll(forker, "PIDFILE", "worker.pids") + "\n",
			signal:  syscall.SIGTERM,
			want:    143,
			minTime: 500 * time.Millisecond,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeProcfile(t, dir, tc.procfile)
			r := startRunning(t, startCmd(t, dir, "-t", "500ms"))
			r.waitLines(t, "ready", "ready")
			var stopAt time.Time
			if tc.signal != 0 {
				stopAt = time.Now()
				if err := r.cmd.Process.Signal(tc.signal); err != nil {
					t.Fatal(err)
				}
			}
			code, out := r.wait(t)
			if code != tc.want {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tc.want, out)
			}
			if tc.minTime > 0 && time.Since(stopAt) < tc.minTime {
				t.Errorf("vsync exited %v after the signal, before the %v grace period", time.Since(stopAt), tc.minTime)
			}
			lines := procLines(out)
			stopLine := "system sending SIGTERM to all processes"
			if tc.signal == 0 {
				stopLine = "system quit.1 exited with code 4: sending SIGTERM to all processes"
			}
			if !lines[stopLine] {
				t.Errorf("no %q in:\n%s", stopLine, out)
			}
			if tc.minTime > 0 && !lines["system sending SIGKILL to all processes"] {
				t.Errorf("no SIGKILL announcement in:\n%s", out)
			}
			checkGone(t, readPids(t, filepath.Join(dir, "web.pids")))
			checkGone(t, readPids(t, filepath.Join(dir, "worker.pids")))
		})
	}
}

// TestStartExitCodes: the first process to fail decides, processes killed
// by the stop do not count, and a signal to vsync gives 128+N.
func TestStartExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		procfile string
		signal   syscall.Signal
		want     int
		output   string // a line that must be in the output
	}{
		{"first-failure", "slow: TESTBIN trap\nfail: TESTBIN exit 3\n", 0, 3, "fail.1 exited with code 3"},
		{"first-exit-zero", "slow: TESTBIN trap\nok: TESTBIN exit 0\n", 0, 0, "ok.1 exited with code 0"},
		{"killed-by-signal", "slow: TESTBIN trap\ndie: TESTBIN kill SEGV\n", 0, 139, "die.1 killed by SIGSEGV"},
		{"sigint", "a: TESTBIN trap\nb: TESTBIN trap\n", syscall.SIGINT, 130, "b.1 exited with code 143"},
		{"sigterm", "a: TESTBIN trap\nb: TESTBIN trap\n", syscall.SIGTERM, 143, "a.1 exited with code 143"},
		{"not-found", "a: TESTBIN trap\nb: no-such-command-vsync\n", 0, 127, `b.1 vsync: "no-such-command-vsync": command not found in PATH`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeProcfile(t, dir, tc.procfile)
			r := startRunning(t, startCmd(t, dir))
			if tc.signal != 0 {
				r.waitLines(t, "a.1 ready", "b.1 ready")
				if err := r.cmd.Process.Signal(tc.signal); err != nil {
					t.Fatal(err)
				}
			}
			code, out := r.wait(t)
			if code != tc.want {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tc.want, out)
			}
			if !procLines(out)[tc.output] {
				t.Errorf("no %q in the output:\n%s", tc.output, out)
			}
			if strings.Contains(out, "vsync: error") {
				t.Errorf("a process's status must not print an error line:\n%s", out)
			}
		})
	}
}

// TestStartEnv: every process gets the composed environment, PORT and PS,
// with VSYNC_CONFIG* and VSYNC_PASSPHRASE* scrubbed.
func TestStartEnv(t *testing.T) {
	dir := t.TempDir()
	writeProcfile(t, dir, "web: "+together("TESTBIN printenv PORT PS FOO VSYNC_PASSPHRASE", 3)+"\n"+
		"worker: "+together("TESTBIN printenv PORT PS FOO", 3)+"\n")
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("FOO=from-dotenv\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := startCmd(t, dir, "-c", "web=2,worker=1", "-p", "6000")
	cmd.Env = append(cmd.Env, "VSYNC_PASSPHRASE=CANARY_pass")
	out, err := cmd.CombinedOutput()
	if code := exitCodeOf(t, err); code != 0 {
		t.Fatalf("exit %d:\n%s", code, redacted(out))
	}
	got := procLines(string(out))
	for _, want := range []string{
		"web.1 PORT=6000", "web.1 PS=web.1", "web.1 FOO=from-dotenv", "web.1 VSYNC_PASSPHRASE unset",
		"web.2 PORT=6001", "web.2 PS=web.2",
		"worker.1 PORT=6100", "worker.1 PS=worker.1", "worker.1 FOO=from-dotenv",
	} {
		if !got[want] {
			t.Errorf("no %q in the output:\n%s", want, redacted(out))
		}
	}
	if strings.Contains(string(out), "CANARY_pass") {
		t.Errorf("the passphrase reached the output:\n%s", redacted(out))
	}
}

// muxLine is one line of `vsync start` output: time, name, text.
var muxLine = regexp.MustCompile(`^\d\d:\d\d:\d\d (\S+)\s* \| (.*)$`)

// procLines returns "NAME TEXT" for every process line of out.
func procLines(out string) map[string]bool {
	got := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if m := muxLine.FindStringSubmatch(l); m != nil {
			got[m[1]+" "+m[2]] = true
		}
	}
	return got
}

// together is a Procfile command that runs cmd, then waits until n
// processes in the same directory have run theirs, so that the first to
// finish does not stop the others before they have printed.
func together(cmd string, n int) string {
	return cmd + `; touch "$PS.done"; while [ "$(ls *.done | wc -l)" -lt ` + strconv.Itoa(n) + ` ]; do sleep 0.01; done`
}

// TestStartOutputIntact: four processes printing 200,000 lines each as
// fast as they can, four of them 1 MiB long, two with no final newline:
// every line arrives whole, in order, never mixed with another, and each
// process's exit line comes after all of its output.
func TestStartOutputIntact(t *testing.T) {
	const lines = 200000
	dir := t.TempDir()
	var pf strings.Builder
	for seed := 1; seed <= 4; seed++ {
		fmt.Fprintf(&pf, "s%d: %s\n", seed, together("TESTBIN spew "+strconv.Itoa(lines)+" "+strconv.Itoa(seed), 4))
	}
	writeProcfile(t, dir, pf.String())
	cmd := startCmd(t, dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	out, err := cmd.Output()
	if code := exitCodeOf(t, err); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.Bytes())
	}
	t.Logf("%d MB of output in %v", len(out)>>20, time.Since(start))

	next := map[string]int{}    // name → index of the next expected line
	exited := map[string]bool{} // name → its exit line was seen
	var want []byte
	for len(out) > 0 {
		i := bytes.IndexByte(out, '\n')
		if i < 0 {
			t.Fatalf("output ends without a newline: %.100q", out)
		}
		line := out[:i]
		out = out[i+1:]
		// "HH:MM:SS NAME   | text", NAME padded to "system".
		const pre = len("15:04:05 system | ")
		if len(line) < pre || string(line[15:18]) != " | " {
			t.Fatalf("malformed line %.200q", line)
		}
		name, text := strings.TrimSpace(string(line[9:15])), line[pre:]
		if name == "system" {
			continue
		}
		if exited[name] {
			t.Fatalf("%s printed %.100q after its exit line", name, text)
		}
		n := next[name]
		if n == 0 && strings.HasPrefix(string(text), "started with pid ") {
			continue
		}
		if n == lines {
			// The first to see all four done exits; the others may be
			// stopped while they wait.
			if string(text) != "exited with code 0" && string(text) != "killed by SIGTERM" {
				t.Fatalf("%s: after its %d lines, %.100q", name, lines, text)
			}
			exited[name] = true
			continue
		}
		seed, _ := strconv.Atoi(strings.TrimPrefix(strings.TrimSuffix(name, ".1"), "s"))
		want = spewLine(want[:0], seed, n)
		if !bytes.Equal(text, want) {
			t.Fatalf("%s line %d: got %d bytes %.100q, want %d bytes %.100q", name, n, len(text), text, len(want), want)
		}
		next[name] = n + 1
	}
	for seed := 1; seed <= 4; seed++ {
		name := "s" + strconv.Itoa(seed) + ".1"
		if next[name] != lines || !exited[name] {
			t.Errorf("%s: %d lines, exit line %v; want %d lines and the exit line", name, next[name], exited[name], lines)
		}
	}
}

// TestStartRoot: with -d DIR, as in Foreman, the Procfile is DIR/Procfile
// (unless -f), the default .env is DIR/.env (unless -e), and the processes
// run in DIR; -f and -e stay relative to the working directory.
func TestStartRoot(t *testing.T) {
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	if err := os.Mkdir(app, 0o755); err != nil {
		t.Fatal(err)
	}
	// Decoys in the working directory, which -d must not read.
	writeProcfile(t, dir, "decoy: touch decoy-started\n")
	writeFile(t, filepath.Join(dir, ".env"), []byte("FOO=from-cwd-dotenv\n"), 0o644)
	writeProcfile(t, app, "web: "+together(`echo "PWD=$(pwd -P) FOO=$FOO"`, 1)+"\n")
	writeFile(t, filepath.Join(app, ".env"), []byte("FOO=from-root-dotenv\n"), 0o644)
	writeFile(t, filepath.Join(dir, "other.Procfile"), []byte("other: "+together(`echo "PWD=$(pwd -P) FOO=$FOO"`, 1)+"\n"), 0o644)
	writeFile(t, filepath.Join(dir, "other.env"), []byte("FOO=from-e-file\n"), 0o644)
	appReal, err := filepath.EvalSymlinks(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-d", "app"}, "web.1 PWD=" + appReal + " FOO=from-root-dotenv"},
		{[]string{"--root", app}, "web.1 PWD=" + appReal + " FOO=from-root-dotenv"},
		{[]string{"-d", "app", "-f", "other.Procfile", "-e", "other.env"}, "other.1 PWD=" + appReal + " FOO=from-e-file"},
	} {
		out, err := startCmd(t, dir, tc.args...).CombinedOutput()
		if code := exitCodeOf(t, err); code != 0 {
			t.Fatalf("%q: exit %d:\n%s", tc.args, code, out)
		}
		if !procLines(string(out))[tc.want] {
			t.Errorf("%q: no %q in:\n%s", tc.args, tc.want, out)
		}
	}
	for _, f := range []string{"decoy-started", "app/decoy-started"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("the working directory's Procfile was run: %s exists", f)
		}
	}
	// A root that is missing: 66, nothing started.
	out, err := startCmd(t, dir, "-d", "nope", "-f", "Procfile").CombinedOutput()
	if code := exitCodeOf(t, err); code != 66 || !strings.HasPrefix(string(out), `vsync: error: root directory "nope": `) {
		t.Errorf("-d nope: exit %d, output:\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "decoy-started")); err == nil {
		t.Errorf("a process started with a missing root")
	}
}

// TestStartCommandNotFound: a command that is not found (or not
// executable) is reported on its own process's lines and counts as that
// process exiting with 127 (126): the others are started and then stopped
// as for any exit, and vsync exits with that code.
func TestStartCommandNotFound(t *testing.T) {
	for _, tc := range []struct {
		name, procfile string
		want           int
		line           string
	}{
		{"not-found", "a: TESTBIN trap\nb: no-such-command-vsync --flag\nc: TESTBIN trap\n", 127,
			`b.1 vsync: "no-such-command-vsync": command not found in PATH`},
		{"not-executable", "a: TESTBIN trap\nb: ./notexec\nc: TESTBIN trap\n", 126,
			`b.1 vsync: "./notexec": `},
		{"shell-not-found", "a: TESTBIN trap\nb: no-such-command-vsync; exit $?\nc: TESTBIN trap\n", 127,
			`no-such-command-vsync: not found`}, // the shell's own message
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeProcfile(t, dir, tc.procfile)
			writeFile(t, filepath.Join(dir, "notexec"), []byte("#!/bin/sh\necho never\n"), 0o644)
			code, out := startRunning(t, startCmd(t, dir, "-t", "10s")).wait(t)
			if code != tc.want {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tc.want, out)
			}
			lines := procLines(out)
			found := false
			for l := range lines {
				found = found || strings.HasPrefix(l, "b.1 ") && strings.Contains(l, tc.line)
			}
			for _, want := range []string{
				"b.1 exited with code " + strconv.Itoa(tc.want),
				"system b.1 exited with code " + strconv.Itoa(tc.want) + ": sending SIGTERM to all processes",
			} {
				if !lines[want] {
					t.Errorf("no %q in the output:\n%s", want, out)
				}
			}
			if !found {
				t.Errorf("no b.1 line with %q in the output:\n%s", tc.line, out)
			}
			// a and c were started, then stopped by the exit of b.
			for _, name := range []string{"a.1", "c.1"} {
				if !lines[name+" exited with code 143"] && !lines[name+" killed by SIGTERM"] {
					t.Errorf("%s was not started and stopped:\n%s", name, out)
				}
			}
			if strings.Contains(out, "vsync: error") || strings.Contains(out, "never") {
				t.Errorf("unexpected output:\n%s", out)
			}
		})
	}
}

// TestStartSIGKILLed: when vsync itself is SIGKILLed, and so can stop
// nothing, its processes die of their parent-death signal, and what they
// started in their process groups (a shell's "sleep 100 &") is killed by
// the watchdog, which then exits too: nothing is left running.
func TestStartSIGKILLed(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("needs /proc")
	}
	dir := t.TempDir()
	writeProcfile(t, dir, "web: "+strings.ReplaceAll(forker, "PIDFILE", "web.pids")+"\n"+
		"worker: "+strings.ReplaceAll(forker, "PIDFILE", "worker.pids")+"\n")
	r := startRunning(t, startCmd(t, dir))
	r.waitLines(t, "ready", "ready")
	// The watchdog starts once every process has: it may come after the
	// "ready" lines.
	var watchdogs []int
	for deadline := time.Now().Add(10 * time.Second); len(watchdogs) == 0 && time.Now().Before(deadline); {
		for _, c := range procChildren(r.cmd.Process.Pid) {
			if cmdline, _ := os.ReadFile("/proc/" + strconv.Itoa(c) + "/cmdline"); strings.HasPrefix(string(cmdline), "vsync-watchdog\x00") {
				watchdogs = append(watchdogs, c)
			}
		}
		time.Sleep(10 * time.Millisecond) // polling /proc with a deadline
	}
	if len(watchdogs) != 1 {
		t.Errorf("vsync start has %d watchdog processes, want 1", len(watchdogs))
	}
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	r.wait(t)
	pids := append(readPids(t, filepath.Join(dir, "web.pids")), readPids(t, filepath.Join(dir, "worker.pids"))...)
	pids = append(pids, watchdogs...)
	// Nothing reaps for vsync now: wait, with a deadline, until each is
	// gone or a zombie (dead, waiting for init to reap it).
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range pids {
		for alive(p) {
			if time.Now().After(deadline) {
				stat, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/stat")
				t.Errorf("pid %d still runs 10s after vsync was SIGKILLed: %s", p, stat)
				_ = syscall.Kill(p, syscall.SIGKILL)
				break
			}
			time.Sleep(10 * time.Millisecond) // polling a condition, with a deadline
		}
	}
}

// alive reports whether pid is a process that is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	i := bytes.LastIndexByte(stat, ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// procChildren lists the children of pid from /proc/pid/task/*/children.
func procChildren(pid int) []int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var out []int
	for _, f := range tasks {
		data, _ := os.ReadFile(f)
		for _, s := range strings.Fields(string(data)) {
			if n, err := strconv.Atoi(s); err == nil {
				out = append(out, n)
			}
		}
	}
	return out
}

// TestStartSecondSignalKills: a process that ignores SIGTERM holds the
// stop for the whole grace period, unless a second Ctrl-C (or SIGTERM)
// comes: then every group gets SIGKILL at once, and vsync exits with the
// first signal's 128+N.
func TestStartSecondSignalKills(t *testing.T) {
	for _, tc := range []struct {
		name          string
		first, second syscall.Signal
		want          int
	}{
		{"int-int", syscall.SIGINT, syscall.SIGINT, 130},
		{"term-int", syscall.SIGTERM, syscall.SIGINT, 143},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeProcfile(t, dir, "stubborn: TESTBIN trap ignore\nok: TESTBIN trap\n")
			r := startRunning(t, startCmd(t, dir, "-t", "60s"))
			r.waitLines(t, "stubborn.1 ready", "ok.1 ready")
			if err := r.cmd.Process.Signal(tc.first); err != nil {
				t.Fatal(err)
			}
			// The stubborn process got SIGTERM and stays.
			r.waitLines(t, "system sending SIGTERM to all processes", "stubborn.1 TERM")
			second := time.Now()
			if err := r.cmd.Process.Signal(tc.second); err != nil {
				t.Fatal(err)
			}
			code, out := r.wait(t)
			if code != tc.want {
				t.Errorf("exit code %d, want %d; output:\n%s", code, tc.want, out)
			}
			if d := time.Since(second); d > 20*time.Second {
				t.Errorf("vsync took %v after the second signal (grace period 60s)", d)
			}
			lines := procLines(out)
			for _, want := range []string{"system sending SIGKILL to all processes", "stubborn.1 killed by SIGKILL"} {
				if !lines[want] {
					t.Errorf("no %q in the output:\n%s", want, out)
				}
			}
		})
	}
}

// TestStartStoryOfAStop: the output tells a stop in order, in Foreman's
// words: "started with pid N" for each process (its real pid); for a stop
// caused by an exit, that process's exit line, then the stop line naming
// it; for a stop signal, "SIGINT received, starting shutdown", then the
// stop line; then the exits of the others.
func TestStartStoryOfAStop(t *testing.T) {
	for _, tc := range []struct {
		name     string
		procfile string
		signal   syscall.Signal
		want     []string // in this order, among the lines
	}{
		{"an-exit", "web: echo \"pid $$\"; exec TESTBIN trap\nfail: echo \"pid $$\"; while [ ! -e web.ready ]; do sleep 0.01; done; exit 3\n", 0,
			[]string{"fail.1 exited with code 3", "system fail.1 exited with code 3: sending SIGTERM to all processes", "web.1 exited with code 143"}},
		// A descendant that holds the pipe does not hold the exit line
		// back: what the process wrote comes first, its last partial
		// line included.
		{"an-exit-leaving-a-descendant", "web: echo \"pid $$\"; exec TESTBIN trap\nfail: echo \"pid $$\"; while [ ! -e web.ready ]; do sleep 0.01; done; sleep 100 & printf partial; exit 3\n", 0,
			[]string{"fail.1 partial", "fail.1 exited with code 3", "system fail.1 exited with code 3: sending SIGTERM to all processes", "web.1 exited with code 143"}},
		{"a-signal", "web: echo \"pid $$\"; exec TESTBIN trap\nfail: echo \"pid $$\"; exec TESTBIN trap\n", syscall.SIGINT,
			[]string{"system SIGINT received, starting shutdown", "system sending SIGTERM to all processes", "web.1 exited with code 143"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeProcfile(t, dir, strings.Replace(tc.procfile, "TESTBIN trap", "TESTBIN trap web.ready", 1))
			r := startRunning(t, startCmd(t, dir))
			if tc.signal != 0 {
				r.waitLines(t, "web.1 ready", "fail.1 ready")
				if err := r.cmd.Process.Signal(tc.signal); err != nil {
					t.Fatal(err)
				}
			}
			_, out := r.wait(t)
			var lines []string
			for _, l := range strings.Split(out, "\n") {
				if m := muxLine.FindStringSubmatch(l); m != nil {
					lines = append(lines, m[1]+" "+m[2])
				}
			}
			// Each process's first line is "started with pid N", N the
			// pid it prints.
			for _, name := range []string{"web.1", "fail.1"} {
				var own []string
				for _, l := range lines {
					if text, ok := strings.CutPrefix(l, name+" "); ok {
						own = append(own, text)
					}
				}
				if len(own) < 2 || !strings.HasPrefix(own[0], "started with pid ") ||
					strings.TrimPrefix(own[0], "started with pid ") != strings.TrimPrefix(own[1], "pid ") {
					t.Errorf("%s's first lines are %q, want \"started with pid N\" then \"pid N\":\n%s", name, own, out)
				}
			}
			at := 0
			for _, w := range tc.want {
				i := slices.Index(lines[at:], w)
				if i < 0 {
					t.Fatalf("no %q after line %d (want %q in this order):\n%s", w, at, tc.want, out)
				}
				at += i + 1
			}
		})
	}
}
