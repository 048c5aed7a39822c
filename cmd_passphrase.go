package main

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"vsync/internal/workspace"
)

func passphraseCommand(sys *world) *cli.Command {
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
and VSYNC_PASSPHRASE_FILE are not set. It changes nothing in the vault.

At a terminal it asks once when the vault can check the passphrase, twice when
it cannot (nothing pushed yet, or --no-check). An unchecked passphrase is a
choice: it needs at least 16 characters unless --allow-weak-passphrase, as
for init and rotate-passphrase.`,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "no-check", Usage: "store it without checking it against the vault"},
					allowWeakFlag(),
				},
				Action: func(c *cli.Context) error {
					a, err := args(c, 1, 1, "ENV")
					if err != nil {
						return err
					}
					return runPassphraseSet(c.Context, sys, passphraseSetOptions{Env: a[0], NoCheck: c.Bool("no-check"), AllowWeak: c.Bool("allow-weak-passphrase")})
				},
			},
		},
	}
}

type passphraseSetOptions struct {
	Env       string
	NoCheck   bool
	AllowWeak bool
}

func runPassphraseSet(ctx context.Context, sys *world, opts passphraseSetOptions) error {
	v, err := openWorkdirVault(ctx, sys, opts.Env, false)
	if err != nil {
		return err
	}
	// Whether the passphrase can be checked against the vault decides
	// before asking: a checked one is asked once (a typo fails the check),
	// an unchecked one twice, and it is a choice (the passphrase rule).
	check := false
	if !opts.NoCheck {
		if check, err = v.CanCheckPassphrase(ctx); err != nil {
			return err
		}
	}
	var pass []byte
	if fd, ok := stdinTerminal(sys); ok {
		pass, err = promptPassphrase(sys, fd, fmt.Sprintf("passphrase of env %q: ", opts.Env), !check)
		if err == nil && len(pass) == 0 {
			err = usageErrorf("empty passphrase")
		}
	} else {
		pass, err = readPassphraseLine(sys)
	}
	if err != nil {
		return err
	}
	if check {
		if err := v.CheckPassphrase(ctx, pass); err != nil {
			return err
		}
	} else if err := workspace.CheckChosenPassphrase(pass, opts.AllowWeak, "the passphrase"); err != nil {
		return err
	}
	if err := home(sys).StorePassphrase(v.Location, opts.Env, pass); err != nil {
		return err
	}
	fmt.Fprintf(sys.Stdout, "env %q: passphrase stored for %s\n", opts.Env, v.Location)
	return nil
}
