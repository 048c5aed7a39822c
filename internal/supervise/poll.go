package supervise

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"vsync/internal/history"
	"vsync/internal/runtimevault"
	"vsync/internal/status"
	"vsync/s3bundle"
)

// poller asks the bucket for a newer current.pgp at jittered intervals and
// hands each generation that decrypts and verifies to the watch loop. It
// is driven by one goroutine (run); nothing else touches its fields.
type poller struct {
	st       *s3bundle.Store
	current  s3bundle.Poll // st.PollCurrent(), made at the first poll
	pass     []byte        // the passphrase of the running generation
	source   string        // runtimevault.Loaded.Source of what it finds
	interval time.Duration
	timeout  time.Duration // per poll (--fetch-timeout); 0: none

	// etag is current.pgp's ETag as last read, accepted or refused: the
	// next poll sends it in If-None-Match, so an object already seen costs
	// one request and no body, whatever it held.
	etag string
	// gen is the newest generation accepted: an object holding it or an
	// older one is not handed on.
	gen uint64

	found chan *runtimevault.Loaded // capacity 1, newest only: see offerNewest
	say   func(format string, a ...any)
	// cache, when not nil, keeps each accepted bundle exactly as fetched
	// and keeps it again (KeepUnchanged) at each poll answered "not
	// modified": the bucket still holds the bundle applied (and cached).
	cache keeper
	// debug, when not nil, gets one line per poll (VSYNC_DEBUG=watch).
	debug func(format string, a ...any)
	// refused, when not nil, records each generation refused.
	refused *refusal

	failing string // the last read failure said, "" once reads work
	polls   uint64
}

// keeper keeps the generations a watch accepts, still encrypted
// (*bundlecache.Offline, --cache); each method says its own warning.
type keeper interface {
	// Keep saves raw, current.pgp as fetched (info), which holds
	// generation gen.
	Keep(raw []byte, info s3bundle.ObjectInfo, gen uint64)
	// KeepUnchanged records that a poll found current.pgp unchanged (ETag
	// etag): the bucket still holds the cached bundle.
	KeepUnchanged(etag string)
}

// run polls until ctx is done.
func (p *poller) run(ctx context.Context) {
	t := time.NewTimer(jittered(p.interval))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p.poll(ctx)
		t.Reset(jittered(p.interval))
	}
}

// jittered is d times a factor drawn uniformly from [1-jitter, 1+jitter].
func jittered(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (1 - jitter + 2*jitter*rand.Float64()))
}

// poll makes one conditional GET of current.pgp and, when it returns a new
// object, checks it in full.
func (p *poller) poll(ctx context.Context) {
	p.polls++
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	if p.current == nil {
		p.current = p.st.PollCurrent()
	}
	rc, info, err := p.current.IfNoneMatch(ctx, p.etag)
	if history.IsTooLarge(err) {
		p.refuse(info, err)
		return
	}
	if errors.Is(err, s3bundle.ErrNotModified) {
		p.readable()
		if p.cache != nil {
			p.cache.KeepUnchanged(p.etag)
		}
		p.trace("not modified")
		return
	}
	if err != nil {
		if ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			p.cannotRead(err)
		}
		return
	}
	// Decrypt as the body streams in: a transfer that breaks off is
	// ErrUnreachable (tried again at the next poll), not refused for good.
	// The bytes are kept only for the cache.
	b, raw, err := history.ReadCurrent(rc, info, p.st, p.pass, p.cache != nil)
	rc.Close()
	if errors.Is(err, s3bundle.ErrUnreachable) {
		p.cannotRead(err)
		return
	}
	if err != nil {
		p.refuse(info, err)
		return
	}
	p.readable()
	p.etag = info.ETag
	gen := b.Manifest.Generation
	p.trace("read generation %d", gen)
	if gen <= p.gen {
		// The same generation re-written (a passphrase rotation re-wraps
		// it) or an older one: nothing to apply.
		return
	}
	lv, err := runtimevault.Split(p.st.Env, gen, b.Files)
	if err != nil {
		p.refuse(info, err)
		return
	}
	p.gen = gen
	if p.cache != nil {
		p.cache.Keep(raw, info, gen)
	}
	lv.Store, lv.Source = p.st, p.source
	offerNewest(p.found, lv)
}

// refuse records and says that the object info describes was refused
// (err says why); its ETag is not read again.
func (p *poller) refuse(info s3bundle.ObjectInfo, err error) {
	p.readable()
	p.etag = info.ETag
	p.trace("refused")
	why := refusalReason(err)
	if p.refused != nil {
		p.refused.set(info.Generation, why)
	}
	p.say("vsync: %s: refused: %s; keeping generation %d", generationLabel(info.Generation), why, p.gen)
}

// generationLabel names a generation in a watch line: "generation 8", or
// "new current.pgp" for an object whose label vsync did not write.
func generationLabel(gen uint64) string {
	if gen == 0 {
		return "new " + history.Name(0)
	}
	return history.Name(gen)
}

// trace writes a debug line about the current poll.
func (p *poller) trace(format string, a ...any) {
	if p.debug != nil {
		p.debug("vsync: debug: watch poll %d: "+format, append([]any{p.polls}, a...)...)
	}
}

// cannotRead says, once until reads work again, that current.pgp could
// not be read.
func (p *poller) cannotRead(err error) {
	p.trace("failed")
	reason := status.Reason(err)
	if p.failing == reason {
		return
	}
	p.failing = reason
	p.say("vsync: watch: cannot read current.pgp: %s; keeping generation %d", reason, p.gen)
}

// readable says that reads work again after cannotRead.
func (p *poller) readable() {
	if p.failing != "" {
		p.failing = ""
		p.say("vsync: watch: current.pgp readable again")
	}
}

// offerNewest puts lv on ch, a channel of capacity 1, replacing a value
// the receiver has not taken yet: the receiver only ever sees the newest.
// Only one goroutine may send on ch.
func offerNewest(ch chan *runtimevault.Loaded, lv *runtimevault.Loaded) {
	for {
		select {
		case ch <- lv:
			return
		default:
		}
		// Full: take the stale value back out, unless the receiver
		// just did.
		select {
		case <-ch:
		default:
		}
	}
}
