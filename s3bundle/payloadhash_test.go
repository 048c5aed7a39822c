package s3bundle_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// TestS3PutSHA256: a Put given the data's SHA-256 stores the data; given a
// wrong one the server refuses the body and nothing is stored — the hash
// is signed, not trusted.
func TestS3PutSHA256(t *testing.T) {
	srv := miniotest.Start(t)
	b := newS3(t, srv, "signed")
	ctx := context.Background()
	data := []byte("ciphertext of a generation")
	sum := sha256.Sum256(data)
	if _, err := b.Put(ctx, "right", data, s3bundle.PutOptions{SHA256: hex.EncodeToString(sum[:])}); err != nil {
		t.Fatalf("put with the right hash: %v", err)
	}
	rc, _, err := b.Get(ctx, "right")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(got) != string(data) {
		t.Fatalf("get: %q, %v", got, err)
	}
	wrong := sha256.Sum256([]byte("something else"))
	if _, err := b.Put(ctx, "wrong", data, s3bundle.PutOptions{SHA256: hex.EncodeToString(wrong[:])}); err == nil {
		t.Fatal("put with a wrong hash succeeded")
	}
	if _, err := b.Head(ctx, "wrong"); !errors.Is(err, s3bundle.ErrNotExist) {
		t.Fatalf("after a refused put: %v, want ErrNotExist", err)
	}
}
