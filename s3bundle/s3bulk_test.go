package s3bundle

import (
	"errors"
	"io"
	"testing"

	"vsync/internal/miniotest"
	"vsync/internal/seaweedtest"
)

// TestS3Bulk: a Bulk reads each object with one GET of its own (not the
// SDK's), which the server answers (200: not read again through the SDK),
// with the same bytes and info as S3.Get, keys that need escaping
// included; a missing key is ErrNotExist (through S3.Get). On MinIO and
// SeaweedFS.
func TestS3Bulk(t *testing.T) {
	for name, srv := range map[string]*miniotest.Server{"MinIO": miniotest.Start(t), "SeaweedFS": seaweedtest.Start(t)} {
		t.Run(name, func(t *testing.T) { testS3Bulk(t, srv) })
	}
}

func testS3Bulk(t *testing.T, srv *miniotest.Server) {
	b, doer := newPollBackend(t, srv, "bulk")
	ctx := t.Context()
	keys := []string{"app/prod/generations/0000000001.pgp", "app/prod/generations/0000000002.pgp", "odd keys/a+b=c&d%e~f é.pgp"}
	for i, k := range keys {
		if _, err := b.Put(ctx, k, []byte("object "+k), PutOptions{Generation: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	bulk := b.Bulk()
	for i, k := range keys {
		rc, info, err := bulk.Get(ctx, k)
		if err != nil {
			t.Fatalf("Get(%q): %v", k, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		head, herr := b.Head(ctx, k)
		if err != nil || herr != nil || string(data) != "object "+k {
			t.Fatalf("Get(%q) = %q, %v, %v", k, data, err, herr)
		}
		if info.Key != k || info.ETag != head.ETag || info.Size != head.Size || info.Generation != uint64(i+1) {
			t.Errorf("Get(%q) info %+v, want %+v", k, info, head)
		}
	}
	if n, ok := doer.n.Load(), doer.ok.Load(); n != int64(len(keys)) || ok != n {
		t.Errorf("%d GETs of the Bulk, %d of them answered 200, for %d objects", n, ok, len(keys))
	}
	if _, _, err := bulk.Get(ctx, "app/prod/generations/0000000009.pgp"); !errors.Is(err, ErrNotExist) {
		t.Errorf("missing key: %v", err)
	}
	if _, _, err := bulk.Get(ctx, "../x"); !errors.Is(err, ErrBadKey) {
		t.Errorf("bad key: %v", err)
	}
}

// TestS3BulkRefused: a GET of the Bulk the server refuses (here: signed for
// another service) is read again through S3.Get, and the Bulk then keeps
// to S3.Get.
func TestS3BulkRefused(t *testing.T) {
	srv := miniotest.Start(t)
	b, doer := newPollBackend(t, srv, "refused")
	ctx := t.Context()
	for _, k := range []string{"a", "b"} {
		if _, err := b.Put(ctx, k, []byte(k), PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bulk := b.Bulk().(*s3Bulk)
	tmpl := bulk.template(ctx, "a")
	if tmpl == nil {
		t.Fatal("no template")
	}
	tmpl.service = "nothing"
	for _, k := range []string{"a", "b", "a"} {
		rc, _, err := bulk.Get(ctx, k)
		if err != nil {
			t.Fatalf("Get(%q): %v", k, err)
		}
		data, _ := io.ReadAll(rc)
		rc.Close()
		if string(data) != k {
			t.Errorf("Get(%q) = %q", k, data)
		}
	}
	if n := doer.n.Load(); n != 1 {
		t.Errorf("%d presigned GETs, want 1 (the refused one)", n)
	}
}
