package main

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
)

// maxSecretFile bounds what secretKeyFlags reads from a --secret-key-file.
const maxSecretFile = 64 << 10

// secretKeyFlags resolves a secret given either on the command line (key,
// from --secret-key: visible in ps and shell history) or in a file (file,
// from --secret-key-file; "-" is standard input). From a file it takes
// the first line without its line ending, as VSYNC_PASSPHRASE_FILE does.
// Both at once, or an empty file, is a usage error. Errors never hold the
// secret.
func secretKeyFlags(sys *sysEnv, key, file string) (string, error) {
	if file == "" {
		return key, nil
	}
	if key != "" {
		return "", usageErrorf("give --secret-key or --secret-key-file, not both")
	}
	var r io.Reader
	name := "standard input"
	if file == "-" {
		r = sys.Stdin
	} else {
		f, err := os.Open(file)
		if err != nil {
			return "", withCode(err, exitNotFound, "")
		}
		defer f.Close()
		r, name = f, file
	}
	line, err := bufio.NewReaderSize(io.LimitReader(r, maxSecretFile), maxSecretFile).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", usageErrorf("--secret-key-file: %q holds no key on its first line", name)
	}
	return line, nil
}

// endpointUserinfo reports whether an endpoint URL embeds credentials
// (http://key:secret@host, key:secret@host:9000): profiles refuse them,
// since an endpoint is printed in listings and messages and is no place
// for a key.
func endpointUserinfo(endpoint string) bool {
	host := endpoint
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	return strings.Contains(host, "@")
}
