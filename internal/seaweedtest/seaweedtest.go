// Package seaweedtest runs a real SeaweedFS server (`weed server -s3`) for
// tests: a second S3 implementation beside MinIO, so that nothing
// MinIO-specific creeps into vsync. It listens on free loopback ports only,
// keeps its data in a temporary directory, grants the miniotest root keys
// through an S3 identity file, and is stopped when the test ends.
//
// The binary is "weed" on PATH, else ~/.cache/vsync-weed/weed (where
// .ci/run builds it from the Go module proxy). Without it Start skips the
// test, or fails it when VSYNC_TEST_REQUIRE_S3=1.
//
// Test code only: imported by tests, never by vsync's packages. Of vsync it
// imports internal/miniotest only (its Server and root keys).
package seaweedtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"vsync/internal/miniotest"
)

// Timeouts of starting a server and of its exit after SIGKILL.
const (
	readyTimeout = 90 * time.Second
	stopTimeout  = 10 * time.Second
)

// Binary returns the path of the weed binary.
func Binary() (string, error) {
	if p, err := exec.LookPath("weed"); err == nil {
		return p, nil
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".cache", "vsync-weed", "weed")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", errors.New("weed (SeaweedFS) not found on PATH or in ~/.cache/vsync-weed (bash .ci/run builds it)")
}

// Start runs a SeaweedFS server (master, volume, filer and S3 gateway in
// one process) for the test and stops it in t.Cleanup. The returned
// Server is a miniotest literal: Endpoint and the root keys, so that
// Client, CreateBucket and MakeBucket work on it.
func Start(t testing.TB) *miniotest.Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		if os.Getenv(miniotest.RequireEnv) == "1" {
			t.Fatalf("%s=1: %v", miniotest.RequireEnv, err)
		}
		t.Skip(err)
	}
	dir := t.TempDir()
	var lastErr error
	// A free port can be taken between choosing and binding it; choose again.
	for range 3 {
		var stop func() error
		var srv *miniotest.Server
		if stop, srv, lastErr = start(bin, dir); lastErr == nil {
			t.Cleanup(func() {
				if err := stop(); err != nil {
					t.Errorf("stop weed: %v", err)
				}
			})
			return srv
		}
	}
	t.Fatal(lastErr)
	return nil
}

// start runs weed server with its data under dir/data and waits until the
// S3 gateway answers a signed request. stop stops it.
func start(bin, dir string) (stop func() error, srv *miniotest.Server, err error) {
	ports, err := freePorts(8)
	if err != nil {
		return nil, nil, err
	}
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, nil, err
	}
	ident, err := json.Marshal(map[string]any{"identities": []map[string]any{{
		"name":        "vsynctest",
		"credentials": []map[string]string{{"accessKey": miniotest.AccessKey, "secretKey": miniotest.SecretKey}},
		"actions":     []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}})
	if err != nil {
		return nil, nil, err
	}
	config := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(config, ident, 0o600); err != nil {
		return nil, nil, err
	}
	logPath := filepath.Join(dir, "weed.log")
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, err
	}
	defer logFile.Close() // the child has its own copy
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	cmd := exec.Command(bin, "server", "-dir="+data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port="+p(0), "-master.port.grpc="+p(1),
		"-volume.port="+p(2), "-volume.port.grpc="+p(3),
		"-filer.port="+p(4), "-filer.port.grpc="+p(5),
		"-s3", "-s3.port="+p(6), "-s3.port.grpc="+p(7), "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.config="+config, "-master.volumeSizeLimitMB=64",
		// A bucket is a collection with volumes of its own: no fixed
		// limit of volumes (the suite makes a bucket per subtest), and no
		// 10 s wait before stopping.
		"-volume.max=0", "-volume.preStopSeconds=0")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("start weed: %w", err)
	}
	srv = &miniotest.Server{Endpoint: "http://127.0.0.1:" + p(6), AccessKey: miniotest.AccessKey, SecretKey: miniotest.SecretKey, Dir: dir}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	if err := waitReady(srv, exited); err != nil {
		_ = cmd.Process.Kill()
		log, _ := os.ReadFile(logPath)
		if len(log) > 4<<10 {
			log = log[len(log)-4<<10:]
		}
		return nil, nil, fmt.Errorf("weed on %s: %w; log %s:\n%s", srv.Endpoint, err, logPath, log)
	}
	return func() error { return stopProcess(cmd, exited) }, srv, nil
}

// waitReady polls ListBuckets until it succeeds, the process exits, or
// readyTimeout passes: the S3 port opens before the filer is reachable.
func waitReady(srv *miniotest.Server, exited <-chan error) error {
	c := srv.Client()
	deadline := time.Now().Add(readyTimeout)
	var last error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, last = c.ListBuckets(ctx, &s3.ListBucketsInput{}, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
		cancel()
		if last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %v: %w", readyTimeout, last)
		}
		select {
		case err := <-exited:
			return fmt.Errorf("exited before it was ready: %v", err)
		case <-time.After(50 * time.Millisecond): // polling a server's readiness, with a deadline
		}
	}
}

// stopProcess kills weed and waits for exited, where cmd.Wait reports:
// its data is thrown away with the test's directory, and after SIGTERM it
// takes more than 10 s to stop (its servers wait on each other).
func stopProcess(cmd *exec.Cmd, exited <-chan error) error {
	_ = cmd.Process.Kill()
	select {
	case <-exited:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("weed still runs %v after SIGKILL", stopTimeout)
	}
}

// freePorts returns n loopback ports that were free a moment ago, all
// held at once so that they differ.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
