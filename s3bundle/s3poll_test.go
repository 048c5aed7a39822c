package s3bundle

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"vsync/internal/miniotest"
)

// countingDoer counts the requests a Poll sends itself (presigned); the
// SDK's own requests do not pass through it.
type countingDoer struct {
	next httpDoer
	n    atomic.Int64
	ok   atomic.Int64 // answered 200
}

func (c *countingDoer) Do(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	resp, err := c.next.Do(r)
	if err == nil && resp.StatusCode == http.StatusOK {
		c.ok.Add(1)
	}
	return resp, err
}

// badSignature presigns as the client does, then spoils the signature:
// a server that refuses presigned GETs.
type badSignature struct{ next presignAPI }

func (b badSignature) PresignGetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error) {
	r, err := b.next.PresignGetObject(ctx, in, opts...)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(r.URL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("X-Amz-Signature", "00"+q.Get("X-Amz-Signature")[2:])
	u.RawQuery = q.Encode()
	r.URL = u.String()
	return r, nil
}

// newPollBackend returns an S3 backend on a fresh bucket of srv whose
// presigned requests are counted.
func newPollBackend(t *testing.T, srv *miniotest.Server, bucket string) (*S3, *countingDoer) {
	t.Helper()
	srv.MakeBucket(t, bucket)
	b, err := NewS3(t.Context(), S3Config{
		Bucket: bucket, Endpoint: srv.Endpoint, PathStyle: true,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &countingDoer{next: b.http}
	b.http = c
	return b, c
}

// read makes one read of p and returns the body ("" for not modified).
func read(t *testing.T, p Poll, etag string) (string, ObjectInfo, error) {
	t.Helper()
	rc, info, err := p.IfNoneMatch(t.Context(), etag)
	if err != nil {
		return "", info, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(data), info, nil
}

// MinIO takes a presigned GET with an unsigned If-None-Match: each read
// is one presigned request, 304 while nothing changed, and the same URL
// serves the next object.
func TestS3PollPresigned(t *testing.T) {
	srv := miniotest.Start(t)
	b, sent := newPollBackend(t, srv, "vault")
	v1, err := b.Put(t.Context(), "app/prod/current.pgp", []byte("one"), PutOptions{Generation: 7})
	if err != nil {
		t.Fatal(err)
	}
	p := b.Poll("app/prod/current.pgp")
	got, info, err := read(t, p, "")
	if err != nil || got != "one" || info != v1 {
		t.Fatalf("first read = %q, %+v, %v; want %q, %+v", got, info, err, "one", v1)
	}
	for range 5 {
		if _, _, err := read(t, p, v1.ETag); !errors.Is(err, ErrNotModified) {
			t.Fatalf("read with the ETag: %v", err)
		}
	}
	v2, err := b.Put(t.Context(), "app/prod/current.pgp", []byte("two!"), PutOptions{Generation: 8})
	if err != nil {
		t.Fatal(err)
	}
	got, info, err = read(t, p, v1.ETag)
	if err != nil || got != "two!" || info != v2 {
		t.Fatalf("read after a put = %q, %+v, %v; want %q, %+v", got, info, err, "two!", v2)
	}
	if n := sent.n.Load(); n != 7 {
		t.Errorf("7 reads sent %d presigned requests, want 7", n)
	}
}

// A URL about to expire is presigned again before it is used.
func TestS3PollPresignsAgain(t *testing.T) {
	srv := miniotest.Start(t)
	b, sent := newPollBackend(t, srv, "vault")
	v1, err := b.Put(t.Context(), "k", []byte("one"), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := b.Poll("k").(*s3Poll)
	if _, _, err := read(t, p, v1.ETag); !errors.Is(err, ErrNotModified) {
		t.Fatal(err)
	}
	first := p.req
	p.until = time.Now() // as if a minute before X-Amz-Expires
	if _, _, err := read(t, p, v1.ETag); !errors.Is(err, ErrNotModified) {
		t.Fatal(err)
	}
	if p.req == first || sent.n.Load() != 2 {
		t.Errorf("not presigned again (%d requests)", sent.n.Load())
	}
}

// An answer other than 200 or 304 is read again through GetIfNoneMatch,
// which the next reads use until one succeeds; then a new URL is presigned.
func TestS3PollFallsBack(t *testing.T) {
	srv := miniotest.Start(t)
	b, sent := newPollBackend(t, srv, "vault")
	p := b.Poll("app/prod/current.pgp")
	for range 3 {
		if _, _, err := read(t, p, `"old"`); !errors.Is(err, ErrNotExist) {
			t.Fatalf("read of a missing key: %v, want ErrNotExist", err)
		}
	}
	if n := sent.n.Load(); n != 1 {
		t.Errorf("%d presigned requests for 3 reads of a missing key, want 1 (then GetIfNoneMatch)", n)
	}
	v1, err := b.Put(t.Context(), "app/prod/current.pgp", []byte("one"), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := read(t, p, `"old"`); err != nil || got != "one" {
		t.Fatalf("read after a put = %q, %v", got, err)
	}
	if _, _, err := read(t, p, v1.ETag); !errors.Is(err, ErrNotModified) {
		t.Fatal(err)
	}
	if n := sent.n.Load(); n != 2 {
		t.Errorf("%d presigned requests, want 2: presigned again once GetIfNoneMatch succeeded", n)
	}
}

// A server that refuses a freshly presigned GET, where GetIfNoneMatch
// works, is read with GetIfNoneMatch for good.
func TestS3PollPresignRefused(t *testing.T) {
	srv := miniotest.Start(t)
	b, sent := newPollBackend(t, srv, "vault")
	b.presign = badSignature{next: b.presign}
	v1, err := b.Put(t.Context(), "k", []byte("one"), PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := b.Poll("k")
	for range 3 {
		if _, _, err := read(t, p, v1.ETag); !errors.Is(err, ErrNotModified) {
			t.Fatalf("read: %v, want ErrNotModified", err)
		}
	}
	if n := sent.n.Load(); n != 1 {
		t.Errorf("%d presigned requests, want 1 (refused, then GetIfNoneMatch for good)", n)
	}
}

// cancelFirst cancels the read's context, then sends the request: the
// presigned GET fails as when vsync is stopped in the middle of a poll.
type cancelFirst struct {
	next   httpDoer
	cancel context.CancelFunc
}

func (c cancelFirst) Do(r *http.Request) (*http.Response, error) {
	c.cancel()
	return c.next.Do(r)
}

// A presigned GET that fails in transport leaves its URL, which holds the
// access key and the signature, out of the error.
func TestS3PollErrorHidesURL(t *testing.T) {
	srv := miniotest.Start(t)
	b, _ := newPollBackend(t, srv, "vault")
	ctx, cancel := context.WithCancel(t.Context())
	b.http = cancelFirst{next: b.http, cancel: cancel}
	_, _, err := b.Poll("k").IfNoneMatch(ctx, `"old"`)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("read with its context cancelled: %v, want context.Canceled", err)
	}
	for _, s := range []string{"X-Amz-Signature", "X-Amz-Credential", srv.AccessKey} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q holds %q", err, s)
		}
	}
}
