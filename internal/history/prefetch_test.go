package history

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"

	"vsync/s3bundle"
	"vsync/vault"
)

// TestPrefetch: generations come back in the order asked, whatever the
// width, a missing one as its error in its place.
func TestPrefetch(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 4)
	for _, width := range []int{1, 2, 8} {
		gens := []uint64{4, 2, 9, 1, 3}
		p := startPrefetch(ctx, e, gens, prefetchOptions{width: width})
		for _, g := range gens {
			f := p.Next()
			if g == 9 {
				if !errors.Is(f.Err, s3bundle.ErrNotExist) {
					t.Errorf("width %d: generation 9: %v", width, f.Err)
				}
				continue
			}
			if f.Err != nil || f.Bundle.Manifest.Generation != g || f.Sum == "" {
				t.Errorf("width %d: want generation %d, got %v", width, g, f.Err)
			}
		}
		p.Close()
	}
	// Close before taking them all stops the rest.
	p := startPrefetch(ctx, e, []uint64{1, 2, 3, 4}, prefetchOptions{width: 1})
	p.Next()
	p.Close()
}

func TestPrefetchWidth(t *testing.T) {
	for size, want := range map[int64]int{0: maxPrefetch, 1 << 20: maxPrefetch, 4 << 20: 4, 64 << 20: 1} {
		if got := prefetchWidth(size); got != want {
			t.Errorf("prefetchWidth(%d) = %d, want %d", size, got, want)
		}
	}
}

// TestPrefetchBudget: a history of small generations with large objects
// planted among them (a writer of the bucket can make them up to the
// maximum bundle size) is fetched as wide as current.pgp's size allows,
// yet what the prefetcher holds at once stays within its budget and one
// object, whatever the objects' sizes; every generation still comes back,
// in order.
func TestPrefetchBudget(t *testing.T) {
	checkPrefetchBudget(t, 20, []uint64{2, 5, 11}, prefetchWidth, maxPrefetch)
}

// TestPrefetchBudgetWide is TestPrefetchBudget at the width of a long
// history of small bundles (manyWidth, which current.pgp's size chooses):
// generations planted over the budget are still read alone, so the bytes
// held at once stay within the budget plus one object, however many
// fetches are in flight.
func TestPrefetchBudgetWide(t *testing.T) {
	over := []uint64{2, 5, 11, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40}
	checkPrefetchBudget(t, 80, over, func(int64) int { return manyWidth }, manyWidth)
}

// checkPrefetchBudget plants, in a history of n small generations,
// generations over a 64 KiB budget (over) and some of which two do not
// fit, prefetches all n at width(current.pgp's size), which must be
// wantWidth, and checks that every generation comes back in order and
// that the bytes held at once stayed within the budget and one object.
func checkPrefetchBudget(t *testing.T, n uint64, over []uint64, width func(int64) int, wantWidth int) {
	t.Helper()
	ctx := context.Background()
	e := newTestEnv(t, int(n))
	const budget = 64 << 10
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	plant := func(g uint64, size int) int64 {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		b := NewGeneration("prod", g-1, "", "eve@example.com", "large", []vault.File{{Path: "big", Data: data, Mode: 0o600}})
		sealed, _, err := vault.Seal(b, e.Passphrase, SealOptions(e.Passphrase, 1024, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.Backend.Put(ctx, e.Store.GenerationKey(g), sealed, s3bundle.PutOptions{Generation: g}); err != nil {
			t.Fatal(err)
		}
		return int64(len(sealed))
	}
	var largest int64
	for _, g := range over { // over the budget: each read alone
		largest = max(largest, plant(g, 3*budget/2))
	}
	for _, g := range []uint64{3, 4, 8, 9, 13, 14, 15} { // two do not fit
		largest = max(largest, plant(g, 2*budget/5))
	}
	cur, err := e.Store.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gens := make([]uint64, 0, n)
	for g := uint64(1); g <= n; g++ {
		gens = append(gens, g)
	}
	p := startPrefetch(ctx, e, gens, prefetchOptions{width: width(cur.Size), size: cur.Size, budget: budget})
	defer p.Close()
	if w := cap(p.slots); w != wantWidth {
		t.Fatalf("width %d for current.pgp of %d bytes, want %d", w, cur.Size, wantWidth)
	}
	for _, g := range gens {
		f := p.Next()
		if f.Err != nil || f.Bundle.Manifest.Generation != g || f.Info.Size == 0 {
			t.Fatalf("generation %d: %v", g, f.Err)
		}
	}
	if peak := p.budget.peakHeld(); peak > budget+largest {
		t.Errorf("the prefetcher held %d bytes at once, over its budget %d and one object of %d", peak, budget, largest)
	} else {
		t.Logf("peak %d bytes (budget %d, largest object %d)", peak, budget, largest)
	}
}

// TestPrefetchSizedWidth: many generations (more than maxPrefetch) are
// fetched manyWidth at once when current.pgp is small, as many as the
// budget allows when it is larger, and maxPrefetch when its size is not
// known; a few as prefetchWidth says. Every generation still comes back,
// in order.
func TestPrefetchSizedWidth(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 20)
	gens := make([]uint64, 0, 20)
	for g := uint64(1); g <= 20; g++ {
		gens = append(gens, g)
	}
	for _, c := range []struct {
		gens []uint64
		size int64
		want int
	}{
		{gens, 8 << 10, manyWidth}, {gens, 256 << 10, manyWidth}, {gens, 512 << 10, 32}, {gens, 1 << 20, maxPrefetch},
		{gens, 4 << 20, 4}, {gens, 0, maxPrefetch}, {gens[:maxPrefetch], 8 << 10, maxPrefetch},
	} {
		p := prefetchSized(ctx, e, c.gens, c.size, nil)
		if w := cap(p.slots); w != c.want {
			t.Errorf("%d generations of %d bytes: width %d, want %d", len(c.gens), c.size, w, c.want)
		}
		for _, g := range c.gens {
			if f := p.Next(); f.Err != nil || f.Bundle.Manifest.Generation != g {
				t.Fatalf("generation %d: %v", g, f.Err)
			}
		}
		p.Close()
	}
}
