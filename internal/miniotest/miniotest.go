// Package miniotest runs a real MinIO server for tests and benchmarks: on
// free loopback ports, with a temporary data directory and fixed root
// credentials, stopped when the test ends.
//
// The binary is "minio" on PATH or in $(go env GOPATH)/bin (CI builds it with
// `go install github.com/minio/minio@...`). Without it Start skips the test,
// or fails it when VSYNC_TEST_REQUIRE_S3=1.
//
// Test code only: imported by tests, never by vsync's packages. It imports
// the AWS SDK and the standard library, nothing of vsync.
package miniotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Root credentials of every server this package starts. They are test
// values, good for loopback only.
const (
	AccessKey = "vsynctestadmin"        // MINIO_ROOT_USER
	SecretKey = "vsynctestadmin-secret" // MINIO_ROOT_PASSWORD
)

// RequireEnv is the environment variable that turns a missing MinIO binary
// into a test failure instead of a skip.
const RequireEnv = "VSYNC_TEST_REQUIRE_S3"

// Timeouts of starting and stopping a server.
const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 10 * time.Second
	pollInterval = 20 * time.Millisecond
)

// Server is one running (or stopped) MinIO process. A literal with only
// Endpoint, AccessKey and SecretKey reaches a server started elsewhere (say
// by a testscript command): Client, CreateBucket and ReadOnlyCredentials
// need nothing else, and Stop does nothing.
type Server struct {
	// Endpoint is the S3 API's URL, "http://127.0.0.1:PORT".
	Endpoint string
	// AccessKey and SecretKey are the root credentials.
	AccessKey, SecretKey string
	// Dir holds the server's data (Dir/data) and its log (Dir/minio.log).
	Dir string

	bin         string
	addr        string // host:port of the S3 API
	consoleAddr string

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one started minio and the result of waiting for it.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when Wait returned
	err  error         // Wait's result, valid after done
}

// Binary returns the path of the minio binary: on PATH, else in
// $(go env GOPATH)/bin (or $GOBIN).
func Binary() (string, error) {
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	var dirs []string
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if gopath := os.Getenv("GOPATH"); gopath != "" {
		for _, p := range filepath.SplitList(gopath) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, p := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "minio")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("minio binary not found on PATH or in $(go env GOPATH)/bin " +
		"(go install github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c)")
}

// Start runs a MinIO server for the test and stops it in t.Cleanup. Without
// a minio binary it skips the test, or fails it when VSYNC_TEST_REQUIRE_S3=1.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%s=1: %v", RequireEnv, err)
		}
		t.Skip(err)
	}
	s, err := StartProcess(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop minio: %v", err)
		}
	})
	return s
}

// StartProcess runs a MinIO server with its data and log under dir, for use
// outside a test (a benchmark program, a testscript setup). The caller
// stops it with Stop.
func StartProcess(dir string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	var lastErr error
	// A free port can be taken between choosing and binding it; choose again.
	for range 3 {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		consoleAddr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		s := &Server{
			Endpoint:    "http://" + addr,
			AccessKey:   AccessKey,
			SecretKey:   SecretKey,
			Dir:         dir,
			bin:         bin,
			addr:        addr,
			consoleAddr: consoleAddr,
		}
		if lastErr = s.Restart(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Restart starts the server again after Stop, on the same address and with
// the same data. It does nothing when the server runs.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(s.Dir, "data"), 0o700); err != nil {
		return err
	}
	// minio listens with SO_REUSEPORT: on an address another server took
	// while this one was stopped it would start too, and share the
	// connections with it.
	l, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("minio: address %s is taken: %w", s.addr, err)
	}
	l.Close()
	logPath := filepath.Join(s.Dir, "minio.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close() // the child has its own copy

	cmd := exec.Command(s.bin, "server", "--quiet",
		"--address", s.addr, "--console-address", s.consoleAddr,
		filepath.Join(s.Dir, "data"))
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=1",
	)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start minio: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := s.waitReady(p); err != nil {
		stopProcess(p)
		return fmt.Errorf("minio on %s: %w; log %s:\n%s", s.addr, err, logPath, tail(logPath))
	}
	s.proc = p
	return nil
}

// waitReady polls until the server serves a signed S3 request, the process
// exits, or readyTimeout passes. /minio/health/live (and even .../ready)
// answer 200 while the S3 API still says XMinioServerNotInitialized, so
// liveness is only the first step.
func (s *Server) waitReady(p *process) error {
	httpClient := &http.Client{Timeout: time.Second}
	s3Client := s.Client()
	deadline := time.Now().Add(readyTimeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last error
	for {
		if last = s.probe(httpClient, s3Client); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, last)
		}
		select {
		case <-p.done:
			return fmt.Errorf("exited before it was ready: %v", p.err)
		case <-tick.C:
		}
	}
}

// probe is one readiness check: liveness, then ListBuckets without retries.
func (s *Server) probe(hc *http.Client, c *s3.Client) error {
	resp, err := hc.Get(s.Endpoint + "/minio/health/live")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("liveness: %s", resp.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = c.ListBuckets(ctx, &s3.ListBucketsInput{}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
	return err
}

// Stop stops the server: SIGTERM, then SIGKILL after a grace period, and
// waits for it. Stopping a stopped server does nothing. Restart starts it
// again; until then the endpoint refuses connections.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return nil
	}
	err := stopProcess(s.proc)
	s.proc = nil
	return err
}

func stopProcess(p *process) error {
	select {
	case <-p.done:
		return nil // already gone; its exit status was reported by waitReady
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	_ = p.cmd.Process.Signal(syscall.SIGCONT) // a paused server handles TERM once continued
	select {
	case <-p.done:
		return nil // exit status after SIGTERM is not a failure
	case <-time.After(stopTimeout):
	}
	_ = p.cmd.Process.Kill()
	<-p.done
	return fmt.Errorf("minio did not stop within %v of SIGTERM; killed", stopTimeout)
}

// Pause freezes the running server with SIGSTOP: its port still accepts
// connections (the kernel completes them) but nothing answers, as a bucket
// that hangs. It returns once every thread of the server is stopped (on
// Linux). Resume continues it; Stop also works on a paused server.
func (s *Server) Pause() error {
	if err := s.signal(syscall.SIGSTOP); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return waitStopped(s.proc.cmd.Process.Pid, stopTimeout)
}

// Resume continues a server that Pause froze.
func (s *Server) Resume() error { return s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return errors.New("minio is not running")
	}
	return s.proc.cmd.Process.Signal(sig)
}

// Addr returns the S3 API's host:port.
func (s *Server) Addr() string { return s.addr }

// tail returns the end of a log file for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	const max = 4 << 10
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(bytes.TrimSpace(b))
}

// contextFor is the context of a helper call made outside a test's own.
func contextFor() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 30*time.Second)
}
