package history

import (
	"context"
	"sync"

	"vsync/vault"
)

// fetched is a generation read, decrypted and checked by Env.Fetch.
type fetched struct {
	Bundle *vault.Bundle
	Sum    string // the payload's SHA-256
	Err    error
}

// prefetchBudget bounds the bundle bytes a prefetcher has in flight; it
// fetches one generation at a time when a bundle is this large.
const prefetchBudget = 16 << 20

// maxPrefetch bounds the generations a prefetcher fetches at once.
const maxPrefetch = 8

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
// per generation, and print the first as soon as it is in.
type prefetcher struct {
	results []chan fetched
	slots   chan struct{} // a token per generation fetched and not yet taken
	next    int
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// prefetch starts fetching gens (0: current.pgp) of v in order, width at
// a time. The caller takes them with Next and calls Close.
func prefetch(ctx context.Context, v *Env, gens []uint64, width int) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{
		results: make([]chan fetched, len(gens)),
		slots:   make(chan struct{}, max(width, 1)),
		cancel:  cancel,
	}
	for i := range p.results {
		p.results[i] = make(chan fetched, 1)
	}
	p.wg.Go(func() {
		for i, g := range gens {
			select {
			case p.slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			p.wg.Go(func() {
				b, sum, err := v.Fetch(ctx, g)
				p.results[i] <- fetched{b, sum, err}
			})
		}
	})
	return p
}

// Next returns the next generation in the order given to prefetch, once
// it is fetched, and lets the prefetcher start one more.
func (p *prefetcher) Next() fetched {
	f := <-p.results[p.next]
	p.next++
	<-p.slots
	return f
}

// Close stops the fetches not taken yet and waits for them to end.
func (p *prefetcher) Close() {
	p.cancel()
	p.wg.Wait()
}
