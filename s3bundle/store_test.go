package s3bundle_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sync"
	"testing"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// eachBackend runs fn on a fresh Dir backend and on a fresh bucket of a real
// MinIO.
func eachBackend(t *testing.T, fn func(t *testing.T, b s3bundle.Backend)) {
	t.Run("Dir", func(t *testing.T) { fn(t, newDir(t)) })
	t.Run("S3", func(t *testing.T) {
		srv := miniotest.Start(t)
		fn(t, newS3(t, srv, "vault"))
	})
}

func TestStoreKeys(t *testing.T) {
	s := &s3bundle.Store{Prefix: "team/app", Env: "prod"}
	if got := s.CurrentKey(); got != "team/app/prod/current.pgp" {
		t.Errorf("CurrentKey = %q", got)
	}
	if got := s.GenerationKey(42); got != "team/app/prod/generations/0000000042.pgp" {
		t.Errorf("GenerationKey = %q", got)
	}
	s = &s3bundle.Store{Env: "dev"}
	if got := s.CurrentKey(); got != "dev/current.pgp" {
		t.Errorf("CurrentKey without prefix = %q", got)
	}
	if got := s.GenerationKey(1); got != "dev/generations/0000000001.pgp" {
		t.Errorf("GenerationKey without prefix = %q", got)
	}
}

