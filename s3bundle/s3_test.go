package s3bundle_test

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// everyOp runs each Backend method against b and checks it fails with want.
func everyOp(t *testing.T, b s3bundle.Backend, want error) []error {
	t.Helper()
	ctx := t.Context()
	var errs []error
	_, err := b.Head(ctx, "app/prod/current.pgp")
	errs = append(errs, err)
	rc, _, err := b.Get(ctx, "app/prod/current.pgp")
	if rc != nil {
		rc.Close()
	}
	errs = append(errs, err)
	rc, _, err = b.GetIfNoneMatch(ctx, "app/prod/current.pgp", `"some-etag"`)
	if rc != nil {
		rc.Close()
	}
	errs = append(errs, err)
	_, err = b.Put(ctx, "app/prod/current.pgp", []byte("x"), s3bundle.PutOptions{IfNoneMatch: true})
	errs = append(errs, err)
	_, err = b.List(ctx, "app/prod/")
	errs = append(errs, err)
	rc, _, err = s3bundle.NewPoll(b, "app/prod/current.pgp").IfNoneMatch(ctx, `"some-etag"`)
	if rc != nil {
		rc.Close()
	}
	errs = append(errs, err)
	for i, err := range errs {
		op := []string{"Head", "Get", "GetIfNoneMatch", "Put", "List", "Poll"}[i]
		if !errors.Is(err, want) {
			t.Errorf("%s: got %v, want %v", op, err, want)
		} else {
			t.Logf("%s: %v", op, err)
		}
	}
	return errs
}

func TestS3WrongSecret(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	const canary = "CANARY-secret-9f8e7d"
	cfg := s3Config(srv, "vault")
	cfg.SecretKey = canary
	for _, err := range everyOp(t, mustS3(t, cfg), s3bundle.ErrAccessDenied) {
		if err != nil && strings.Contains(err.Error(), canary) {
			t.Error("an error holds the secret key (the canary)")
		}
	}
}

func TestS3UnknownAccessKey(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	cfg := s3Config(srv, "vault")
	cfg.AccessKey = "nobody"
	everyOp(t, mustS3(t, cfg), s3bundle.ErrAccessDenied)
}

func TestS3MissingBucket(t *testing.T) {
	srv := miniotest.Start(t)
	b := mustS3(t, s3Config(srv, "no-such-bucket"))
	for _, err := range everyOp(t, b, s3bundle.ErrNoBucket) {
		if errors.Is(err, s3bundle.ErrNotExist) {
			t.Errorf("missing bucket also matches ErrNotExist: %v", err)
		}
	}
}

func TestS3ReadOnlyCredentials(t *testing.T) {
	srv := miniotest.Start(t)
	rw := newS3(t, srv, "vault")
	ctx := t.Context()
	if _, err := rw.Put(ctx, "app/prod/current.pgp", []byte("bundle"), s3bundle.PutOptions{Generation: 3}); err != nil {
		t.Fatal(err)
	}
	cred := srv.ReadOnlyKey(t, "vault", "app/prod")
	cfg := s3Config(srv, "vault")
	cfg.AccessKey, cfg.SecretKey, cfg.SessionToken = cred.AccessKey, cred.SecretKey, cred.SessionToken
	ro := mustS3(t, cfg)
	rc, info, err := ro.Get(ctx, "app/prod/current.pgp")
	if err != nil {
		t.Fatalf("read-only Get: %v", err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "bundle" || info.Generation != 3 {
		t.Errorf("read-only Get = %q gen %d", data, info.Generation)
	}
	_, err = ro.Put(ctx, "app/prod/current.pgp", []byte("evil"), s3bundle.PutOptions{})
	if !errors.Is(err, s3bundle.ErrAccessDenied) {
		t.Errorf("read-only Put: %v, want ErrAccessDenied", err)
	}
	_, err = ro.Head(ctx, "app/staging/current.pgp")
	if !errors.Is(err, s3bundle.ErrAccessDenied) {
		t.Errorf("read-only Head outside its prefix: %v, want ErrAccessDenied", err)
	}
}

// closedAddr returns a loopback address nobody listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestS3Unreachable(t *testing.T) {
	t.Parallel() // about 2s per operation: three attempts with backoff
	cfg := s3bundle.S3Config{
		Bucket: "vault", Endpoint: "http://" + closedAddr(t), PathStyle: true,
		AccessKey: "k", SecretKey: "s",
	}
	start := time.Now()
	everyOp(t, mustS3(t, cfg), s3bundle.ErrUnreachable)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("four operations took %v", d)
	}
}

