package history

import (
	"context"
	"sync"
)

// fetchBudget is a prefetcher's account of the memory its fetches hold:
// the bytes charged to each fetch from before it allocates until the
// caller lets go of it. A fetch is charged an estimate when it starts
// (reserve), then the size of the object it got, from the object's
// Content-Length, before its buffers are allocated (grow, or once it is
// the oldest fetch not let go of, force). The charges of all fetches but
// the oldest stay within limit, and an object larger than limit is
// charged limit (it is read alone), so what the fetches hold is at most
// about limit and one bundle of the maximum size, whatever the sizes of
// the objects.
type fetchBudget struct {
	mu       sync.Mutex
	changed  chan struct{} // closed and replaced when a charge is let go of
	limit    int64
	used     int64 // charged
	released int   // fetches let go of (in the order fetched)
	held     int64 // the sizes of the objects being read or handed back
	peak     int64 // the most held at once
}

func newFetchBudget(limit int64) *fetchBudget {
	return &fetchBudget{limit: limit, changed: make(chan struct{})}
}

// need is what an object of size bytes is charged: its size, at most
// limit.
func (b *fetchBudget) need(size int64) int64 { return max(1, min(size, b.limit)) }

// wait returns with b.mu held once ok (called with b.mu held) is true, or
// without it when ctx ends first.
func (b *fetchBudget) wait(ctx context.Context, ok func() bool) error {
	for {
		b.mu.Lock()
		if ok() {
			return nil
		}
		ch := b.changed
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// reserve charges the estimate of a fetch about to start, once the other
// charges leave room for it (or there is none), and returns the charge.
func (b *fetchBudget) reserve(ctx context.Context, estimate int64) (int64, error) {
	c := b.need(estimate)
	if err := b.wait(ctx, func() bool { return b.used == 0 || b.used+c <= b.limit }); err != nil {
		return 0, err
	}
	defer b.mu.Unlock()
	b.used += c
	return c, nil
}

// grow makes a charge of charged the need of an object of size bytes, if
// that keeps the charges within limit; it returns the charge and whether
// it is enough for the object. It does not wait.
func (b *fetchBudget) grow(charged, size int64) (int64, bool) {
	need := b.need(size)
	if need <= charged {
		return charged, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used-charged+need > b.limit {
		return charged, false
	}
	b.used += need - charged
	return need, true
}

// waitOldest returns once the fetches before the i-th (from 0) were all
// let go of: the caller waits for the i-th, and nothing else it fetched
// is held but what other fetches were charged for.
func (b *fetchBudget) waitOldest(ctx context.Context, i int) error {
	if err := b.wait(ctx, func() bool { return b.released >= i }); err != nil {
		return err
	}
	b.mu.Unlock()
	return nil
}

// oldest reports whether the fetches before the i-th were all let go of.
func (b *fetchBudget) oldest(i int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.released >= i
}

// force makes a charge of charged the need of an object of size bytes,
// whatever the other charges: only for the oldest fetch (waitOldest).
func (b *fetchBudget) force(charged, size int64) int64 {
	need := max(charged, b.need(size))
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used += need - charged
	return need
}

// hold counts an object of size bytes being read, under its charge.
func (b *fetchBudget) hold(size int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.held += size
	b.peak = max(b.peak, b.held)
}

// release lets go of the oldest fetch not let go of yet, charged charged
// and holding an object of size bytes (0: none).
func (b *fetchBudget) release(charged, size int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= charged
	b.held -= size
	b.released++
	close(b.changed)
	b.changed = make(chan struct{})
}

// peakHeld is the most the fetches held at once.
func (b *fetchBudget) peakHeld() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.peak
}
