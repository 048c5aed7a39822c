package childenv

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"vsync/launcher"
	"vsync/vault"
)

// ErrNotStartable: a bundle that `vsync run` could not start from (two
// files for one NAME_FILE variable, a name vsync reserves, a file where
// another needs a directory, a path too long for the filesystem, a
// variable too long for execve). push, pull, verify and every runtime
// command refuse it with CheckStartable.
var ErrNotStartable = errors.New("vsync run could not start from this bundle")

// Filesystem limits a bundle path must fit in wherever it is written (the
// env's folder, a private directory): NAME_MAX for each component, and a
// whole path short enough to leave most of PATH_MAX (4096) to the
// directory it is written under.
const (
	maxNameBytes = 255
	maxPathBytes = 1024
)

// maxArgStrlen is Linux's MAX_ARG_STRLEN: no single "KEY=VALUE" string
// passed to execve may be longer (NUL included), whatever the limits.
const maxArgStrlen = 32 * 4096

// reservedPrefix starts the names of the files vsync itself keeps in a
// private directory (the status socket, files being replaced): no bundle
// path component may start with it.
const reservedPrefix = ".vsync-"

// CheckStartable is the one check of what `vsync run` needs of a bundle's
// files beyond their being safe (vault.CheckPath): env's files (the
// dotenv .env.ENV at the top, and the others, each written as a private
// file and pointed at by launcher.EnvName(path)) must
//   - map to distinct NAME_FILE variables ("tls/x.crt" and "tls_x.crt", or
//     "Key" and "key", do not), none of which the dotenv sets too;
//   - not map to a variable vsync scrubs (VSYNC_CONFIG_FILE ...);
//   - have no component starting with ".vsync-" (vsync's own files there);
//   - not be a file where another needs a directory ("a" and "a/b");
//   - fit the filesystem: 255 bytes a component, 1024 bytes a path;
//   - give the child no dotenv variable longer than execve takes.
//
// push checks the folder before anything is sent, pull and verify each
// bundle they read, run, env and start (and each generation --watch
// finds) the bundle before anything is written. The error wraps
// ErrNotStartable and names both files (or the file and the rule), never
// a value.
func CheckStartable(env string, files []vault.File) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("env %q: %s: %w", env, fmt.Sprintf(format, a...), ErrNotStartable)
	}
	isFile := make(map[string]bool, len(files))
	for _, f := range files {
		isFile[f.Path] = true
	}
	vars := map[string]string{} // NAME_FILE -> the path that gets it
	for _, f := range files {
		p := f.Path
		if len(p) > maxPathBytes {
			return bad("the path of %q is %d bytes, more than the %d a bundle path may have", shortPath(p), len(p), maxPathBytes)
		}
		for _, c := range strings.Split(p, "/") {
			if len(c) > maxNameBytes {
				return bad("%q has a name of %d bytes, more than the %d a file system takes", shortPath(p), len(c), maxNameBytes)
			}
			if strings.HasPrefix(c, reservedPrefix) {
				return bad("%q: names starting with %q are vsync's own in a private directory", p, reservedPrefix)
			}
		}
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if isFile[d] {
				return bad("%q is a file, and %q needs it to be a directory", d, p)
			}
		}
		if p == vault.DotenvPath(env) {
			continue
		}
		name := launcher.EnvName(p)
		if other, ok := vars[name]; ok {
			a, b := sortedPair(other, p)
			return bad("files %q and %q both map to %s", a, b, name)
		}
		if IsScrubbed(name) {
			return bad("file %q maps to %s, which vsync reserves (it never reaches the child)", p, name)
		}
		vars[name] = p
	}
	for _, f := range files {
		if f.Path != vault.DotenvPath(env) {
			continue
		}
		// A syntax error is reported where the dotenv is read, with its
		// line; only a dotenv that parses is checked here.
		dv, err := vault.ParseDotenv(f.Path, f.Data, nil)
		if err != nil {
			break
		}
		for _, v := range dv {
			if p, ok := vars[v.Key]; ok {
				return bad("%s (line %d) sets %s, the variable that points at file %q", f.Path, v.Line, v.Key, p)
			}
			if n := len(v.Key) + 1 + len(v.Value) + 1; n > maxArgStrlen {
				return bad("%s (line %d): %s is %d bytes, more than the %d execve takes for one variable (E2BIG)", f.Path, v.Line, v.Key, n, maxArgStrlen)
			}
		}
	}
	return nil
}

// sortedPair returns a and b in order, for messages that do not depend on
// which file was seen first.
func sortedPair(a, b string) (string, string) {
	if b < a {
		return b, a
	}
	return a, b
}

// shortPath is p, cut to its first 64 bytes and "..." when longer: an
// over-long path is named, not printed whole.
func shortPath(p string) string {
	if len(p) <= 64 {
		return p
	}
	return p[:64] + "..."
}
