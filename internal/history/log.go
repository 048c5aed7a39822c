package history

import (
	"context"
	"errors"
	"fmt"
	"time"

	"vsync/s3bundle"
	"vsync/vault"
)

// Entry is one generation as Log shows it: its manifest's record and what
// changed since its parent, key names only: a KeyChange of an Entry holds
// no value (Old and New are empty), so that an entry may be kept on disk
// (LogCache).
type Entry struct {
	Gen     uint64
	Parent  uint64 // the parent its manifest names
	Created time.Time
	Author  string
	Note    string
	Changes []FileChange
}

// cachedLogFrom: Log with a LogCache lists the history (one LIST, which
// grows with it) only when it shows more generations than this (limit 0:
// all); `log --limit 1` costs what it costs at 10 generations.
const cachedLogFrom = maxPrefetch

// Log walks the history newest first, as it is fetched, handing each
// entry to each (the limit newest ones; 0: all). A generation missing
// from the history is skipped, as a LIST would not have shown it. An env
// with no generation is *NothingPushedError.
//
// Without e.LogCache, or for at most cachedLogFrom entries, the newest
// generation comes from current.pgp's label and one HEAD (Store.Newest:
// no LIST, no write), then generations newest..oldest are fetched a few
// at a time (prefetch), each entry handed over once it and its parent are
// in. With e.LogCache, one LIST (Store.ListGenerations) names each
// generation's object by ETag and size; an entry the cache holds for
// those objects is handed over as it is, and only the others are fetched
// (with their parents) and kept in the cache. A backend that cannot list
// ETags, or a LIST that fails, leaves Log to the way without the cache.
func (e *Env) Log(ctx context.Context, limit uint64, each func(Entry) error) error {
	if e.LogCache != nil && UsesLogCache(limit) {
		listed, err := e.Store.ListGenerations(ctx)
		if err == nil {
			if len(listed) == 0 {
				return e.nothingPushed()
			}
			return e.logListed(ctx, listed, limit, each)
		}
	}
	newest, cur, err := e.Store.Newest(ctx)
	if err != nil {
		return fmt.Errorf("reading the history of %s: %w", e.Location, err)
	}
	if newest == 0 {
		return e.nothingPushed()
	}
	shown := logGenerations(newest, limit)
	fetch := make([]uint64, 0, len(shown)+1)
	for _, g := range shown {
		fetch = appendGen(fetch, g)
		fetch = appendGen(fetch, g-1)
	}
	return e.logFetching(ctx, shown, fetch, cur.Size, nil, each)
}

// UsesLogCache reports whether Log of the newest limit generations (0:
// all) uses its LogCache: a short log costs less than listing the history.
func UsesLogCache(limit uint64) bool { return limit == 0 || limit > cachedLogFrom }

// logListed is Log through e.LogCache, the history listed.
func (e *Env) logListed(ctx context.Context, listed []s3bundle.ListedGeneration, limit uint64, each func(Entry) error) error {
	byGen := make(map[uint64]s3bundle.ListedGeneration, len(listed))
	for _, o := range listed {
		byGen[o.Gen] = o
	}
	newest := listed[len(listed)-1]
	ids := map[uint64]EntryID{}
	hits := map[uint64]Entry{} // the cache's entries of shown generations
	var shown, fetch []uint64
	for _, g := range logGenerations(newest.Gen, limit) {
		o, ok := byGen[g]
		if !ok {
			continue // missing from the history: skipped
		}
		id := EntryID{Gen: g, Object: listedID(o)}
		parent, hasParent := byGen[g-1]
		if hasParent {
			id.Parent = listedID(parent)
		}
		ids[g] = id
		shown = append(shown, g)
		if en, ok := e.LogCache.Entry(id); ok && en.Gen == g {
			hits[g] = en
			continue
		}
		fetch = appendGen(fetch, g)
		if hasParent {
			fetch = appendGen(fetch, g-1)
		}
	}
	known := func(g uint64) (Entry, bool) {
		en, ok := hits[g]
		return en, ok
	}
	keep := func(en Entry, read EntryID, parentRead bool) {
		id := ids[en.Gen]
		if read.Object != id.Object || parentRead && read.Parent != id.Parent {
			return // written again between the LIST and the GET
		}
		e.LogCache.Keep(id, en)
	}
	return e.logFetching(ctx, shown, fetch, newest.Size, &logCacheUse{known, keep}, each)
}

