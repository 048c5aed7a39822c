package status

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"vsync/s3bundle"
)

// dirStore is a Store of env "prod" on a directory backend whose
// current.pgp, when gen is not 0, is at generation gen.
func dirStore(t *testing.T, gen uint64) *s3bundle.Store {
	t.Helper()
	be, err := s3bundle.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := &s3bundle.Store{Backend: be, Prefix: "app", Env: "prod"}
	if gen != 0 {
		if _, err := be.Put(context.Background(), st.CurrentKey(), []byte("bundle"), s3bundle.PutOptions{Generation: gen}); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// TestCompare: fresh at the bucket's generation or above, stale below,
// unknown with the reason when nothing was pushed.
func TestCompare(t *testing.T) {
	ctx := context.Background()
	st := dirStore(t, 3)
	for gen, want := range map[uint64]string{3: Fresh, 4: Fresh, 2: Stale} {
		if r := compare(ctx, st, gen); r.Status != want || r.RemoteGeneration != 3 || r.Env != "prod" {
			t.Errorf("Compare at %d: %+v, want %s", gen, r, want)
		}
	}
	if r := compare(ctx, dirStore(t, 0), 1); r.Status != Unknown || r.Reason != "nothing pushed to the env" {
		t.Errorf("Compare of an empty env: %+v", r)
	}
}

// TestOfTokenNotRunning: without a generation and with no vsync of the
// vault running, the report is a *NotRunningError naming the env; the
// store is not opened.
func TestOfTokenNotRunning(t *testing.T) {
	_, err := OfToken(context.Background(), TokenQuery{Env: "prod", Location: "s3://b/app/prod", PrivateBase: t.TempDir(),
		OpenStore: func(context.Context) (*s3bundle.Store, error) {
			t.Error("OpenStore called")
			return nil, errors.New("no")
		}})
	var nr *NotRunningError
	if !errors.As(err, &nr) || nr.Env != "prod" {
		t.Fatalf("OfToken: %v, want a *NotRunningError for prod", err)
	}
}

// TestOfTokenAsksItsVault: of two vsyncs running env prod, the one of
// the token's vault answers; another vault's never does.
func TestOfTokenAsksItsVault(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base := t.TempDir()
	serve := func(dir, location string, gen uint64) {
		if err := os.Mkdir(filepath.Join(base, dir), 0o700); err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("unix", filepath.Join(base, dir, SocketName))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		s := &Server{Location: location, Report: func(context.Context) Report {
			return Report{Status: Fresh, Env: "prod", Generation: gen}
		}}
		go s.Serve(ctx, ln)
	}
	serve("vsync-1-a", "s3://other/app/prod", 7)
	serve("vsync-2-b", "s3://b/app/prod", 5)
	r, err := OfToken(ctx, TokenQuery{Env: "prod", Location: "s3://b/app/prod", PrivateBase: base})
	if err != nil || r.Generation != 5 {
		t.Fatalf("OfToken: %+v, %v; want generation 5 from the token's vault", r, err)
	}
}

// TestOfTokenWithGeneration: with a generation, the token's store is
// compared with it.
func TestOfTokenWithGeneration(t *testing.T) {
	st := dirStore(t, 4)
	r, err := OfToken(context.Background(), TokenQuery{Env: "prod", Generation: 3,
		OpenStore: func(context.Context) (*s3bundle.Store, error) { return st, nil }})
	if err != nil || r.Status != Stale || r.RemoteGeneration != 4 {
		t.Fatalf("OfToken: %+v, %v; want stale against 4", r, err)
	}
}
