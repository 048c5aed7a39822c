package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// childPlatformModes are the helper child's Linux modes:
//
//	spy CANARY [CMD...]  try to read what the parent (vsync) holds: print
//	                     "environ: ...", "mem: ...", "ptrace: ..." (each
//	                     "denied" or what it got, "CANARY" when the canary
//	                     showed), "owner: UID" of /proc/PPID/environ, then run CMD
//	                     and print its output
//	nocap CMD...         drop CAP_SYS_PTRACE from the bounding set and exec
//	                     CMD, which then runs without it even as root
var childPlatformModes = map[string]func([]string) int{
	"spy":   childSpy,
	"nocap": childNocap,
}

func childSpy(args []string) int {
	canary := []byte(args[0])
	ppid := os.Getppid()
	proc := "/proc/" + strconv.Itoa(ppid)
	got := func(what string, data []byte, err error) {
		switch {
		case err != nil:
			fmt.Printf("%s: denied: %v\n", what, err)
		case bytes.Contains(data, canary):
			fmt.Printf("%s: read %d bytes: CANARY\n", what, len(data))
		default:
			fmt.Printf("%s: read %d bytes\n", what, len(data))
		}
	}
	environ, err := os.ReadFile(proc + "/environ")
	got("environ", environ, err)
	mem, err := readMem(proc)
	got("mem", mem, err)
	runtime.LockOSThread() // ptrace belongs to the thread that attached
	if err := unix.PtraceSeize(ppid); err != nil {
		fmt.Printf("ptrace: denied: %v\n", err)
	} else {
		fmt.Println("ptrace: attached") // detached when this process exits
	}
	var st unix.Stat_t
	if err := unix.Stat(proc+"/environ", &st); err != nil {
		fmt.Println("owner:", err)
	} else {
		fmt.Println("owner:", st.Uid)
	}
	if len(args) > 1 {
		out, err := exec.Command(args[1], args[2:]...).CombinedOutput()
		fmt.Printf("%s(%v)\n", out, err)
	}
	return 0
}

// readMem reads the parent's writable anonymous memory through
// /proc/PPID/mem, as far as /proc/PPID/maps lets it find it.
func readMem(proc string) ([]byte, error) {
	mem, err := os.Open(proc + "/mem")
	if err != nil {
		return nil, err
	}
	defer mem.Close()
	maps, err := os.ReadFile(proc + "/maps")
	if err != nil {
		return nil, err
	}
	var all []byte
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.HasPrefix(f[1], "rw") {
			continue
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		start, _ := strconv.ParseUint(lo, 16, 64)
		end, _ := strconv.ParseUint(hi, 16, 64)
		if end-start > 64<<20 {
			continue
		}
		buf := make([]byte, end-start)
		if n, err := mem.ReadAt(buf, int64(start)); n > 0 || err == nil {
			all = append(all, buf[:n]...)
		}
	}
	return all, nil
}

func childNocap(args []string) int {
	runtime.LockOSThread() // the bounding set is per thread; exec from this one
	if err := unix.Prctl(unix.PR_CAPBSET_DROP, unix.CAP_SYS_PTRACE, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "nocap:", err)
		return 1
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, "nocap:", err)
		return 1
	}
	err = syscall.Exec(path, args, os.Environ())
	fmt.Fprintln(os.Stderr, "nocap:", err)
	return 1
}