func read(t *testing.T, s *s3bundle.Store, gen uint64) (string, s3bundle.ObjectInfo) {
	t.Helper()
	rc, info, err := s.Open(t.Context(), gen)
	if err != nil {
		t.Fatalf("Open(%d): %v", gen, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), info
}

func tip(t *testing.T, s *s3bundle.Store) (uint64, s3bundle.ObjectInfo) {
	t.Helper()
	gen, cur, err := s.Tip(t.Context())
	if err != nil {
		t.Fatalf("Tip: %v", err)
	}
	return gen, cur
}

func TestStoreSequentialCommits(t *testing.T) {
	eachBackend(t, func(t *testing.T, b s3bundle.Backend) {
		s := &s3bundle.Store{Backend: b, Prefix: "app", Env: "prod"}
		ctx := t.Context()
		if _, err := s.Current(ctx); !errors.Is(err, s3bundle.ErrNotExist) {
			t.Fatalf("Current on empty store: %v", err)
		}
		if _, _, err := s.Open(ctx, 0); !errors.Is(err, s3bundle.ErrNotExist) {
			t.Fatalf("Open(0) on empty store: %v", err)
		}
		if gen, cur := tip(t, s); gen != 0 || cur != (s3bundle.ObjectInfo{}) {
			t.Fatalf("Tip on empty store = %d, %+v", gen, cur)
		}
		for want := uint64(1); want <= 3; want++ {
			gen, cur := tip(t, s)
			if gen != want-1 {
				t.Fatalf("Tip = %d, want %d", gen, want-1)
			}
			if err := s.Commit(ctx, gen+1, fmt.Appendf(nil, "bundle %d", gen+1), cur); err != nil {
				t.Fatalf("Commit(%d): %v", gen+1, err)
			}
			info, err := s.Current(ctx)
			if err != nil || info.Generation != want {
				t.Fatalf("Current after commit %d: %+v, %v", want, info, err)
			}
		}
		gens, err := s.Generations(ctx)
		if err != nil || !slices.Equal(gens, []uint64{1, 2, 3}) {
			t.Fatalf("Generations = %v, %v", gens, err)
		}
		if data, info := read(t, s, 0); data != "bundle 3" || info.Generation != 3 {
			t.Errorf("Open(0) = %q gen %d", data, info.Generation)
		}
		if data, info := read(t, s, 2); data != "bundle 2" || info.Generation != 2 {
			t.Errorf("Open(2) = %q gen %d", data, info.Generation)
		}
		if _, _, err := s.Open(ctx, 9); !errors.Is(err, s3bundle.ErrNotExist) {
			t.Errorf("Open(9): %v", err)
		}
	})
}

func TestStoreCommitSameGeneration(t *testing.T) {
	eachBackend(t, func(t *testing.T, b s3bundle.Backend) {
		s := &s3bundle.Store{Backend: b, Env: "prod"}
		ctx := t.Context()
		_, cur := tip(t, s)
		errA := s.Commit(ctx, 1, []byte("alice"), cur)
		errB := s.Commit(ctx, 1, []byte("bob"), cur)
		if errA != nil {
			t.Fatalf("first commit: %v", errA)
		}
		if !errors.Is(errB, s3bundle.ErrConflict) {
			t.Fatalf("second commit of generation 1: %v, want ErrConflict", errB)
		}
		if data, _ := read(t, s, 0); data != "alice" {
			t.Errorf("current = %q, want alice's", data)
		}
		if data, _ := read(t, s, 1); data != "alice" {
			t.Errorf("generation 1 = %q, want alice's", data)
		}
	})
}

// TestStoreRollForward: a push that died after its commit point (generations/N
// written, current.pgp not) is finished by the next Tip.
func TestStoreRollForward(t *testing.T) {
	eachBackend(t, func(t *testing.T, b s3bundle.Backend) {
		s := &s3bundle.Store{Backend: b, Prefix: "p", Env: "prod"}
		ctx := t.Context()

		// Nothing but a generation: current.pgp is created.
		if _, err := b.Put(ctx, s.GenerationKey(1), []byte("one"), s3bundle.PutOptions{IfNoneMatch: true, Generation: 1}); err != nil {
			t.Fatal(err)
		}
		gen, cur := tip(t, s)
		if gen != 1 || cur.Generation != 1 {
			t.Fatalf("Tip = %d, current %+v; want 1", gen, cur)
		}
		if data, _ := read(t, s, 0); data != "one" {
			t.Fatalf("current = %q after roll-forward", data)
		}

		// current.pgp behind by two: rolled to the newest.
		for g := uint64(2); g <= 3; g++ {
			if _, err := b.Put(ctx, s.GenerationKey(g), fmt.Appendf(nil, "gen %d", g), s3bundle.PutOptions{IfNoneMatch: true, Generation: g}); err != nil {
				t.Fatal(err)
			}
		}
		gen, cur = tip(t, s)
		if gen != 3 || cur.Generation != 3 {
			t.Fatalf("Tip = %d, current %+v; want 3", gen, cur)
		}
		if data, _ := read(t, s, 0); data != "gen 3" {
			t.Fatalf("current = %q after roll-forward", data)
		}
		// And the next commit builds on it.
		if err := s.Commit(ctx, gen+1, []byte("gen 4"), cur); err != nil {
			t.Fatal(err)
		}
	})
}

// TestStoreNeverBackwards: a Commit whose second PUT loses to a newer
// generation leaves current.pgp at the newer one and is not an error.
func TestStoreNeverBackwards(t *testing.T) {
	eachBackend(t, func(t *testing.T, b s3bundle.Backend) {
		s := &s3bundle.Store{Backend: b, Env: "prod"}
		ctx := t.Context()
		_, stale := tip(t, s) // no current yet
		// Someone else publishes 1 and 2 in full.
		for g := uint64(1); g <= 2; g++ {
			_, cur := tip(t, s)
			if err := s.Commit(ctx, g, fmt.Appendf(nil, "gen %d", g), cur); err != nil {
				t.Fatal(err)
			}
		}
		// A slow pusher that took generation 3 after seeing nothing: its
		// current.pgp PUT (If-None-Match) conflicts, it looks again, and
		// moves current from 2 to 3.
		if err := s.Commit(ctx, 3, []byte("gen 3"), stale); err != nil {
			t.Fatalf("Commit(3) with a stale current: %v", err)
		}
		if data, info := read(t, s, 0); data != "gen 3" || info.Generation != 3 {
			t.Fatalf("current = %q gen %d", data, info.Generation)
		}
		// Rolling generation 2 forward by hand with its old view must not
		// win: Tip sees current at 3 and leaves it.
		if gen, cur := tip(t, s); gen != 3 || cur.Generation != 3 {
			t.Fatalf("Tip = %d %+v", gen, cur)
		}
	})
}

func TestStoreGenerationsIgnoresForeignNames(t *testing.T) {
	d := newDir(t)
	s := &s3bundle.Store{Backend: d, Env: "prod"}
	ctx := t.Context()
	for _, k := range []string{
		"prod/generations/0000000002.pgp",
		"prod/generations/0000000010.pgp",
		"prod/generations/0000000000.pgp", // 0 is no generation
		"prod/generations/42.pgp",
		"prod/generations/00000000x1.pgp",
		"prod/generations/0000000003.pgp.bak",
		"prod/generations/sub/0000000004.pgp",
		"prod/generations/README",
	} {
		if _, err := d.Put(ctx, k, []byte("x"), s3bundle.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	gens, err := s.Generations(ctx)
	if err != nil || !slices.Equal(gens, []uint64{2, 10}) {
		t.Fatalf("Generations = %v, %v", gens, err)
	}
}

// TestStoreRace: Racers goroutines each push until they have won one
// generation, always building on Tip. Every generation has exactly one
// winner, there are no gaps, and current.pgp ends at the last one.
func TestStoreRace(t *testing.T) {
	eachBackend(t, func(t *testing.T, b s3bundle.Backend) {
		const racers = 16
		s := &s3bundle.Store{Backend: b, Prefix: "race", Env: "prod"}
		ctx := t.Context()
		var mu sync.Mutex
		winners := map[uint64]int{}
		var wg sync.WaitGroup
		errs := make(chan error, racers)
		for i := range racers {
			wg.Go(func() {
				for attempt := 0; attempt < 10*racers; attempt++ {
					gen, cur, err := s.Tip(ctx)
					if err != nil {
						errs <- fmt.Errorf("racer %d: Tip: %w", i, err)
						return
					}
					err = s.Commit(ctx, gen+1, fmt.Appendf(nil, "racer %d", i), cur)
					if errors.Is(err, s3bundle.ErrConflict) {
						continue
					}
					if err != nil {
						errs <- fmt.Errorf("racer %d: Commit(%d): %w", i, gen+1, err)
						return
					}
					mu.Lock()
					if w, dup := winners[gen+1]; dup {
						errs <- fmt.Errorf("generation %d won by racers %d and %d", gen+1, w, i)
					}
					winners[gen+1] = i
					mu.Unlock()
					return
				}
				errs <- fmt.Errorf("racer %d never won", i)
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		gens, err := s.Generations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]uint64, racers)
		for i := range want {
			want[i] = uint64(i + 1)
		}
		if !slices.Equal(gens, want) {
			t.Fatalf("Generations = %v, want 1..%d", gens, racers)
		}
		for g, w := range winners {
			if data, info := read(t, s, g); data != fmt.Sprint("racer ", w) || info.Generation != g {
				t.Errorf("generation %d holds %q (gen %d), won by racer %d", g, data, info.Generation, w)
			}
		}
		if gen, cur := tip(t, s); gen != racers || cur.Generation != racers {
			t.Errorf("Tip = %d, current gen %d; want %d", gen, cur.Generation, racers)
		}
		if data, _ := read(t, s, 0); data != fmt.Sprint("racer ", winners[racers]) {
			t.Errorf("current = %q, want generation %d's", data, racers)
		}
	})
}

// failingPuts is a Backend whose Puts to one key fail.
type failingPuts struct {
	s3bundle.Backend
	key string
	err error
}

func (f *failingPuts) Put(ctx context.Context, key string, data []byte, opts s3bundle.PutOptions) (s3bundle.ObjectInfo, error) {
	if key == f.key {
		return s3bundle.ObjectInfo{}, f.err
	}
	return f.Backend.Put(ctx, key, data, opts)
}

// TestStoreNotPublished: the second PUT of a Commit fails; the error says
// the generation is stored, and the next Tip publishes it.
func TestStoreNotPublished(t *testing.T) {
	d := newDir(t)
	good := &s3bundle.Store{Backend: d, Env: "prod"}
	bad := &s3bundle.Store{Backend: &failingPuts{Backend: d, key: good.CurrentKey(), err: s3bundle.ErrUnreachable}, Env: "prod"}
	err := bad.Commit(t.Context(), 1, []byte("one"), s3bundle.ObjectInfo{})
	if !errors.Is(err, s3bundle.ErrNotPublished) || !errors.Is(err, s3bundle.ErrUnreachable) {
		t.Fatalf("Commit: %v, want ErrNotPublished and the cause", err)
	}
	if _, err := good.Current(t.Context()); !errors.Is(err, s3bundle.ErrNotExist) {
		t.Fatalf("current.pgp exists: %v", err)
	}
	if gen, cur := tip(t, good); gen != 1 || cur.Generation != 1 {
		t.Fatalf("Tip = %d %+v", gen, cur)
	}
	// Retrying the same generation is a conflict, not a second copy.
	if err := good.Commit(t.Context(), 1, []byte("again"), s3bundle.ObjectInfo{}); !errors.Is(err, s3bundle.ErrConflict) {
		t.Fatalf("re-Commit(1): %v", err)
	}
}

// counting is a Backend that counts the requests made through it.
type counting struct {
	s3bundle.Backend
	mu    sync.Mutex
	calls map[string]int // "HEAD", "GET", "PUT", "LIST"
}

func (c *counting) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[op]++
}

// take returns the counts so far and starts again from zero.
func (c *counting) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.calls
	c.calls = nil
	return m
}

func (c *counting) Head(ctx context.Context, key string) (s3bundle.ObjectInfo, error) {
	c.count("HEAD")
	return c.Backend.Head(ctx, key)
}

func (c *counting) Get(ctx context.Context, key string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	c.count("GET")
	return c.Backend.Get(ctx, key)
}

func (c *counting) Put(ctx context.Context, key string, data []byte, opts s3bundle.PutOptions) (s3bundle.ObjectInfo, error) {
	c.count("PUT")
	return c.Backend.Put(ctx, key, data, opts)
}

func (c *counting) List(ctx context.Context, prefix string) ([]string, error) {
	c.count("LIST")
	return c.Backend.List(ctx, prefix)
}

// TestStoreTipNoList: Tip and Newest cost the same requests at 1 as at 40
// generations, and never LIST: a HEAD of current.pgp and one of the next
// generation. When current.pgp lags (a push died between its two PUTs) or
// is missing, the newest generation is found by probing (O(log lag) HEADs,
// still no LIST) and Tip rolls current.pgp forward to it.
func TestStoreTipNoList(t *testing.T) {
	eachBackend(t, func(t *testing.T, b s3bundle.Backend) {
		c := &counting{Backend: b}
		s := &s3bundle.Store{Backend: c, Prefix: "p", Env: "prod"}
		ctx := t.Context()
		commitN := func(n uint64) {
			for range n {
				gen, cur := tip(t, s)
				if err := s.Commit(ctx, gen+1, fmt.Appendf(nil, "gen %d", gen+1), cur); err != nil {
					t.Fatal(err)
				}
			}
		}
		want := map[string]int{"HEAD": 2}
		commitN(1)
		c.take()
		if gen, _ := tip(t, s); gen != 1 {
			t.Fatalf("Tip = %d, want 1", gen)
		}
		if got := c.take(); !maps.Equal(got, want) {
			t.Fatalf("Tip at 1 generation made %v, want %v", got, want)
		}
		commitN(39)
		c.take()
		if gen, _ := tip(t, s); gen != 40 {
			t.Fatalf("Tip = %d, want 40", gen)
		}
		if got := c.take(); !maps.Equal(got, want) {
			t.Fatalf("Tip at 40 generations made %v, want %v", got, want)
		}
		if gen, cur, err := s.Newest(ctx); err != nil || gen != 40 || cur.Generation != 40 {
			t.Fatalf("Newest = %d, %+v, %v", gen, cur, err)
		}
		if got := c.take(); !maps.Equal(got, want) {
			t.Fatalf("Newest made %v, want %v", got, want)
		}

		// A push died after storing generations 41..77 (current.pgp at 40).
		for g := uint64(41); g <= 77; g++ {
			if _, err := b.Put(ctx, s.GenerationKey(g), fmt.Appendf(nil, "gen %d", g), s3bundle.PutOptions{IfNoneMatch: true, Generation: g}); err != nil {
				t.Fatal(err)
			}
		}
		if gen, _, err := s.Newest(ctx); err != nil || gen != 77 {
			t.Fatalf("Newest with current.pgp at 40 = %d, %v; want 77", gen, err)
		}
		if got := c.take(); got["LIST"] != 0 || got["PUT"] != 0 || got["HEAD"] > 14 {
			t.Fatalf("Newest with current.pgp 37 behind made %v; want no LIST, no PUT, at most 14 HEADs", got)
		}
		gen, cur := tip(t, s)
		if gen != 77 || cur.Generation != 77 {
			t.Fatalf("Tip = %d %+v, want 77", gen, cur)
		}
		if got := c.take(); got["LIST"] != 0 {
			t.Fatalf("Tip rolling forward made %v; want no LIST", got)
		}
		if data, _ := read(t, s, 0); data != "gen 77" {
			t.Fatalf("current = %q after roll-forward, want gen 77's", data)
		}
	})
}

// TestStoreTipMissingCurrent: generations exist but current.pgp does not
// (a first push died between its PUTs, or current.pgp was deleted): Tip
// finds the newest generation by probing from 1 and recreates current.pgp.
func TestStoreTipMissingCurrent(t *testing.T) {
	eachBackend(t, func(t *testing.T, b s3bundle.Backend) {
		c := &counting{Backend: b}
		s := &s3bundle.Store{Backend: c, Env: "prod"}
		ctx := t.Context()
		for g := uint64(1); g <= 23; g++ {
			if _, err := b.Put(ctx, s.GenerationKey(g), fmt.Appendf(nil, "gen %d", g), s3bundle.PutOptions{IfNoneMatch: true, Generation: g}); err != nil {
				t.Fatal(err)
			}
		}
		gen, cur := tip(t, s)
		if gen != 23 || cur.Generation != 23 {
			t.Fatalf("Tip = %d %+v, want 23", gen, cur)
		}
		if got := c.take(); got["LIST"] != 0 {
			t.Fatalf("Tip made %v; want no LIST", got)
		}
		if data, info := read(t, s, 0); data != "gen 23" || info.Generation != 23 {
			t.Fatalf("current = %q (gen %d), want gen 23's", data, info.Generation)
		}
		if err := s.Commit(ctx, 24, []byte("gen 24"), cur); err != nil {
			t.Fatalf("Commit(24) after recovery: %v", err)
		}
	})
}

// TestStoreGenerationsPastOnePage: the LIST that verify and
// rotate-passphrase still make follows the continuation past S3's
// 1,000 keys a page.
func TestStoreGenerationsPastOnePage(t *testing.T) {
	func(t *testing.T, b s3bundle.Backend) {
		const n = 1003
		s := &s3bundle.Store{Backend: b, Env: "prod"}
		ctx := t.Context()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		sem := make(chan struct{}, 16)
		for g := uint64(1); g <= n; g++ {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				if _, err := b.Put(ctx, s.GenerationKey(g), []byte("x"), s3bundle.PutOptions{Generation: g}); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		gens, err := s.Generations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(gens) != n || gens[0] != 1 || gens[n-1] != n {
			t.Fatalf("Generations: %d of them, want 1..%d", len(gens), n)
		}
	}(t, newS3(t, miniotest.Start(t), "vault"))
}
