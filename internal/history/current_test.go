package history

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"vsync/s3bundle"
	"vsync/vault"
)

// cutBackend serves one object whose body stops after cut bytes with err
// (io.EOF: a stored object that is short).
type cutBackend struct {
	s3bundle.Backend // nil: only Get and String are called
	data             []byte
	cut              int
	err              error
}

func (b cutBackend) Get(context.Context, string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	r := io.MultiReader(bytes.NewReader(b.data[:b.cut]), errReader{b.err})
	return io.NopCloser(r), s3bundle.ObjectInfo{Size: int64(len(b.data))}, nil
}

func (cutBackend) String() string { return "test:" }

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// A body that stops arriving is the bucket not answering
// (s3bundle.ErrUnreachable: a cache may serve); a stored bundle that is
// short is damaged (vault.ErrIntegrity).
func TestFetchCurrentCutBody(t *testing.T) {
	e := newTestEnv(t, 1)
	raw, _, err := ReadObject(context.Background(), e.Store.Backend, e.Store.CurrentKey(), 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err         error
		unreachable bool
	}{
		{io.EOF, false},
		{io.ErrUnexpectedEOF, true},
		{context.DeadlineExceeded, true},
		{errors.New("read tcp: connection reset by peer"), true},
	} {
		for _, keep := range []bool{false, true} {
			st := &s3bundle.Store{Backend: cutBackend{data: raw, cut: len(raw) / 2, err: tc.err}, Prefix: "app", Env: "prod"}
			_, _, _, err := FetchCurrent(context.Background(), st, []byte(testPass), keep)
			if errors.Is(err, s3bundle.ErrUnreachable) != tc.unreachable || !tc.unreachable && !errors.Is(err, vault.ErrIntegrity) {
				t.Errorf("body cut with %v (keep %v): %v, want unreachable %v", tc.err, keep, err, tc.unreachable)
			}
		}
	}
	st := &s3bundle.Store{Backend: cutBackend{data: raw, cut: len(raw), err: io.EOF}, Prefix: "app", Env: "prod"}
	b, got, _, err := FetchCurrent(context.Background(), st, []byte(testPass), true)
	if err != nil || b.Manifest.Generation != 1 || !bytes.Equal(got, raw) {
		t.Fatalf("whole body: %v, kept %d of %d bytes", err, len(got), len(raw))
	}
}