// logCacheUse is how logFetching uses a LogCache: the entry of a
// generation it holds, and keeping one worked out from the objects read
// (the parent's when parentRead), each as its GET named it: an entry is
// kept only under the ETags and sizes of the objects it was worked out
// from, those the listing gave.
type logCacheUse struct {
	known func(gen uint64) (Entry, bool)
	keep  func(en Entry, read EntryID, parentRead bool)
}

// logFetching hands over the entries of shown (newest first): from cache
// when it knows them, else worked out from fetch, the generations to
// fetch (newest first: those not known and their parents), size about
// the size of each.
func (e *Env) logFetching(ctx context.Context, shown, fetch []uint64, size int64, cache *logCacheUse, each func(Entry) error) error {
	p := prefetchSized(ctx, e, fetch, size, parseAfter)
	defer p.Close()
	got := map[uint64]fetched{} // fetched and not yet done with: at most this one and its parent
	taken := 0
	take := func(g uint64) fetched {
		for {
			if f, ok := got[g]; ok {
				return f
			}
			if taken == len(fetch) || fetch[taken] < g {
				return fetched{Err: &NoGenerationError{Env: e.Store.Env, Gen: g, Err: s3bundle.ErrNotExist}}
			}
			got[fetch[taken]] = p.Next()
			taken++
		}
	}
	for _, g := range shown {
		for k := range got {
			if k > g {
				delete(got, k)
			}
		}
		if cache != nil {
			if en, ok := cache.known(g); ok {
				if err := each(en); err != nil {
					return err
				}
				continue
			}
		}
		this := take(g)
		if errors.Is(this.Err, s3bundle.ErrNotExist) {
			continue
		}
		if this.Err != nil {
			return this.Err
		}
		read := EntryID{Gen: g, Object: readID(this.Info)}
		parentRead := false
		en, err := logEntry(g, this, func() fetched {
			pf := take(g - 1)
			if pf.Err == nil {
				read.Parent = readID(pf.Info)
			}
			parentRead = true
			return pf
		})
		if err != nil {
			return err
		}
		if cache != nil {
			cache.keep(en, read, parentRead)
		}
		if err := each(en); err != nil {
			return err
		}
	}
	return nil
}

// logEntry is the entry of generation g, fetched as this, its parent
// (generation g-1, when its manifest names it) taken from parent.
func logEntry(g uint64, this fetched, parent func() fetched) (Entry, error) {
	m := this.Bundle.Manifest
	var parentFiles []vault.File
	var parentEnv map[string]parsedDotenv
	if m.Parent != 0 && m.Parent == g-1 {
		pf := parent()
		switch {
		case pf.Err == nil:
			parentFiles, parentEnv = pf.Bundle.Files, pf.Dotenv
		case !errors.Is(pf.Err, s3bundle.ErrNotExist):
			return Entry{}, pf.Err
		}
	}
	// Each generation's dotenv files were parsed once, as it was fetched,
	// under the name Diff gives it (Name).
	changes, err := diffFiles(parentFiles, this.Bundle.Files, parsed(parentEnv), parsed(this.Dotenv))
	if err != nil {
		return Entry{}, err
	}
	for _, c := range changes {
		for i := range c.Keys {
			c.Keys[i].Old, c.Keys[i].New = "", ""
		}
	}
	return Entry{Gen: g, Parent: m.Parent, Created: m.Created, Author: m.Author, Note: m.Note, Changes: changes}, nil
}

// appendGen appends g to gens, newest first, unless it is 0 or gens
// already ends with it.
func appendGen(gens []uint64, g uint64) []uint64 {
	if g == 0 || len(gens) > 0 && gens[len(gens)-1] <= g {
		return gens
	}
	return append(gens, g)
}

// logGenerations is the generations Log shows, newest first: the limit
// newest of 1..newest (0: all).
func logGenerations(newest, limit uint64) []uint64 {
	n := newest
	if limit != 0 && limit < newest {
		n = limit
	}
	gens := make([]uint64, 0, n)
	for g := newest; g > newest-n; g-- {
		gens = append(gens, g)
	}
	return gens
}