// TestChildCannotReadVsync: vsync makes itself non-dumpable before reading
// a secret, so that the child it runs cannot read VSYNC_PASSPHRASE or the
// token through /proc/PPID/environ or /proc/PPID/mem, nor ptrace vsync
// (issue 10, item 1): as the same non-root user (vsync and child as
// nobody when the test runs as root), and as root without CAP_SYS_PTRACE
// (a default container). Each subtest fails with PR_SET_DUMPABLE removed.
// The child's "vsync status" still reaches vsync's status socket.
func TestChildCannotReadVsync(t *testing.T) {
	const pass = "CANARY_harden_passphrase_7e1f"
	srv, awsEnv := minioEnv(t, "vault")
	op := newUserWith(t, os.Args[0], append(awsEnv, "VSYNC_TEST_AS_VSYNC=1", "VSYNC_PASSPHRASE="+pass)...)
	proj := t.TempDir()
	op.must(proj, "profile", "add", "m", "--bucket", "vault", "--endpoint", srv.Endpoint, "--path-style", "--region", "us-east-1")
	op.must(proj, "init", "prod", "--profile", "m", "--prefix", "app")
	writeFile(t, filepath.Join(proj, "infra/vault/prod/.env.prod"), []byte("K=v\n"), 0o600)
	op.must(proj, "push", "prod", "--note", "one")
	token := strings.TrimSpace(op.must(proj, "runtime-token", "--env", "prod", "--access-key", srv.AccessKey, "--secret-key", srv.SecretKey))

	// A copy of the test binary that nobody may run, and a runtime
	// directory of the user vsync runs as.
	root := os.Getuid() == 0
	dir, err := os.MkdirTemp("", "vsync-harden-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "vsync.test")
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, bin, self, 0o755)
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var nobody *syscall.Credential
	if root {
		nobody = &syscall.Credential{Uid: 65534, Gid: 65534}
		if err := os.Chown(run, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_RUNTIME_DIR=" + run,
		"AWS_EC2_METADATA_DISABLED=true", "GORACE=atexit_sleep_ms=0",
		"VSYNC_TEST_AS_VSYNC=1", "VSYNC_CONFIG=" + token, "VSYNC_PASSPHRASE=" + pass,
	}
	spy := []string{bin, "__child", "spy", pass}
	// runSpy runs argv, which runs vsync with the spy as its child, and
	// checks what the spy got: never the passphrase; never vsync's memory
	// nor a ptrace attach; and, with denyEnviron, not even an open of
	// vsync's environ (some kernels let root without CAP_SYS_PTRACE open
	// it, where internal/proc has wiped the secrets from it).
	runSpy := func(t *testing.T, cred *syscall.Credential, denyEnviron bool, argv ...string) string {
		t.Helper()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir, cmd.Env = dir, env
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", redacted(strings.Join(argv, " ")), err, redacted(out))
		}
		denied := []string{"mem", "ptrace"}
		if denyEnviron {
			denied = append(denied, "environ")
		}
		for _, what := range denied {
			if !regexp.MustCompile(`(?m)^` + what + `: denied: `).Match(out) {
				t.Errorf("the child got at vsync's %s:\n%s", what, redacted(out))
			}
		}
		if bytes.Contains(out, []byte("vsync: warning")) {
			t.Errorf("vsync warned:\n%s", redacted(out))
		}
		if bytes.Contains(out, []byte("CANARY")) {
			t.Errorf("the passphrase reached the child:\n%s", redacted(out))
		}
		return string(out)
	}

	t.Run("same-user", func(t *testing.T) {
		out := runSpy(t, nobody, true, append(append([]string{bin, "run", "--"}, spy...), bin, "status")...)
		if !strings.Contains(out, "owner: 0\n") {
			t.Errorf("vsync's /proc entry is not root-owned (so vsync is dumpable):\n%s", redacted(out))
		}
		if !strings.Contains(out, "fresh: env prod at generation 1") {
			t.Errorf("vsync status in the child does not reach vsync:\n%s", redacted(out))
		}
	})
	t.Run("root-without-cap-sys-ptrace", func(t *testing.T) {
		if !root {
			t.Skip("needs root")
		}
		runSpy(t, nil, false, append([]string{bin, "__child", "nocap", bin, "run", "--"}, spy...)...)
	})
	// No subtest runs the spy as root of a user namespace of its own
	// (unshare -U -r): the kernel refuses it vsync's /proc/PID/environ,
	// /proc/PID/mem and ptrace whether vsync is dumpable or not (commoncap's
	// ptrace check wants the same user namespace or CAP_SYS_PTRACE in
	// vsync's), so such a subtest passed with PR_SET_DUMPABLE removed and
	// checked nothing. root-without-cap-sys-ptrace is the case that needs it.
}

