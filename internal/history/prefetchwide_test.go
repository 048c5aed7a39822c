package history

import (
	"context"
	"math/rand/v2"
	"testing"

	"vsync/s3bundle"
	"vsync/vault"
)

// TestPrefetchBudgetWide is TestPrefetchBudget at the width of a long
// history of small bundles (manyWidth, which current.pgp's size chooses):
// generations planted over the budget are still read alone, so the bytes
// held at once stay within the budget plus one object, however many
// fetches are in flight.
func TestPrefetchBudgetWide(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 80)
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
	for _, g := range []uint64{2, 5, 11, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40} { // over the budget: each read alone
		largest = max(largest, plant(g, 3*budget/2))
	}
	for _, g := range []uint64{3, 4, 8, 9, 13, 14, 15} { // two do not fit
		largest = max(largest, plant(g, 2*budget/5))
	}
	cur, err := e.Store.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gens := make([]uint64, 0, 80)
	for g := uint64(1); g <= 80; g++ {
		gens = append(gens, g)
	}
	p := startPrefetch(ctx, e, gens, prefetchOptions{width: manyWidth, size: cur.Size, budget: budget})
	defer p.Close()
	if w := cap(p.slots); w != manyWidth {
		t.Fatalf("width %d for current.pgp of %d bytes, want %d", w, cur.Size, manyWidth)
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
