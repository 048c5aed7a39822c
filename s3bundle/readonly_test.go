package s3bundle_test

import (
	"context"
	"errors"
	"testing"

	"vsync/s3bundle"
)

// TestCheckReadOnly: a missing current.pgp is a *NoCurrentError; the
// directory backend's credentials (the operator's) can write, which the
// write probe's 412 tells, and nothing is written.
func TestCheckReadOnly(t *testing.T) {
	ctx := context.Background()
	b, err := s3bundle.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := &s3bundle.Store{Backend: b, Prefix: "app", Env: "prod"}
	var nc *s3bundle.NoCurrentError
	if info, err := s.CheckReadOnly(ctx); info != nil || !errors.As(err, &nc) || !errors.Is(err, s3bundle.ErrNotExist) || nc.Env != "prod" {
		t.Fatalf("no current.pgp: %v, %v", info, err)
	}
	if _, err := b.Put(ctx, s.CurrentKey(), []byte("one"), s3bundle.PutOptions{Generation: 1}); err != nil {
		t.Fatal(err)
	}
	info, err := s.CheckReadOnly(ctx)
	var cw *s3bundle.CanWriteError
	if info == nil || info.Generation != 1 || !errors.As(err, &cw) || cw.Accepted || !errors.Is(err, s3bundle.ErrCanWrite) {
		t.Fatalf("writable: %v, %v", info, err)
	}
	if info, _ := s.Current(ctx); info.Size != 3 {
		t.Errorf("the probe wrote: size %d", info.Size)
	}
}
