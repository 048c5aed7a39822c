package s3bundle_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"vsync/internal/miniotest"
	"vsync/internal/seaweedtest"
	"vsync/s3bundle"
)

// eachS3 runs fn on a fresh bucket of a real MinIO and of a real SeaweedFS.
func eachS3(t *testing.T, fn func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3)) {
	t.Run("MinIO", func(t *testing.T) {
		srv := miniotest.Start(t)
		fn(t, srv, newS3(t, srv, "vault"))
	})
	t.Run("SeaweedFS", func(t *testing.T) {
		srv := seaweedtest.Start(t)
		fn(t, srv, newS3(t, srv, "vault"))
	})
}

// bigData is n pseudo-random bytes (more than one part from 8 MiB on).
func bigData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// upload writes data to a new upload at key in odd-sized writes.
func upload(t *testing.T, b *s3bundle.S3, key string, data []byte, opts s3bundle.PutOptions) s3bundle.Upload {
	t.Helper()
	u, err := b.NewUpload(t.Context(), key, opts)
	if err != nil {
		t.Fatalf("NewUpload: %v", err)
	}
	for p := data; len(p) > 0; {
		n := min(len(p), 100_003)
		if _, err := u.Write(p[:n]); err != nil {
			u.Abort()
			t.Fatalf("Write: %v", err)
		}
		p = p[n:]
	}
	return u
}

// noUploads fails the test when the bucket holds a multipart upload in
// progress (parts stored, never completed nor aborted).
func noUploads(t *testing.T, srv *miniotest.Server, bucket string) {
	t.Helper()
	out, err := srv.Client().ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads: %v", err)
	}
	for _, u := range out.Uploads {
		t.Errorf("upload left behind: %s (%s)", aws.ToString(u.Key), aws.ToString(u.UploadId))
	}
}

func mustPut(t *testing.T, b s3bundle.Backend, key string, data []byte, opts s3bundle.PutOptions) s3bundle.ObjectInfo {
	t.Helper()
	info, err := b.Put(t.Context(), key, data, opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return info
}

func wantObject(t *testing.T, b s3bundle.Backend, key string, data []byte, gen uint64) s3bundle.ObjectInfo {
	t.Helper()
	rc, info, err := b.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("%s: %d bytes, not the %d written", key, len(got), len(data))
	}
	if info.Generation != gen || info.Size != int64(len(data)) {
		t.Errorf("%s: generation %d size %d, want %d and %d", key, info.Generation, info.Size, gen, len(data))
	}
	return info
}

func TestS3UploadParts(t *testing.T) {
	eachS3(t, func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3) {
		data := bigData(3*s3bundle.StreamMin+12345, 1)
		info, err := upload(t, b, "app/prod/generations/0000000001.pgp", data, s3bundle.PutOptions{IfNoneMatch: true, Generation: 1}).Complete()
		if err != nil {
			t.Fatalf("Complete: %v", err)
		}
		got := wantObject(t, b, info.Key, data, 1)
		if got.ETag != info.ETag || info.Size != int64(len(data)) || info.Generation != 1 {
			t.Errorf("Complete returned %+v, the object is %+v", info, got)
		}
		noUploads(t, srv, "vault")
	})
}

// TestS3UploadRaceLoser: two uploads of one key with If-None-Match: one
// Complete wins, the other is ErrConflict, the winner's bytes stay, and
// the loser leaves no upload behind.
func TestS3UploadRaceLoser(t *testing.T) {
	eachS3(t, func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3) {
		const key = "app/prod/generations/0000000002.pgp"
		opts := s3bundle.PutOptions{IfNoneMatch: true, Generation: 2}
		data := [2][]byte{bigData(s3bundle.StreamMin+1, 2), bigData(s3bundle.StreamMin+2, 3)}
		ups := [2]s3bundle.Upload{upload(t, b, key, data[0], opts), upload(t, b, key, data[1], opts)}
		var wg sync.WaitGroup
		var errs [2]error
		for i := range 2 {
			wg.Go(func() { _, errs[i] = ups[i].Complete() })
		}
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner < 0:
				winner = i
			case errors.Is(err, s3bundle.ErrConflict):
			default:
				t.Fatalf("upload %d: %v, want nil or ErrConflict (the other: %v)", i, err, errs[1-i])
			}
		}
		if winner < 0 {
			t.Fatalf("no upload won: %v", errs)
		}
		wantObject(t, b, key, data[winner], 2)
		noUploads(t, srv, "vault")
	})
}

func TestS3UploadAbort(t *testing.T) {
	eachS3(t, func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3) {
		const key = "app/prod/generations/0000000001.pgp"
		u := upload(t, b, key, bigData(2*s3bundle.StreamMin+7, 4), s3bundle.PutOptions{IfNoneMatch: true, Generation: 1})
		u.Abort()
		if _, err := b.Head(t.Context(), key); !errors.Is(err, s3bundle.ErrNotExist) {
			t.Errorf("after Abort, Head: %v, want ErrNotExist", err)
		}
		if _, err := u.Complete(); err == nil {
			t.Error("Complete after Abort succeeded")
		}
		noUploads(t, srv, "vault")
	})
}

