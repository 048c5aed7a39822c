package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"vsync/s3bundle"
)

func passphraseCommand(sys *sysEnv) *cli.Command {
	return &cli.Command{
		Name:  "passphrase",
		Usage: "manage the locally stored passphrases",
		Subcommands: []*cli.Command{
			{
				Name:      "set",
				Usage:     "store an env's passphrase for this user",
				UsageText: "vsync passphrase set ENV [--no-check]",
				Description: `Reads the passphrase from a prompt without echo on a terminal, else the
first line of standard input, checks that it opens the env's newest generation
(when there is one), and stores it in $XDG_CONFIG_HOME/vsync/passphrases/
(0600), where push, pull, log, diff and verify find it when VSYNC_PASSPHRASE
and VSYNC_PASSPHRASE_FILE are not set. It changes nothing in the vault.`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "no-check", Usage: "store it without checking it against the vault"},
				},
				Action: func(c *cli.Context) error {
					a, err := args(c, 1, 1, "ENV")
					if err != nil {
						return err
					}
					return runPassphraseSet(c.Context, sys, passphraseSetOptions{Env: a[0], NoCheck: c.Bool("no-check")})
				},
			},
		},
	}
}

type passphraseSetOptions struct {
	Env     string
	NoCheck bool
}

func runPassphraseSet(ctx context.Context, sys *sysEnv, opts passphraseSetOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, false)
	if err != nil {
		return err
	}
	pass, err := readNewPassphrase(sys, opts.Env)
	if err != nil {
		return err
	}
	if !opts.NoCheck {
		_, err := v.Store.Current(ctx)
		switch {
		case errors.Is(err, s3bundle.ErrNotExist):
			// Nothing pushed yet: nothing to check against.
		case err != nil:
			return withHint(fmt.Errorf("checking the passphrase against %s: %w", v.Key, err), "store it anyway with --no-check")
		default:
			v.Passphrase = pass
			if _, _, err := v.fetch(ctx, 0); err != nil {
				return withHint(err, "nothing was stored")
			}
		}
	}
	if err := storePassphrase(sys, v.Key, opts.Env, pass); err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "env %q: passphrase stored for %s\n", opts.Env, v.Key)
	return nil
}

// readNewPassphrase reads a passphrase: twice at a prompt without echo when
// stdin is a terminal, else the first line of stdin.
func readNewPassphrase(sys *sysEnv, env string) ([]byte, error) {
	if f, ok := sys.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprintf(sys.Stderr, "passphrase of env %q: ", env)
		p, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(sys.Stderr)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(sys.Stderr, "again: ")
		q, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(sys.Stderr)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(p, q) {
			return nil, usageErrorf("the two passphrases differ")
		}
		if len(p) == 0 {
			return nil, usageErrorf("empty passphrase")
		}
		return p, nil
	}
	line, err := bufio.NewReader(sys.Stdin).ReadBytes('\n')
	if err != nil && err != io.EOF {
		return nil, err
	}
	line = bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
	if len(line) == 0 {
		return nil, usageErrorf("no passphrase on standard input")
	}
	return line, nil
}