// TestVsyncDumpsNoCore: vsync crashing (SIGABRT with GOTRACEBACK=crash and
// no core size limit) leaves no core file, which would hold the passphrase
// and decrypted values (issue 10, item 1). vsync run and start forward
// every catchable signal to their child, so the vsync that crashes is one
// waiting on its standard input (profile add --secret-key-file -), as a
// non-root user: once its /proc/PID/environ turns root's, it is
// non-dumpable, and the signal goes.
func TestVsyncDumpsNoCore(t *testing.T) {
	t.Parallel() // Go's crash path takes ~10 s to print every thread
	needCoreFiles(t)
	if os.Getuid() == 0 {
		t.Skip("needs to run as a user other than root (TestVsyncDumpsNoCoreAsNobody does)")
	}
	vsyncDumpsNoCore(t, nil, t.TempDir())
}

// vsyncDumpsNoCore is TestVsyncDumpsNoCore with vsync as cred (nil: this
// user), in dir, writable by that user.
func vsyncDumpsNoCore(t *testing.T, cred *syscall.Credential, dir string) {
	bin := os.Args[0]
	if cred != nil {
		bin = filepath.Join(dir, "vsync.test")
		self, err := os.ReadFile(os.Args[0])
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, bin, self, 0o755)
	}
	cmd := exec.Command("/bin/sh", "-c", `ulimit -c unlimited && exec "$@"`, "sh",
		bin, "profile", "add", "p", "--bucket", "b", "--access-key", "k", "--secret-key-file", "-")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "XDG_CONFIG_HOME=" + dir,
		"VSYNC_TEST_AS_VSYNC=1", "GOTRACEBACK=crash", "GORACE=atexit_sleep_ms=0", "VSYNC_PASSPHRASE=CANARY_core_4d2a"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	stdin, err := cmd.StdinPipe() // held open: vsync waits on it
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	environ := fmt.Sprintf("/proc/%d/environ", cmd.Process.Pid)
	deadline := time.Now().Add(20 * time.Second)
	for {
		var st unix.Stat_t
		if err := unix.Stat(environ, &st); err == nil && st.Uid == 0 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("vsync did not become non-dumpable within 20s (its /proc/PID/environ stays its user's)")
		}
		time.Sleep(10 * time.Millisecond) // polling /proc with a deadline
	}
	if err := cmd.Process.Signal(unix.SIGABRT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != unix.SIGABRT {
		t.Fatalf("vsync did not die of SIGABRT: %v", err)
	}
	if ee.Sys().(syscall.WaitStatus).CoreDump() {
		t.Error("vsync dumped core")
	}
	if cores, _ := filepath.Glob(filepath.Join(dir, "core*")); len(cores) > 0 {
		t.Errorf("vsync left %v", cores)
	}
}

// TestVsyncDumpsNoCoreAsNobody is TestVsyncDumpsNoCore run as root, with
// vsync as nobody.
func TestVsyncDumpsNoCoreAsNobody(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Skip("needs root (TestVsyncDumpsNoCore runs as this user)")
	}
	needCoreFiles(t)
	dir, err := os.MkdirTemp("", "vsync-core-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(work, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	vsyncDumpsNoCore(t, &syscall.Credential{Uid: 65534, Gid: 65534}, work)
}

// needCoreFiles skips the test where a crash would not write a core file
// into the working directory: a core_pattern piped to systemd-coredump or
// apport, or a hard core size limit.
func needCoreFiles(t *testing.T) {
	t.Helper()
	pattern, err := os.ReadFile("/proc/sys/kernel/core_pattern")
	if err != nil || bytes.HasPrefix(pattern, []byte("|")) || bytes.HasPrefix(pattern, []byte("/")) {
		t.Skipf("core_pattern %q does not write a core file in the working directory", pattern)
	}
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max != unix.RLIM_INFINITY && lim.Max < 1<<30 {
		t.Skipf("the hard core size limit is %d", lim.Max)
	}
}
