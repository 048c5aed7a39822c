package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"vsync/vault"
)

// minHumanPassphrase is the fewest characters a chosen (not generated)
// passphrase may have without --allow-weak-passphrase.
const minHumanPassphrase = 16

// The passphrase rule, one for init, passphrase set and rotate-passphrase:
// a passphrase that becomes an env's without being checked against
// generations it already opens (a new env's, one stored before anything
// was pushed or with --no-check, a rotation's new one) is a choice, and a
// chosen passphrase has at least minHumanPassphrase characters unless
// --allow-weak-passphrase, and no line break (a passphrase file holds one
// line). A passphrase vsync generated (vault.IsGenerated) always passes;
// one that opens existing generations is the env's, whatever its length.

// allowWeakFlag is --allow-weak-passphrase.
func allowWeakFlag() cli.Flag {
	return &cli.BoolFlag{Name: "allow-weak-passphrase", Usage: fmt.Sprintf("accept a chosen passphrase shorter than %d characters", minHumanPassphrase)}
}

// checkChosenPassphrase applies the passphrase rule to p; what names it
// in the error ("VSYNC_PASSPHRASE", "the new passphrase").
func checkChosenPassphrase(p []byte, allowWeak bool, what string) error {
	if bytes.ContainsAny(p, "\r\n") {
		// The store and the pending entry hold the first line of a
		// file, without a final CR: such a passphrase would not read back.
		return usageErrorf("%s contains a line break; a passphrase file holds one line", what)
	}
	if !vault.IsGenerated(string(p)) && utf8.RuneCount(p) < minHumanPassphrase && !allowWeak {
		return withHint(usageErrorf("%s has fewer than %d characters", what, minHumanPassphrase),
			"choose a longer one, let vsync generate one, or add --allow-weak-passphrase")
	}
	return nil
}

// stdinTerminal returns stdin's descriptor when it is a terminal.
func stdinTerminal(sys *sysEnv) (int, bool) {
	if f, ok := sys.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return int(f.Fd()), true
	}
	return 0, false
}

// promptPassphrase asks for a passphrase without echo on the terminal fd,
// with prompt on stderr; twice (the second time "again: ") when twice is
// set, and then both must be equal.
func promptPassphrase(sys *sysEnv, fd int, prompt string, twice bool) ([]byte, error) {
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
func readPassphraseLine(sys *sysEnv) ([]byte, error) {
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