// TestS3Hang: a server that accepts connections and never answers fails
// with ErrUnreachable once the operation timeout passes.
func TestS3Hang(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, unanswered, until the test ends
		}
	}()
	cfg := s3bundle.S3Config{
		Bucket: "vault", Endpoint: "http://" + l.Addr().String(), PathStyle: true,
		AccessKey: "k", SecretKey: "s", Timeout: 500 * time.Millisecond,
	}
	start := time.Now()
	_, err = mustS3(t, cfg).Head(t.Context(), "app/prod/current.pgp")
	if !errors.Is(err, s3bundle.ErrUnreachable) {
		t.Errorf("Head: %v, want ErrUnreachable", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Head took %v with a 500ms timeout", d)
	}
}

func TestS3StoppedServer(t *testing.T) {
	srv := miniotest.Start(t)
	b := newS3(t, srv, "vault")
	ctx := t.Context()
	if _, err := b.Put(ctx, "k", []byte("v"), s3bundle.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Head(ctx, "k"); !errors.Is(err, s3bundle.ErrUnreachable) {
		t.Errorf("Head on stopped server: %v, want ErrUnreachable", err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Head(ctx, "k"); err != nil {
		t.Errorf("Head after restart: %v", err)
	}
}

func TestS3Canceled(t *testing.T) {
	cfg := s3bundle.S3Config{
		Bucket: "vault", Endpoint: "http://" + closedAddr(t), PathStyle: true,
		AccessKey: "k", SecretKey: "s",
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := mustS3(t, cfg).Head(ctx, "k")
	if !errors.Is(err, context.Canceled) || errors.Is(err, s3bundle.ErrUnreachable) {
		t.Errorf("Head with a canceled context: %v, want context.Canceled only", err)
	}
}

// TestS3Interop: what the backend writes is a plain object other clients
// read, with the generation as x-amz-meta-vsync-generation.
func TestS3Interop(t *testing.T) {
	srv := miniotest.Start(t)
	b := newS3(t, srv, "vault")
	ctx := t.Context()
	if _, err := b.Put(ctx, "app/prod/current.pgp", []byte("bundle"), s3bundle.PutOptions{Generation: 12}); err != nil {
		t.Fatal(err)
	}
	out, err := srv.Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("vault"), Key: aws.String("app/prod/current.pgp")})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.Metadata["vsync-generation"]; g != "12" {
		t.Errorf("metadata = %v", out.Metadata)
	}
	// An object written by someone else has generation 0.
	if _, err := srv.Client().PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("vault"), Key: aws.String("app/prod/foreign"), Body: strings.NewReader("f"),
		Metadata: map[string]string{"vsync-generation": "not a number"},
	}); err != nil {
		t.Fatal(err)
	}
	info, err := b.Head(ctx, "app/prod/foreign")
	if err != nil || info.Generation != 0 || info.Size != 1 {
		t.Errorf("foreign object: %+v, %v", info, err)
	}
}

func TestNewS3NeedsBucket(t *testing.T) {
	if _, err := s3bundle.NewS3(t.Context(), s3bundle.S3Config{AccessKey: "k"}); err == nil {
		t.Error("NewS3 without bucket succeeded")
	}
}

// TestS3CredentialChain: without static keys the standard chain is used:
// environment variables, or a named profile of the shared files.
func TestS3CredentialChain(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	home := t.TempDir()
	creds := filepath.Join(home, "credentials")
	conf := filepath.Join(home, "config")
	os.WriteFile(creds, []byte("[vsynctest]\naws_access_key_id = "+srv.AccessKey+"\naws_secret_access_key = "+srv.SecretKey+"\n"), 0o600)
	os.WriteFile(conf, []byte("[profile vsynctest]\nregion = us-east-1\n"), 0o600)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_CONFIG_FILE", conf)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	cfg := s3bundle.S3Config{Bucket: "vault", Endpoint: srv.Endpoint, PathStyle: true, AWSProfile: "vsynctest"}
	if _, err := mustS3(t, cfg).List(t.Context(), ""); err != nil {
		t.Errorf("with --aws-profile: %v", err)
	}

	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	cfg.AWSProfile = ""
	if _, err := mustS3(t, cfg).List(t.Context(), ""); err != nil {
		t.Errorf("with environment variables: %v", err)
	}

	cfg.AWSProfile = "no-such-profile"
	if _, err := s3bundle.NewS3(t.Context(), cfg); err == nil {
		t.Error("NewS3 with a missing profile succeeded")
	} else if strings.Contains(err.Error(), srv.SecretKey) {
		t.Errorf("error shows a secret: %v", err)
	}
}
