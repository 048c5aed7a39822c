package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"vsync/internal/workspace"
)

// The passphrase rule (workspace.CheckChosenPassphrase) is one for init,
// passphrase set and rotate-passphrase; --allow-weak-passphrase lifts its
// minimum length. Prompting for a passphrase, choosing the one a rotation
// goes to and showing a generated one stay here, in the CLI, shared by
// init, passphrase set and rotate-passphrase.

// allowWeakFlag is --allow-weak-passphrase.
func allowWeakFlag() cli.Flag {
	return &cli.BoolFlag{Name: "allow-weak-passphrase", Usage: fmt.Sprintf("accept a chosen passphrase shorter than %d characters", workspace.MinChosenPassphrase)}
}

// stdinTerminal returns stdin's descriptor when it is a terminal.
func stdinTerminal(sys *world) (int, bool) {
	if f, ok := sys.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return int(f.Fd()), true
	}
	return 0, false
}

// promptPassphrase asks for a passphrase without echo on the terminal fd,
// with prompt on stderr; twice (the second time "again: ") when twice is
// set, and then both must be equal.
func promptPassphrase(sys *world, fd int, prompt string, twice bool) ([]byte, error) {
	fmt.Fprint(sys.Stderr, prompt)
	p, err := term.ReadPassword(fd)
	fmt.Fprintln(sys.Stderr)
	if err != nil || !twice || len(p) == 0 {
		return p, err
	}
	fmt.Fprintf(sys.Stderr, "again: ")
	q, err := term.ReadPassword(fd)
	fmt.Fprintln(sys.Stderr)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(p, q) {
		return nil, usageErrorf("the two passphrases differ")
	}
	return p, nil
}

// readPassphraseLine reads the first line of stdin, without its line end.
func readPassphraseLine(sys *world) ([]byte, error) {
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

// printGenerated shows a passphrase vsync generated for env, the one time
// it is ever shown.
func printGenerated(w io.Writer, env string, pass []byte) {
	fmt.Fprintf(w, "\nthe new passphrase of env %q (shown only this once; keep it in your team's password manager):\n\n    %s\n\n", env, pass)
}

// passphraseDir is the passphrase store's directory, quoted, for
// messages.
func passphraseDir(sys *world) string {
	d, _ := home(sys).PassphraseDir()
	if d == "" {
		d = "passphrases"
	}
	return fmt.Sprintf("%q", d)
}

// rotationPassphrase is the passphrase rotate-passphrase rotates env to:
// the one given (held to the passphrase rule: a line break would not read
// back from the store), else the pending one of an unfinished rotation,
// else one typed at a terminal, else a generated one (generated).
func rotationPassphrase(sys *world, env string, given []byte, pending *workspace.PendingRotation, allowWeak bool) (pass []byte, generated bool, err error) {
	switch {
	case given != nil:
		return given, false, workspace.CheckChosenPassphrase(given, allowWeak, "the new passphrase")
	case pending != nil:
		return pending.Pass, false, nil
	}
	if fd, ok := stdinTerminal(sys); ok {
		// At a terminal: type one (twice), or Enter to have one generated.
		pass, err = promptPassphrase(sys, fd, fmt.Sprintf("new passphrase of env %q (Enter: generate one): ", env), true)
		if err != nil || len(pass) > 0 {
			if err == nil {
				err = workspace.CheckChosenPassphrase(pass, allowWeak, "the new passphrase")
			}
			return pass, false, err
		}
	}
	pass, err = workspace.GeneratePassphrase()
	return pass, true, err
}
