package envops

import (
	"context"
	"fmt"
	"path/filepath"

	"vsync/internal/history"
	"vsync/vault"
)

// DiffOptions choose the two sides of a diff.
type DiffOptions struct {
	A, B uint64 // 0: A is the newest generation, B is the local folder
	// Cwd is the directory the local folder's name is relative to.
	Cwd string
}

// Diffed is the changes from the left side to the right, and their names
// ("generation N", "nothing pushed yet", "local DIR").
type Diffed struct {
	LeftName, RightName string
	Changes             []history.FileChange
}

// Diff compares generation A (the newest when 0; nothing when none was
// pushed) with generation B, or with the env's folder when B is 0.
func Diff(ctx context.Context, e *Env, opts DiffOptions) (*Diffed, error) {
	a := opts.A
	if a == 0 {
		var err error
		if a, _, err = e.Store.Tip(ctx); err != nil {
			return nil, fmt.Errorf("reading the history of %s: %w", e.Location, err)
		}
	}
	d := &Diffed{LeftName: "nothing pushed yet"}
	var left, right []vault.File
	if a != 0 {
		b, _, err := e.Fetch(ctx, a)
		if err != nil {
			return nil, err
		}
		left, d.LeftName = b.Files, fmt.Sprintf("generation %d", a)
	}
	if opts.B != 0 {
		b, _, err := e.Fetch(ctx, opts.B)
		if err != nil {
			return nil, err
		}
		right, d.RightName = b.Files, fmt.Sprintf("generation %d", opts.B)
	} else {
		var err error
		if right, err = e.Project.ReadEnvFolder(e.Name); err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(opts.Cwd, e.Project.EnvDir(e.Name))
		d.RightName = fmt.Sprintf("local %s", rel)
	}
	var err error
	d.Changes, err = history.Diff(left, right, d.LeftName, d.RightName)
	if err != nil {
		return nil, err
	}
	return d, nil
}
