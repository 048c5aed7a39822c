package history

import (
	"context"
	"errors"
	"fmt"

	"vsync/s3bundle"
	"vsync/vault"
)

// Entry is one generation as Log shows it: its manifest and what changed
// since its parent.
type Entry struct {
	Gen      uint64
	Manifest vault.Manifest
	Changes  []FileChange
}

// Log walks the history newest first, as it is fetched, handing each
// entry to each (the limit newest ones; 0: all): the newest generation
// comes from current.pgp's label and one HEAD (Store.Newest: no LIST, no
// write), then generations newest..oldest are fetched a few at a time
// (prefetch), each entry handed over once it and its parent are in. A
// generation missing from the history is skipped, as a LIST would not
// have shown it. An env with no generation is *NothingPushedError.
func (e *Env) Log(ctx context.Context, limit uint64, each func(Entry) error) error {
	newest, cur, err := e.Store.Newest(ctx)
	if err != nil {
		return fmt.Errorf("reading the history of %s: %w", e.Location, err)
	}
	if newest == 0 {
		return e.nothingPushed()
	}
	gens, shown := logGenerations(newest, limit)
	p := prefetchSizedParsing(ctx, e, gens, cur.Size, true)
	defer p.Close()
	this := p.Next()
	for i := range shown {
		var parent fetched
		if i+1 < len(gens) {
			parent = p.Next()
		}
		if errors.Is(this.Err, s3bundle.ErrNotExist) {
			this = parent
			continue
		}
		if this.Err != nil {
			return this.Err
		}
		m := this.Bundle.Manifest
		var parentFiles []vault.File
		var parentEnv map[string]parsedDotenv
		if parent.Err == nil && parent.Bundle != nil && m.Parent != 0 && m.Parent == gens[i+1] {
			parentFiles, parentEnv = parent.Bundle.Files, parent.Dotenv
		} else if parent.Err != nil && !errors.Is(parent.Err, s3bundle.ErrNotExist) {
			return parent.Err
		}
		// Each generation's dotenv files were parsed once, as it was
		// fetched, under the name Diff gives it (Name).
		changes, err := diffFiles(parentFiles, this.Bundle.Files, parsed(parentEnv), parsed(this.Dotenv))
		if err != nil {
			return err
		}
		if err := each(Entry{Gen: gens[i], Manifest: m, Changes: changes}); err != nil {
			return err
		}
		this = parent
	}
	return nil
}

// logGenerations is the generations Log fetches, newest first: the limit
// newest of 1..newest (0: all), and the parent of the oldest of those for
// its changes; shown is how many of them are shown.
func logGenerations(newest, limit uint64) (gens []uint64, shown int) {
	n := newest
	if limit != 0 && limit < newest {
		n = limit
	}
	gens = make([]uint64, 0, n+1)
	for g := newest; g > newest-n; g-- {
		gens = append(gens, g)
	}
	if last := gens[len(gens)-1]; last > 1 {
		gens = append(gens, last-1)
	}
	return gens, int(n)
}
