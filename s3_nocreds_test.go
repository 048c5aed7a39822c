package main

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestS3NoCredentials: an S3 profile with no credentials anywhere is one
// "vsync: error:" line naming what is missing, a hint, exit 78, and none
// of the SDK's own log lines. A profile without an endpoint asks the EC2
// instance metadata service (here a local server that refuses, as a
// non-EC2 network does: the SDK would log "WARN falling back to IMDSv1");
// one with a custom endpoint never asks it, and sends nothing to the
// endpoint either. AWS_EC2_METADATA_DISABLED is unset here on purpose:
// AWS_EC2_METADATA_SERVICE_ENDPOINT keeps every request on loopback.
func TestS3NoCredentials(t *testing.T) {
	var imdsHits, s3Hits atomic.Int64
	imds := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		imdsHits.Add(1)
		http.Error(w, "forbidden", http.StatusForbidden)
	}))
	defer imds.Close()
	s3 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s3Hits.Add(1)
		http.Error(w, "unexpected", http.StatusInternalServerError)
	}))
	defer s3.Close()

	work := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + work,
		"XDG_CONFIG_HOME=" + filepath.Join(work, "config"),
		"AWS_CONFIG_FILE=" + filepath.Join(work, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(work, "no-aws-credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + imds.URL,
		"VSYNC_TEST_AS_VSYNC=1",
		"VSYNC_PASSPHRASE=correct-horse-battery-staple",
		"GORACE=atexit_sleep_ms=10",
	}
	vsync := func(dir string, args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(os.Args[0], args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return stderr.String(), cmd.ProcessState.ExitCode()
	}
	if out, code := vsync(work, "profile", "add", "aws", "--bucket", "b", "--region", "eu-west-1"); code != 0 {
		t.Fatalf("profile add: %d %s", code, out)
	}
	if out, code := vsync(work, "profile", "add", "minio", "--bucket", "b", "--endpoint", s3.URL, "--path-style"); code != 0 {
		t.Fatalf("profile add: %d %s", code, out)
	}
	if out, code := vsync(work, "profile", "add", "minio-imds", "--bucket", "b", "--endpoint", s3.URL, "--instance-metadata"); code != 0 {
		t.Fatalf("profile add: %d %s", code, out)
	}
	for _, tc := range []struct {
		profile  string
		wantIMDS bool
	}{{"aws", true}, {"minio", false}, {"minio-imds", true}} {
		t.Run(tc.profile, func(t *testing.T) {
			imdsHits.Store(0)
			proj := filepath.Join(work, tc.profile)
			if err := os.Mkdir(proj, 0o755); err != nil {
				t.Fatal(err)
			}
			stderr, code := vsync(proj, "init", "prod", "--profile", tc.profile, "--prefix", "p")
			if code != exitConfig {
				t.Errorf("exit %d, want %d", code, exitConfig)
			}
			lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
			if len(lines) != 2 || !strings.HasPrefix(lines[0], "vsync: error: ") ||
				!strings.HasSuffix(lines[0], "no AWS credentials found") ||
				!strings.HasPrefix(lines[1], "vsync: hint: export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") ||
				!strings.Contains(lines[1], "--aws-profile") || !strings.Contains(lines[1], "--access-key") {
				t.Errorf("stderr:\n%s\nwant one error line naming the missing credentials and one hint", stderr)
			}
			if got := imdsHits.Load(); (got > 0) != tc.wantIMDS {
				t.Errorf("the instance metadata service got %d requests; want some: %v", got, tc.wantIMDS)
			}
			if got := s3Hits.Load(); got != 0 {
				t.Errorf("the S3 endpoint got %d requests without credentials", got)
			}
		})
	}
}
