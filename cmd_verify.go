package main

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/urfave/cli/v2"

	"vsync/internal/childenv"
	"vsync/s3bundle"
)

func verifyCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check every generation of the env",
		UsageText: "vsync verify ENV",
		Description: `Decrypts every generation and checks its integrity, its manifest (files,
env, generation number), that the generations are 1..N with no gap, that each
one records its parent and the SHA-256 of its parent's payload, and that
current.pgp holds the newest generation. It changes nothing. A failed check
exits 68 (67 for a wrong passphrase), as does a generation over the maximum
bundle size (--max-bundle-size, else the profile's max_bundle_size, else
256MiB). A generation vsync run could not start from (two files for one
NAME_FILE variable, a reserved name, a file where a directory is needed, a
path too long) exits 65.`,
		Flags: []cli.Flag{maxBundleFlag()},
		Action: func(c *cli.Context) error {
			a, err := args(c, 1, 1, "ENV")
			if err != nil {
				return err
			}
			maxBundle, err := maxBundleFrom(c)
			if err != nil {
				return err
			}
			return runVerify(c.Context, sys, verifyOptions{Env: a[0], MaxBundle: maxBundle})
		},
	}
}

type verifyOptions struct {
	Env       string
	MaxBundle int64 // --max-bundle-size; 0: the profile's or the default
}

func runVerify(ctx context.Context, sys *sysEnv, opts verifyOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	env := opts.Env
	v.Store.MaxSize = bundleLimit(opts.MaxBundle, v.Profile)
	gens, err := v.Store.Generations(ctx)
	if err != nil {
		return fmt.Errorf("listing the generations of %s: %w", v.Key, err)
	}
	if len(gens) == 0 {
		return errorf(exitNotFound, "", "nothing was pushed to env %q yet (%s)", env, v.Key)
	}
	// current.pgp's size sets how many generations are fetched at once; a
	// missing one is reported once the history checked out.
	cur, err := v.Store.Current(ctx)
	if err != nil && !errors.Is(err, s3bundle.ErrNotExist) {
		return fmt.Errorf("reading %s: %w", v.Key, err)
	}
	p := prefetch(ctx, v, append(slices.Clone(gens), 0), prefetchWidth(cur.Size))
	defer p.Close()
	var prevSum string
	for i, g := range gens {
		if g != uint64(i+1) {
			return fmt.Errorf("env %q: generation %d is missing: %w", env, i+1, errChain)
		}
		f := p.Next()
		if f.Err != nil {
			return f.Err
		}
		b, sum := f.Bundle, f.Sum
		if err := childenv.CheckStartable(env, b.Files); err != nil {
			return fmt.Errorf("generation %d: %w", g, err)
		}
		m := b.Manifest
		switch {
		case m.Parent != g-1:
			return fmt.Errorf("env %q: generation %d names %d as its parent, not %d: %w", env, g, m.Parent, g-1, errChain)
		case m.ParentSHA256 != prevSum:
			return fmt.Errorf("env %q: generation %d does not record the hash of generation %d: %w", env, g, g-1, errChain)
		}
		fmt.Fprintf(sys.Stdout, "generation %d ok: %s, %s, %s\n", g, plural(len(b.Files), "file"),
			m.Created.UTC().Format("2006-01-02 15:04:05 UTC"), displayName(m.Author))
		prevSum = sum
	}
	last := gens[len(gens)-1]
	f := p.Next()
	b, sum, err := f.Bundle, f.Sum, f.Err
	if errors.Is(err, s3bundle.ErrNotExist) {
		return withHint(fmt.Errorf("env %q: current.pgp is missing but generation %d exists: %w", env, last, errChain),
			fmt.Sprintf("an interrupted first push leaves this; \"vsync pull %s\" rolls it forward", env))
	}
	if err != nil {
		return err
	}
	if b.Manifest.Generation != last || sum != prevSum {
		return withHint(fmt.Errorf("env %q: current.pgp holds generation %d, not the newest, %d: %w", env, b.Manifest.Generation, last, errChain),
			fmt.Sprintf("an interrupted push leaves this; \"vsync pull %s\" or the next push rolls it forward", env))
	}
	fmt.Fprintf(sys.Stdout, "env %q: %s verified; current.pgp is generation %d\n", env, plural(len(gens), "generation"), last)
	return nil
}
