package history

import (
	"context"
	"sync"

	"vsync/internal/memlimit"

	"vsync/vault"
)

// fetched is a generation read, decrypted and checked by Env.Fetch.
type fetched struct {
	Bundle *vault.Bundle
	Sum    string // the payload's SHA-256
	Err    error
	// Dotenv is each dotenv file of Bundle parsed (parseDotenvs, named as
	// Name gives the generation), when the prefetcher's after hook sets it.
	Dotenv map[string]parsedDotenv
}

// afterFetch is work a prefetcher does on each generation it fetched
// (gen 0: current.pgp) in the goroutine that fetched it, before handing
// it back: on every core, ahead of the caller. It may set f.Err.
type afterFetch func(gen uint64, f *fetched)

// parseAfter parses each generation's dotenv files (fetched.Dotenv): the
// afterFetch of Log.
func parseAfter(gen uint64, f *fetched) {
	if f.Err == nil {
		f.Dotenv = parseDotenvs(f.Bundle.Files, Name(gen))
	}
}

// prefetchBudget bounds the bundle bytes a prefetcher holds (in flight, or
// handed back and not yet let go of); it holds one generation at a time
// when a bundle is this large.
const prefetchBudget = 16 << 20

// maxPrefetch bounds the generations a prefetcher fetches at once.
const maxPrefetch = 16

// prefetchWidth is how many generations of about size bytes each (the
// size of current.pgp, or 0 when unknown) a prefetcher fetches at once:
// maxPrefetch, fewer for large bundles, so that log and verify of a
// history of large bundles hold about prefetchBudget, not maxPrefetch
// bundles.
func prefetchWidth(size int64) int {
	if size <= 0 {
		return maxPrefetch
	}
	return int(max(1, min(maxPrefetch, prefetchBudget/size)))
}

// prefetcher fetches generations of an env in a given order, up to width
// at a time, and hands them back in that order (Next): `vsync log` and
// `vsync verify` pay about one round trip per width generations, not one
// per generation, and print the first as soon as it is in. A generation
// counts against width from its fetch until the Next after the one that
// returned it: with width 1 and a large bundle, verify holds one
// generation at a time, not the one it checks and the next.
type prefetcher struct {
	results []chan fetched
	slots   chan struct{} // a token per generation in flight, waiting or last taken
	next    int
	size    int64      // about the size of a bundle, when known (prefetchSized)
	after   afterFetch // nil: none
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// prefetch starts fetching gens (0: current.pgp) of v in order, width at
// a time. The caller takes them with Next and calls Close.
func prefetch(ctx context.Context, v *Env, gens []uint64, width int) *prefetcher {
	return startPrefetch(ctx, v, gens, width, nil)
}

// startPrefetch is prefetch with after (may be nil) run on each
// generation in the goroutine that fetched it.
func startPrefetch(ctx context.Context, v *Env, gens []uint64, width int, after afterFetch) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{
		results: make([]chan fetched, len(gens)),
		slots:   make(chan struct{}, max(width, 1)),
		cancel:  cancel,
		after:   after,
	}
	for i := range p.results {
		p.results[i] = make(chan fetched, 1)
	}
	// Many objects: read them the way that costs the least per GET.
	st := v.Store.Bulk()
	p.wg.Go(func() {
		for i, g := range gens {
			select {
			case p.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			p.wg.Go(func() {
				f := fetched{}
				f.Bundle, f.Sum, f.Err = Fetch(ctx, st, v.Passphrase, &v.Keys, g)
				if p.after != nil {
					p.after(g, &f)
				}
				p.results[i] <- f
			})
		}
	})
	return p
}

// prefetchSized is prefetch of generations of about size bytes each (the
// size of current.pgp, or 0 when unknown), as many at a time as
// prefetchWidth allows; the memory of a large one is given back to the
// system once it is let go of (Next), before the next one is fetched, and
// many small ones are read with the collector's pacing relaxed
// (memlimit.ManySmall).
func prefetchSized(ctx context.Context, v *Env, gens []uint64, size int64) *prefetcher {
	return prefetchSizedAfter(ctx, v, gens, size, nil)
}

// prefetchSizedAfter is prefetchSized with after (may be nil) run on each
// generation (startPrefetch).
func prefetchSizedAfter(ctx context.Context, v *Env, gens []uint64, size int64, after afterFetch) *prefetcher {
	if len(gens) > maxPrefetch {
		memlimit.ManySmall(size)
	}
	p := startPrefetch(ctx, v, gens, prefetchWidth(size), after)
	p.size = size
	return p
}

// Next lets go of the generation it returned before (the caller is done
// with it: the prefetcher may start one more) and returns the next in the
// order given to prefetch, once it is fetched.
func (p *prefetcher) Next() fetched {
	if p.next > 0 {
		memlimit.GiveBack(p.size)
		<-p.slots
	}
	f := <-p.results[p.next]
	p.next++
	return f
}

// Close stops the fetches not taken yet and waits for them to end.
func (p *prefetcher) Close() {
	p.cancel()
	p.wg.Wait()
}
