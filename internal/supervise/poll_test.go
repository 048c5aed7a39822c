package supervise

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vsync/internal/runtimevault"
	"vsync/internal/testsupport"
	"vsync/s3bundle"
	"vsync/vault"
)

// countingBackend counts the reads the poller makes.
type countingBackend struct {
	s3bundle.Backend
	reads atomic.Int64
}

func (c *countingBackend) GetIfNoneMatch(ctx context.Context, key, etag string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	c.reads.Add(1)
	return c.Backend.GetIfNoneMatch(ctx, key, etag)
}

func (c *countingBackend) Get(ctx context.Context, key string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	c.reads.Add(1)
	return c.Backend.Get(ctx, key)
}

func TestPollerReadsOnceAndRefusesOnce(t *testing.T) {
	dir, err := s3bundle.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	be := &countingBackend{Backend: dir}
	st := &s3bundle.Store{Backend: be, Prefix: "app", Env: "prod"}
	ctx := t.Context()
	commit := func(gen uint64, pass, dotenv string) []byte {
		t.Helper()
		raw := testsupport.SealedBundle(t, "prod", gen, pass, vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte(dotenv)},
			vault.File{Path: "cert.pem", Mode: 0o600, Data: []byte(fmt.Sprint("cert ", gen))})
		_, cur, err := st.Tip(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Commit(ctx, gen, raw, cur); err != nil {
			t.Fatal(err)
		}
		return raw
	}
	commit(1, "pw", "A=1\n")
	var lines []string
	var kept [][]byte
	var confirmed []string
	p := &poller{
		st: st, pass: []byte("pw"), source: "token", interval: time.Second, gen: 1,
		found: make(chan *runtimevault.Loaded, 1),
		say:   func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) },
		cache: &fakeCache{kept: &kept, confirmed: &confirmed},
	}
	nothingFound := func() {
		t.Helper()
		select {
		case lv := <-p.found:
			t.Fatalf("found generation %d", lv.Generation)
		default:
		}
	}
	// Started without an ETag (from a cache): one full read, same
	// generation, nothing to hand on; then one conditional read per poll.
	p.poll(ctx)
	nothingFound()
	for range 5 {
		p.poll(ctx)
	}
	nothingFound()
	if n := be.reads.Load(); n != 6 {
		t.Errorf("%d reads for 6 polls", n)
	}
	// Each "not modified" confirms the bundle by the ETag polled with.
	if cur, err := st.Current(ctx); err != nil || len(confirmed) != 5 || confirmed[0] != cur.ETag || confirmed[4] != cur.ETag {
		t.Errorf("confirmed %q, want 5 times current.pgp's ETag (%v)", confirmed, err)
	}

	raw2 := commit(2, "pw", "A=2\n")
	p.poll(ctx)
	select {
	case lv := <-p.found:
		if lv.Generation != 2 || string(lv.Dotenv) != "A=2\n" || len(lv.Files) != 1 || lv.Store != st || lv.Source != "token" {
			t.Errorf("found %+v", lv)
		}
	default:
		t.Fatal("generation 2 not found")
	}
	if len(kept) != 1 || !bytes.Equal(kept[0], raw2) {
		t.Errorf("cache kept %d bundles, want generation 2 as stored", len(kept))
	}

	commit(3, "another passphrase", "A=CANARY_3\n")
	before := be.reads.Load()
	for range 3 {
		p.poll(ctx)
	}
	nothingFound()
	if n := be.reads.Load() - before; n != 3 {
		t.Errorf("%d reads for 3 polls", n)
	}
	want := "vsync: generation 3: refused: wrong passphrase; keeping generation 2"
	if strings.Join(lines, "\n") != want {
		t.Errorf("lines %q, want once %q", lines, want)
	}
	if len(kept) != 1 {
		t.Error("a refused bundle was cached")
	}
}

func TestPollerSaysOnceWhenUnreadable(t *testing.T) {
	root := t.TempDir()
	dir, err := s3bundle.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	st := &s3bundle.Store{Backend: dir, Prefix: "app", Env: "prod"}
	var lines []string
	p := &poller{
		st: st, pass: []byte("pw"), interval: time.Second, gen: 4, etag: "x",
		found: make(chan *runtimevault.Loaded, 1),
		say:   func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) },
	}
	for range 3 {
		p.poll(t.Context()) // nothing pushed: ErrNotExist
	}
	raw := testsupport.SealedBundle(t, "prod", 4, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("A=4\n")})
	if err := st.Commit(t.Context(), 4, raw, s3bundle.ObjectInfo{}); err != nil {
		t.Fatal(err)
	}
	p.poll(t.Context())
	want := "vsync: watch: cannot read current.pgp: nothing pushed to the env; keeping generation 4\n" +
		"vsync: watch: current.pgp readable again"
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
}

func TestJitteredStaysWithinTenPercent(t *testing.T) {
	lo, hi := time.Hour, time.Duration(0)
	for range 10000 {
		d := jittered(30 * time.Second)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 27*time.Second || hi > 33*time.Second {
		t.Errorf("jitter range [%v, %v], want within [27s, 33s]", lo, hi)
	}
	if hi-lo < 5*time.Second {
		t.Errorf("jitter range [%v, %v] too narrow: polls would stay in step", lo, hi)
	}
}

// breakingBackend serves the first read of each object cut short by a
// transport error, as a connection reset in the middle of a body.
type breakingBackend struct {
	s3bundle.Backend
	broken bool
}

func (b *breakingBackend) GetIfNoneMatch(ctx context.Context, key, etag string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	rc, info, err := b.Backend.GetIfNoneMatch(ctx, key, etag)
	if err != nil || b.broken {
		return rc, info, err
	}
	b.broken = true
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, info.Size/2), iotestErrReader{}), rc}, info, nil
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("connection reset by peer") }

// TestPollerRetriesABrokenTransfer: a body cut off by the network is not
// a tampered bundle: the poll says the bucket could not be read, and the
// next poll reads the generation again and hands it on.
func TestPollerRetriesABrokenTransfer(t *testing.T) {
	dir, err := s3bundle.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	st := &s3bundle.Store{Backend: &breakingBackend{Backend: dir}, Prefix: "app", Env: "prod"}
	raw := testsupport.SealedBundle(t, "prod", 2, "pw", vault.File{Path: ".env.prod", Mode: 0o600, Data: []byte("A=2\n")})
	if err := st.Commit(t.Context(), 2, raw, s3bundle.ObjectInfo{}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	p := &poller{
		st: st, pass: []byte("pw"), interval: time.Second, gen: 1, etag: "old",
		found: make(chan *runtimevault.Loaded, 1),
		say:   func(format string, a ...any) { lines = append(lines, fmt.Sprintf(format, a...)) },
	}
	p.poll(t.Context())
	select {
	case lv := <-p.found:
		t.Fatalf("a broken transfer was handed on as generation %d", lv.Generation)
	default:
	}
	p.poll(t.Context())
	select {
	case lv := <-p.found:
		if lv.Generation != 2 {
			t.Errorf("found generation %d", lv.Generation)
		}
	default:
		t.Fatal("generation 2 was not read again after the broken transfer")
	}
	want := "vsync: watch: cannot read current.pgp: bucket unreachable; keeping generation 1\n" +
		"vsync: watch: current.pgp readable again"
	if got := strings.Join(lines, "\n"); got != want {
		t.Errorf("lines:\n%s\nwant:\n%s", got, want)
	}
}
