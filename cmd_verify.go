package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"vsync/internal/childenv"
	"vsync/vault"
)

func verifyCommand(sys *world) *cli.Command {
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

func runVerify(ctx context.Context, sys *world, opts verifyOptions) (err error) {
	v, err := openWorkdirVault(ctx, sys, opts.Env, true)
	if err != nil {
		return err
	}
	env := opts.Env
	v.Store.MaxSize = v.Profile.BundleLimit(opts.MaxBundle)
	// startable runs in the goroutines that fetch (Verify): it only reads.
	startable := func(g uint64, b *vault.Bundle) error {
		if err := childenv.CheckStartable(env, b.Files); err != nil {
			return fmt.Errorf("generation %d: %w", g, err)
		}
		return nil
	}
	out, flush := lineOutput(sys.Stdout)
	defer func() {
		if ferr := flush(); ferr != nil && err == nil {
			err = fmt.Errorf("writing verify's report: %w", ferr)
		}
	}()
	verified := func(g uint64, b *vault.Bundle) error {
		fmt.Fprintf(out, "generation %d ok: %s, %s, %s\n", g, plural(len(b.Files), "file"),
			b.Manifest.Created.UTC().Format("2006-01-02 15:04:05 UTC"), displayName(b.Manifest.Author))
		return nil
	}
	last, err := v.Verify(ctx, startable, verified)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "env %q: %s verified; current.pgp is generation %d\n", env, plural(int(last), "generation"), last)
	return nil
}

// lineOutput is w for a command that prints a line per item of a long
// run (verify: one per generation): w itself when it is a terminal, where
// each line shows as it comes, else w behind a buffer, so that 500 lines
// are a few writes and not 500 system calls. flush must be called before
// the command returns (an error is printed after what was written); it
// reports a write that failed (a full disk, a closed pipe). Lines still
// in the buffer are lost when vsync is killed (SIGKILL, or SIGHUP, which
// is not subscribed for verify); SIGINT and SIGTERM end the command
// through its context, and the flush runs.
func lineOutput(w io.Writer) (out io.Writer, flush func() error) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return w, func() error { return nil }
	}
	bw := bufio.NewWriter(w)
	return bw, bw.Flush
}
