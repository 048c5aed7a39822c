package history

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"

	"vsync/s3bundle"
	"vsync/vault"
)

// mapLogCache is a LogCache in memory.
type mapLogCache map[EntryID]Entry

func (m mapLogCache) Entry(id EntryID) (Entry, bool) { e, ok := m[id]; return e, ok }
func (m mapLogCache) Keep(id EntryID, e Entry)       { m[id] = e }

// countingBackend counts GETs of a backend that lists ETags.
type countingBackend struct {
	s3bundle.Backend
	mu   sync.Mutex
	gets []string
}

func (c *countingBackend) Get(ctx context.Context, key string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	c.mu.Lock()
	c.gets = append(c.gets, key)
	c.mu.Unlock()
	return c.Backend.Get(ctx, key)
}

func (c *countingBackend) ListInfo(ctx context.Context, prefix string) ([]s3bundle.ObjectInfo, error) {
	return c.Backend.(s3bundle.InfoLister).ListInfo(ctx, prefix)
}

// takeGets returns the generations read since the last call.
func (c *countingBackend) takeGets(st *s3bundle.Store) []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var gens []uint64
	for _, k := range c.gets {
		for g := uint64(1); g < 100; g++ {
			if k == st.GenerationKey(g) {
				gens = append(gens, g)
			}
		}
	}
	c.gets = nil
	slices.Sort(gens)
	return gens
}

// logAll is Log's entries, printed.
func logAll(t *testing.T, e *Env, limit uint64) []string {
	t.Helper()
	var out []string
	err := e.Log(context.Background(), limit, func(en Entry) error {
		out = append(out, fmt.Sprint(en))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLogCache: Log with a LogCache shows what Log without one shows; it
// keeps every entry, and the next Log reads no generation. A generation
// whose object was written again (another ETag) is read again, and so is
// its child, whose parent changed; --limit up to cachedLogFrom does not
// use the cache.
func TestLogCache(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 5)
	cb := &countingBackend{Backend: e.Store.Backend}
	e.Store.Backend = cb
	want := logAll(t, e, 0)
	if len(want) != 5 {
		t.Fatalf("log without cache: %v", want)
	}
	cb.takeGets(e.Store)

	cache := mapLogCache{}
	e.LogCache = cache
	if got := logAll(t, e, 0); !slices.Equal(got, want) {
		t.Fatalf("log with an empty cache:\n got %v\nwant %v", got, want)
	}
	if got := cb.takeGets(e.Store); !slices.Equal(got, []uint64{1, 2, 3, 4, 5}) {
		t.Errorf("first log read %v", got)
	}
	if len(cache) != 5 {
		t.Errorf("cache holds %d entries, want 5", len(cache))
	}
	if got := logAll(t, e, 0); !slices.Equal(got, want) {
		t.Fatalf("log from the cache:\n got %v\nwant %v", got, want)
	}
	if got := cb.takeGets(e.Store); len(got) != 0 {
		t.Errorf("log from a full cache read %v", got)
	}
	if got := logAll(t, e, cachedLogFrom+1); !slices.Equal(got, want) {
		t.Errorf("log --limit %d: %v", cachedLogFrom+1, got)
	}

	// Generation 3 sealed again: the same bundle, another object.
	b, _, err := e.Fetch(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := vault.Seal(b, e.Passphrase, SealOptions(e.Passphrase, 1024, 0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cb.Backend.Put(ctx, e.Store.GenerationKey(3), data, s3bundle.PutOptions{Generation: 3}); err != nil {
		t.Fatal(err)
	}
	cb.takeGets(e.Store)
	if got := logAll(t, e, 0); !slices.Equal(got, want) {
		t.Fatalf("log after generation 3 changed:\n got %v\nwant %v", got, want)
	}
	if got := cb.takeGets(e.Store); !slices.Equal(got, []uint64{2, 3, 4}) {
		t.Errorf("log after generation 3 changed read %v, want 2, 3 (parent and object) and 4 (its parent)", got)
	}
	if got := logAll(t, e, 2); !slices.Equal(got, want[:2]) {
		t.Errorf("log --limit 2: %v", got)
	}
	if got := cb.takeGets(e.Store); !slices.Equal(got, []uint64{3, 4, 5}) {
		t.Errorf("log --limit 2 read %v, want 3, 4, 5 (no cache)", got)
	}
}

// TestLogCacheForeignEntry: an entry kept for another generation's id is
// not shown for this one.
func TestLogCacheForeignEntry(t *testing.T) {
	e := newTestEnv(t, 2)
	want := logAll(t, e, 0)
	cache := mapLogCache{}
	e.LogCache = cache
	logAll(t, e, 0)
	for id, en := range cache {
		if id.Gen == 2 {
			en.Note = "planted"
			en.Gen = 1
			cache[id] = en
		}
	}
	if got := logAll(t, e, 0); !slices.Equal(got, want) {
		t.Errorf("log with an entry of 1 kept under 2's id:\n got %v\nwant %v", got, want)
	}
}

// changingBackend is a countingBackend that runs beforeGet (once per key
// it names) before a GET.
type changingBackend struct {
	*countingBackend
	mu        sync.Mutex
	beforeGet map[string]func()
}

func (c *changingBackend) Get(ctx context.Context, key string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	c.mu.Lock()
	hook := c.beforeGet[key]
	delete(c.beforeGet, key)
	c.mu.Unlock()
	if hook != nil {
		hook()
	}
	return c.countingBackend.Get(ctx, key)
}

// TestLogCacheChangedAfterList: a generation whose object is written
// again between Log's LIST and its GET is shown, but its entry (and its
// child's, worked out from it as parent) is not kept under the ETag the
// LIST gave, which names the other object; the next Log reads it again
// and keeps it under its new ETag.
func TestLogCacheChangedAfterList(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 5)
	want := logAll(t, e, 0)
	b, _, err := e.Fetch(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	resealed, _, err := vault.Seal(b, e.Passphrase, SealOptions(e.Passphrase, 1024, 0))
	if err != nil {
		t.Fatal(err)
	}
	cb := &changingBackend{countingBackend: &countingBackend{Backend: e.Store.Backend}}
	cb.beforeGet = map[string]func(){e.Store.GenerationKey(3): func() {
		if _, err := cb.Backend.Put(ctx, e.Store.GenerationKey(3), resealed, s3bundle.PutOptions{Generation: 3}); err != nil {
			t.Error(err)
		}
	}}
	e.Store.Backend = cb
	cache := mapLogCache{}
	e.LogCache = cache
	if got := logAll(t, e, 0); !slices.Equal(got, want) {
		t.Fatalf("log:\n got %v\nwant %v", got, want)
	}
	for id := range cache {
		if id.Gen == 3 || id.Gen == 4 {
			t.Errorf("entry of generation %d kept under the object the LIST named: %+v", id.Gen, id)
		}
	}
	if len(cache) != 3 {
		t.Errorf("cache holds %d entries, want 3 (1, 2, 5)", len(cache))
	}
	cb.takeGets(e.Store)
	if got := logAll(t, e, 0); !slices.Equal(got, want) {
		t.Fatalf("second log:\n got %v\nwant %v", got, want)
	}
	if got := cb.takeGets(e.Store); !slices.Equal(got, []uint64{2, 3, 4}) {
		t.Errorf("second log read %v, want 2, 3, 4", got)
	}
	if len(cache) != 5 {
		t.Errorf("cache holds %d entries after the second log, want 5", len(cache))
	}
}
