package history

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"

	"vsync/internal/miniotest"
	"vsync/internal/testsupport"
	"vsync/s3bundle"
	"vsync/vault"
)

// replacingStreamer is a Streamer whose bucket has another writer: before
// each Copy it overwrites the copy's source with other, unconditionally
// (a server that ignores If-None-Match, or a hostile key).
type replacingStreamer struct {
	s3bundle.Streamer
	other []byte
}

func (r *replacingStreamer) Copy(ctx context.Context, src s3bundle.ObjectInfo, key string, opts s3bundle.PutOptions) (s3bundle.ObjectInfo, error) {
	if _, err := r.Put(ctx, src.Key, r.other, s3bundle.PutOptions{Generation: opts.Generation}); err != nil {
		return s3bundle.ObjectInfo{}, err
	}
	return r.Streamer.Copy(ctx, src, key, opts)
}

// TestPushStreamedReplaced: a big push whose generation another writer
// replaced after its upload (on real MinIO) is a *PushConflictError, not a
// push stored and left unpublished; current.pgp still holds generation 1.
func TestPushStreamedReplaced(t *testing.T) {
	ctx := context.Background()
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	be := testsupport.MinioBackend(t, srv, "vault").(s3bundle.Streamer)
	e := &Env{
		Store:      &s3bundle.Store{Backend: &replacingStreamer{Streamer: be, other: []byte("someone else's")}, Prefix: "app", Env: "prod"},
		Passphrase: []byte(testPass),
		Location:   "s3://vault/app/prod",
	}
	push(t, e, "first")
	_, cur, err := e.Store.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, s3bundle.StreamMin+1<<20)
	rand.Read(data)
	files := []vault.File{{Path: "big", Data: data, Mode: 0o600}}
	b := NewGeneration("prod", 1, "", "bob@example.com", "big", files)
	p, err := e.Push(ctx, b, cur, SealOptions(e.Passphrase, 1024, 0), t.TempDir(), int64(len(data)))
	var pc *PushConflictError
	if !errors.As(err, &pc) || pc.Gen != 2 || !errors.Is(err, s3bundle.ErrConflict) || errors.Is(err, s3bundle.ErrNotPublished) {
		t.Fatalf("push of a generation replaced meanwhile: %+v %v, want a *PushConflictError for generation 2", p, err)
	}
	if now, err := e.Store.Current(ctx); err != nil || now.ETag != cur.ETag || now.Generation != 1 {
		t.Errorf("current.pgp after the conflict: %+v %v, want generation 1 unchanged", now, err)
	}
}
