package history

import (
	"context"
	"sync"

	"vsync/internal/memlimit"
	"vsync/s3bundle"
	"vsync/vault"
)

// fetched is a generation read, decrypted and checked by Env.Fetch.
type fetched struct {
	Bundle *vault.Bundle
	Sum    string // the payload's SHA-256
	Err    error
	// Info is the object read (its ETag and size as its GET gave them),
	// when it was found.
	Info s3bundle.ObjectInfo
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

// prefetchBudget is what a prefetcher's width is set for: the bundle bytes
// it holds (in flight, or handed back and not yet let go of) when each
// bundle is about current.pgp's size. It holds one generation at a time
// when a bundle is this large.
const prefetchBudget = 16 << 20

// prefetchMemory bounds the bundle bytes a prefetcher holds whatever the
// objects' sizes, each charged its own (fetchBudget): twice
// prefetchBudget, so that generations somewhat larger than current.pgp
// are read as wide as its size allows, without waiting.
const prefetchMemory = 2 * prefetchBudget

// maxPrefetch bounds the generations a prefetcher fetches at once, but
// for one of many generations of small bundles (manyWidth).
const maxPrefetch = 16

// manyWidth bounds the generations a prefetcher of many (more than
// maxPrefetch) fetches at once, as many as prefetchBudget allows at
// current.pgp's size (64 up to 256 KiB): in-order delivery holds a slot
// from a generation's fetch until the one after it is taken, so one
// generation slower than its neighbours (its goroutine waiting for a core
// the server's work shares) held back the 15 fetched after it. verify of
// 500 small generations, 30 rounds interleaved: 113.7 ms with 16 at once,
// 106.4 with 32, 104.2 with 64, and less CPU (fewer goroutines parked and
// woken again); its floor, bare GETs, does not change from 16 to 64.
const manyWidth = 64

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
// counts against width, and its object's size against the memory budget
// (fetchBudget), from its fetch until the Next after the one that
// returned it: with width 1 and a large bundle, verify holds one
// generation at a time, not the one it checks and the next.
type prefetcher struct {
	results []chan fetched
	costs   []fetchCost   // of each fetch, set before its result is sent
	slots   chan struct{} // a token per generation in flight, waiting or last taken
	budget  *fetchBudget
	next    int
	after   afterFetch // nil: none
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// fetchCost is what one fetch was charged and the size of the object it
// holds (0: none).
type fetchCost struct{ charged, size int64 }

// prefetchOptions says how a prefetcher fetches.
type prefetchOptions struct {
	width  int        // generations at once (at least 1)
	size   int64      // about the size of a bundle, 0 when unknown
	budget int64      // the memory budget (fetchBudget); 0: prefetchMemory
	after  afterFetch // run on each generation as it is fetched; nil: none
}

// startPrefetch is prefetch as o says.
func startPrefetch(ctx context.Context, v *Env, gens []uint64, o prefetchOptions) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	if o.budget <= 0 {
		o.budget = prefetchMemory
	}
	p := &prefetcher{
		results: make([]chan fetched, len(gens)),
		costs:   make([]fetchCost, len(gens)),
		slots:   make(chan struct{}, max(o.width, 1)),
		budget:  newFetchBudget(o.budget),
		cancel:  cancel,
		after:   o.after,
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
			charged, err := p.budget.reserve(ctx, o.size)
			if err != nil {
				return
			}
			p.wg.Go(func() {
				f := p.fetch(ctx, st, v, i, g, charged)
				if p.after != nil {
					p.after(g, &f)
				}
				p.results[i] <- f
			})
		}
	})
	return p
}

// fetch is Fetch of generation g, the i-th fetch, charged charged: the
// object's size (its Content-Length; the maximum size when not given) is
// charged before the bundle is read. When the other charges leave no room
// for it, the object is let go of unread and read again once the fetches
// before it were let go of.
func (p *prefetcher) fetch(ctx context.Context, st *s3bundle.Store, v *Env, i int, g uint64, charged int64) fetched {
	rc, info, err := OpenObject(ctx, st, g)
	if err != nil {
		p.costs[i] = fetchCost{charged: charged}
		return fetched{Err: err}
	}
	cost := objectCost(info, st)
	c, ok := p.budget.grow(charged, cost)
	if !ok && !p.budget.oldest(i) {
		rc.Close()
		if err := p.budget.waitOldest(ctx, i); err != nil {
			p.costs[i] = fetchCost{charged: charged}
			return fetched{Err: err}
		}
		if rc, info, err = OpenObject(ctx, st, g); err != nil {
			p.costs[i] = fetchCost{charged: charged}
			return fetched{Err: err}
		}
		cost = objectCost(info, st)
	}
	if !ok {
		c = p.budget.force(charged, cost)
	}
	p.budget.hold(cost)
	p.costs[i] = fetchCost{charged: c, size: cost}
	r, stop := ReadAhead(rc, info.Size)
	f := fetched{Info: info}
	f.Bundle, f.Sum, f.Err = check(r, info, st, v.Passphrase, &v.Keys, g, Name(g), false, nil)
	rc.Close()
	stop()
	return f
}

// objectCost is the memory charged for reading the object info describes:
// its size, the maximum bundle size when it is not known.
func objectCost(info s3bundle.ObjectInfo, st *s3bundle.Store) int64 {
	if info.Size > 0 {
		return info.Size
	}
	return max(st.MaxSize, prefetchMemory)
}

// prefetchSized starts fetching gens (0: current.pgp) of v in order, of
// about size bytes each (the size of current.pgp, or 0 when unknown), as
// many at a time as prefetchWidth allows (manyWidth for many small ones),
// running after (may be nil) on
// each as it is fetched; the memory of a large one is given back to the
// system once it is let go of (Next), before the next one is fetched, and
// many small ones are read with the collector's pacing relaxed
// (memlimit.ManySmall). The caller takes them with Next and calls Close.
func prefetchSized(ctx context.Context, v *Env, gens []uint64, size int64, after afterFetch) *prefetcher {
	width := prefetchWidth(size)
	if len(gens) > maxPrefetch {
		memlimit.ManySmall(size)
		if size > 0 {
			width = max(width, int(min(manyWidth, prefetchBudget/size)))
		}
	}
	return startPrefetch(ctx, v, gens, prefetchOptions{width: width, size: size, after: after})
}

// Next lets go of the generation it returned before (the caller is done
// with it: the prefetcher may start one more) and returns the next in the
// order given to prefetch, once it is fetched.
func (p *prefetcher) Next() fetched {
	if p.next > 0 {
		c := p.costs[p.next-1]
		p.budget.release(c.charged, c.size)
		memlimit.GiveBack(c.size)
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