// TestS3UploadPartFails: a part that cannot be sent (the server is
// stopped past the timeout) fails the upload; Complete reports it, stores
// nothing and, the server back, leaves no upload behind.
func TestS3UploadPartFails(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	cfg := s3Config(srv, "vault")
	cfg.Timeout, cfg.MaxAttempts = 2*time.Second, 1
	b := mustS3(t, cfg)
	const key = "app/prod/generations/0000000001.pgp"
	u := upload(t, b, key, bigData(s3bundle.StreamMin, 5), s3bundle.PutOptions{IfNoneMatch: true, Generation: 1})
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	var werr error
	for range 4 { // the failure shows at the latest once the workers are busy
		if _, werr = u.Write(bigData(s3bundle.StreamMin, 6)); werr != nil {
			break
		}
	}
	time.Sleep(3 * time.Second) // past the timeout of the parts in flight
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	_, err := u.Complete()
	if !errors.Is(err, s3bundle.ErrUnreachable) {
		t.Errorf("Complete: %v (Write: %v), want ErrUnreachable", err, werr)
	}
	if _, err := b.Head(t.Context(), key); !errors.Is(err, s3bundle.ErrNotExist) {
		t.Errorf("after a failed upload, Head: %v, want ErrNotExist", err)
	}
	noUploads(t, srv, "vault")
}

// TestS3Copy: a conditional copy within the bucket; a lost condition is
// ErrConflict and changes nothing; a source that changed is an error that
// is not ErrConflict; no upload is left behind.
func TestS3Copy(t *testing.T) {
	eachS3(t, func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3) {
		ctx := t.Context()
		data := bigData(s3bundle.StreamMin+99, 7)
		src := mustPut(t, b, "app/prod/generations/0000000002.pgp", data, s3bundle.PutOptions{IfNoneMatch: true, Generation: 2})
		old := mustPut(t, b, "app/prod/current.pgp", []byte("generation 1"), s3bundle.PutOptions{IfNoneMatch: true, Generation: 1})

		if _, err := b.Copy(ctx, src, old.Key, s3bundle.PutOptions{IfMatch: `"0123456789abcdef0123456789abcdef"`, Generation: 2}); !errors.Is(err, s3bundle.ErrConflict) {
			t.Errorf("Copy with a stale If-Match: %v, want ErrConflict", err)
		}
		if _, err := b.Copy(ctx, src, old.Key, s3bundle.PutOptions{IfNoneMatch: true, Generation: 2}); !errors.Is(err, s3bundle.ErrConflict) {
			t.Errorf("Copy with If-None-Match onto an object: %v, want ErrConflict", err)
		}
		stale := src
		stale.ETag = old.ETag
		if _, err := b.Copy(ctx, stale, old.Key, s3bundle.PutOptions{IfMatch: old.ETag, Generation: 2}); err == nil || errors.Is(err, s3bundle.ErrConflict) {
			t.Errorf("Copy of a source whose ETag changed: %v, want an error that is not ErrConflict", err)
		}
		wantObject(t, b, old.Key, []byte("generation 1"), 1)

		info, err := b.Copy(ctx, src, old.Key, s3bundle.PutOptions{IfMatch: old.ETag, Generation: 2})
		if err != nil {
			t.Fatalf("Copy: %v", err)
		}
		if got := wantObject(t, b, old.Key, data, 2); got.ETag != info.ETag {
			t.Errorf("Copy returned ETag %s, the object has %s", info.ETag, got.ETag)
		}
		noUploads(t, srv, "vault")
	})
}

