//go:build linux

package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"vsync/internal/miniotest"
)

// supervisorTools returns the paths of supervisord and supervisorctl, or
// skips the test without them, unless VSYNC_TEST_REQUIRE_S3=1 (CI installs
// Debian's supervisor), where that is a failure.
func supervisorTools(t *testing.T) (string, string) {
	t.Helper()
	d, err1 := exec.LookPath("supervisord")
	c, err2 := exec.LookPath("supervisorctl")
	if err1 != nil || err2 != nil {
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("supervisord is required (%s=1): apt-get install supervisor", miniotest.RequireEnv)
		}
		t.Skip("supervisord not installed (apt-get install supervisor)")
	}
	return d, c
}

// supervisorReport is what each process of the test's Procfile writes
// into report/$PS: hashes of its secrets, never the values.
const supervisorReport = `set -e
sleep 1000 &
bg=$!
{
  echo "PORT=$PORT"
  echo "PS=$PS"
  echo "SECRET=$(printf %s "$SECRET_TOKEN" | sha256sum | cut -c1-12)"
  echo "FILE=$(sha256sum < "$GCP_SA_JSON_FILE" | cut -c1-12)"
  echo "UNLOCKS=$(env | grep -c '^VSYNC_\(CONFIG\|PASSPHRASE\)' || true)"
  echo "PIDS=$$ $bg"
  echo "done"
} > "report/$PS.tmp"
mv "report/$PS.tmp" "report/$PS"
if [ "$1" = once ]; then kill "$bg"; exit 0; fi
wait
`

// supervisorMain is the supervisord.conf that includes the export, as
// /etc/supervisor/supervisord.conf includes conf.d/*.conf: a unix socket
// in the test's directory, no TCP.
const supervisorMain = `[unix_http_server]
file=%[1]s/supervisor.sock
chmod=0700

[supervisord]
logfile=%[1]s/supervisord.log
pidfile=%[1]s/supervisord.pid
childlogdir=%[1]s/logs
nodaemon=true

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://%[1]s/supervisor.sock

[include]
files = %[1]s/conf.d/*.conf
`

