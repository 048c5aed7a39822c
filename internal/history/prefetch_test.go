package history

import (
	"context"
	"errors"
	"testing"

	"vsync/s3bundle"
)

// TestPrefetch: generations come back in the order asked, whatever the
// width, a missing one as its error in its place.
func TestPrefetch(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 4)
	for _, width := range []int{1, 2, 8} {
		gens := []uint64{4, 2, 9, 1, 3}
		p := prefetch(ctx, e, gens, width)
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
	p := prefetch(ctx, e, []uint64{1, 2, 3, 4}, 1)
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