// TestStoreCommitStream: a big bundle is a multipart generation and a
// copy of it in current.pgp; a small one is two PUTs (no multipart ETag);
// a second push of a generation loses and leaves nothing behind; an error
// of the writer stores nothing.
func TestStoreCommitStream(t *testing.T) {
	eachS3(t, func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3) {
		ctx := t.Context()
		s := &s3bundle.Store{Backend: b, Prefix: "team", Env: "prod"}
		if !s.Streams() {
			t.Fatal("the S3 backend does not stream")
		}
		small := []byte("a small bundle")
		if err := s.CommitStream(ctx, 1, s3bundle.ObjectInfo{}, writeAllOf(small)); err != nil {
			t.Fatalf("CommitStream 1: %v", err)
		}
		if cur := wantObject(t, b, s.CurrentKey(), small, 1); strings.Contains(cur.ETag, "-") {
			t.Errorf("a small bundle was uploaded in parts (ETag %s)", cur.ETag)
		}
		gen, cur := tip(t, s)
		big := bigData(2*s3bundle.StreamMin+5, 8)
		if err := s.CommitStream(ctx, gen+1, cur, writeAllOf(big)); err != nil {
			t.Fatalf("CommitStream 2: %v", err)
		}
		wantObject(t, b, s.GenerationKey(2), big, 2)
		if cur := wantObject(t, b, s.CurrentKey(), big, 2); !strings.HasSuffix(strings.Trim(cur.ETag, `"`), "-1") {
			t.Errorf("current.pgp is not a one-part copy (ETag %s)", cur.ETag)
		}

		// A push that lost the race for generation 2.
		other := bigData(s3bundle.StreamMin+3, 9)
		err := s.CommitStream(ctx, 2, cur, writeAllOf(other))
		if !errors.Is(err, s3bundle.ErrConflict) || errors.Is(err, s3bundle.ErrNotPublished) {
			t.Errorf("CommitStream of a taken generation: %v, want ErrConflict", err)
		}
		// A writer that fails after some parts were sent.
		boom := errors.New("sealing failed")
		err = s.CommitStream(ctx, 3, cur, func(w io.Writer) error {
			if err := writeAllOf(other)(w); err != nil {
				return err
			}
			return boom
		})
		if err != boom {
			t.Errorf("CommitStream with a failing writer: %v, want its error", err)
		}
		if _, err := b.Head(ctx, s.GenerationKey(3)); !errors.Is(err, s3bundle.ErrNotExist) {
			t.Errorf("generation 3 after a failed write: %v, want ErrNotExist", err)
		}
		wantObject(t, b, s.GenerationKey(2), big, 2)
		wantObject(t, b, s.CurrentKey(), big, 2)
		noUploads(t, srv, "vault")
	})
}

// TestStoreCommitStreamRace: pushes racing for the next generations, in
// parts: every generation is written once, current.pgp ends at the newest
// and never names a missing one.
func TestStoreCommitStreamRace(t *testing.T) {
	srv := miniotest.Start(t)
	b := newS3(t, srv, "vault")
	s := &s3bundle.Store{Backend: b, Env: "prod"}
	ctx := context.Background()
	const pushers = 4
	var wg sync.WaitGroup
	won := make([][]uint64, pushers)
	for i := range pushers {
		wg.Go(func() {
			for range 3 {
				gen, cur, err := s.Tip(ctx)
				if err != nil {
					t.Errorf("Tip: %v", err)
					return
				}
				data := bigData(s3bundle.StreamMin+1+1000*i, uint64(100*i)+gen)
				err = s.CommitStream(ctx, gen+1, cur, func(w io.Writer) error { _, err := w.Write(data); return err })
				switch {
				case err == nil:
					won[i] = append(won[i], gen+1)
				case errors.Is(err, s3bundle.ErrConflict) && !errors.Is(err, s3bundle.ErrNotPublished):
				default:
					t.Errorf("CommitStream %d: %v", gen+1, err)
				}
			}
		})
	}
	wg.Wait()
	seen := map[uint64]bool{}
	var newest uint64
	for _, gens := range won {
		for _, g := range gens {
			if seen[g] {
				t.Errorf("generation %d committed twice", g)
			}
			seen[g], newest = true, max(newest, g)
		}
	}
	gen, cur := tip(t, s)
	if gen != newest || cur.Generation != newest {
		t.Errorf("tip %d, current.pgp %d, want the newest committed, %d", gen, cur.Generation, newest)
	}
	noUploads(t, srv, "vault")
}

// TestStoreTipCopiesForward: a big generation stored without its
// current.pgp (a push that died after the commit point) is copied forward
// by Tip within the bucket, conditionally on the current.pgp it read.
func TestStoreTipCopiesForward(t *testing.T) {
	eachS3(t, func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3) {
		s := &s3bundle.Store{Backend: b, Env: "prod"}
		mustPut(t, b, s.GenerationKey(1), []byte("one"), s3bundle.PutOptions{IfNoneMatch: true, Generation: 1})
		mustPut(t, b, s.CurrentKey(), []byte("one"), s3bundle.PutOptions{IfNoneMatch: true, Generation: 1})
		big := bigData(s3bundle.StreamMin+77, 11)
		if _, err := upload(t, b, s.GenerationKey(2), big, s3bundle.PutOptions{IfNoneMatch: true, Generation: 2}).Complete(); err != nil {
			t.Fatal(err)
		}
		gen, cur := tip(t, s)
		if gen != 2 || cur.Generation != 2 {
			t.Fatalf("Tip = %d, current.pgp %d; want 2", gen, cur.Generation)
		}
		if got := wantObject(t, b, s.CurrentKey(), big, 2); !strings.HasSuffix(strings.Trim(got.ETag, `"`), "-1") || got.ETag != cur.ETag {
			t.Errorf("current.pgp ETag %s (Tip said %s): not a copy", got.ETag, cur.ETag)
		}
		noUploads(t, srv, "vault")
	})
}