// TestExportSupervisordRuns runs what `vsync export supervisord` writes:
// Debian's supervisord with the exported program file included starts
// web (2), worker (1) and release (once) under vsync run against a vault on
// MinIO, reached through the token and passphrase files of --credentials.
// Each process gets the vault's variable and file (compared by hash), its
// PORT and PS, and never the token or passphrase; release exits once and
// stays EXITED; `supervisorctl stop all` leaves no process of theirs
// (vsync, its child, the child's background job) and no private
// directory, and `supervisorctl shutdown` ends supervisord. No secret
// reaches supervisord's logs.
func TestExportSupervisordRuns(t *testing.T) {
	supervisord, supervisorctl := supervisorTools(t)
	const secret, file = "CANARY_sup_secret_value", `{"key":"CANARY_sup_file_value"}`
	v := newExampleVault(t, map[string]string{
		".env.prod":   "SECRET_TOKEN=" + secret + "\n",
		"gcp-sa.json": file,
	})
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	for _, d := range []string{app, filepath.Join(app, "report"), filepath.Join(dir, "logs"), filepath.Join(dir, "run")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(app, "report.sh"), []byte(supervisorReport), 0o644)
	writeProcfile(t, app, "web: sh report.sh\nworker: sh report.sh\nrelease: sh report.sh once\n")
	creds := filepath.Join(dir, "creds")
	writeFile(t, filepath.Join(creds, "vsync-config"), []byte(v.token+"\n"), 0o600)
	writeFile(t, filepath.Join(creds, "vsync-passphrase"), []byte(v.pass+"\n"), 0o600)

	exportTo(t, app, "supervisord", "-a", "shop", "-c", "web=2,worker=1,release=1", "-p", "6000",
		"--vsync", vsyncBinary(t), "--credentials", creds)
	if err := os.Rename(filepath.Join(app, "out-supervisord"), filepath.Join(dir, "conf.d")); err != nil {
		t.Fatal(err)
	}
	mainConf := filepath.Join(dir, "supervisord.conf")
	writeFile(t, mainConf, fmt.Appendf(nil, supervisorMain, dir), 0o600)

	cmd := exec.Command(supervisord, "-n", "-c", mainConf)
	cmd.Dir = dir
	cmd.Env = []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + dir,
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	outPath := filepath.Join(dir, "supervisord.out")
	outFile, err := os.Create(outPath)
	if err != nil {
		t.Fatal(err)
	}
	defer outFile.Close()
	cmd.Stdout, cmd.Stderr = outFile, outFile
	output := func() string { b, _ := os.ReadFile(outPath); return string(b) }
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitErr error
	done := make(chan struct{}) // closed once supervisord is reaped
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	ctl := func(args ...string) string {
		c := exec.Command(supervisorctl, append([]string{"-c", mainConf}, args...)...)
		c.Env = cmd.Env
		b, _ := c.CombinedOutput() // status exits non-zero while a process is not running
		return string(b)
	}

	want := map[string]string{"web.1": "6000", "web.2": "6001", "worker.1": "6100", "release.1": "6200"}
	var pids []int
	for ps, port := range want {
		report := filepath.Join(app, "report", ps)
		waitForFile(t, report, "^done$")
		data, _ := os.ReadFile(report)
		got := string(data)
		for _, line := range []string{"PORT=" + port, "PS=" + ps, "SECRET=" + shortHash(secret), "FILE=" + shortHash(file), "UNLOCKS=0"} {
			if !strings.Contains(got, line+"\n") {
				t.Errorf("%s: no %q in its report:\n%s", ps, line, redacted(got))
			}
		}
		if m := regexp.MustCompile(`(?m)^PIDS=(\d+) (\d+)$`).FindStringSubmatch(got); m != nil {
			for _, p := range m[1:] {
				n, _ := strconv.Atoi(p)
				pids = append(pids, n)
			}
		}
	}

	// Every long-running process is RUNNING (past startsecs), release
	// EXITED (not BACKOFF or FATAL, and not started again).
	states := map[string]string{"shop:shop-web-1": "RUNNING", "shop:shop-web-2": "RUNNING", "shop:shop-worker-1": "RUNNING", "shop:shop-release-1": "EXITED"}
	var status string
	for deadline := time.Now().Add(30 * time.Second); ; {
		status = ctl("status")
		ok := true
		for name, st := range states {
			if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s+` + st + `\b`).MatchString(status) {
				ok = false
			}
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("supervisorctl status, after 30s:\n%s\nsupervisord:\n%s", redacted(status), redacted(output()))
		}
		time.Sleep(100 * time.Millisecond) // polling supervisord's state, with a deadline
	}
	for _, f := range strings.Fields(ctl("pid", "all")) {
		if n, err := strconv.Atoi(f); err == nil && n > 0 {
			pids = append(pids, n) // each vsync
		}
	}
	if len(pids) != 2*4+3 {
		t.Errorf("pids %v: want two per process and one vsync per running process", pids)
	}

	if s := ctl("stop", "all"); strings.Contains(s, "ERROR") {
		t.Errorf("supervisorctl stop all:\n%s", redacted(s))
	}
	for _, pid := range pids {
		if st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil && !bytes.Contains(st, []byte(") Z ")) {
			t.Errorf("process %d is still running after supervisorctl stop all: %s", pid, st)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "run", "vsync-*")); len(left) > 0 {
		t.Errorf("private directories left after stop all: %q", left)
	}
	ctl("shutdown")
	select {
	case <-done:
		if waitErr != nil {
			t.Errorf("supervisord: %v\n%s", waitErr, redacted(output()))
		}
	case <-time.After(30 * time.Second):
		t.Fatal("supervisord still runs 30s after supervisorctl shutdown")
	}

	// No secret anywhere supervisord writes.
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*"))
	logs = append(logs, filepath.Join(dir, "supervisord.log"), filepath.Join(dir, "conf.d", "shop.conf"))
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		for _, s := range []string{secret, "CANARY_sup_file_value", v.token, v.pass} {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds a secret", l)
			}
		}
	}
	if o := output(); strings.Contains(o, "CANARY") || strings.Contains(o, v.pass) {
		t.Error("supervisord's output holds a secret")
	}
}
