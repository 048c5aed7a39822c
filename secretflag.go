package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
)

// maxSecretFile bounds what secretFlag reads from a --NAME-file.
const maxSecretFile = 64 << 10

// secretFlag resolves a secret given either on the command line as --NAME
// VALUE (visible in ps and shell history) or in a file as --NAME-file FILE
// ("-" is standard input). From a file it takes the first line without its
// line ending, as VSYNC_PASSPHRASE_FILE does. Both at once, or an empty
// file, is a usage error. Errors never hold the secret.
func secretFlag(sys *world, c *cli.Context, name string) (string, error) {
	value, file := c.String(name), c.String(name+"-file")
	if file == "" {
		return value, nil
	}
	if value != "" {
		return "", usageErrorf("give --%s or --%s-file, not both", name, name)
	}
	var r io.Reader
	src := "standard input"
	if file == "-" {
		r = sys.Stdin
	} else {
		f, err := os.Open(file)
		if err != nil {
			return "", secretFileError{err}
		}
		defer f.Close()
		r, src = f, file
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxSecretFile), maxSecretFile).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", usageErrorf("--%s-file: %q holds nothing on its first line", name, src)
	}
	return line, nil
}

// secretFileError: a --NAME-file that cannot be opened (exitNotFound).
type secretFileError struct{ err error }

func (e secretFileError) Error() string { return e.err.Error() }
func (e secretFileError) Unwrap() error { return e.err }

// secretFileFlag is the --NAME-file flag of secretFlag.
func secretFileFlag(name string) cli.Flag {
	return &cli.StringFlag{Name: name + "-file", Usage: "read --" + name + " from the first line of `FILE` (- for standard input)"}
}
