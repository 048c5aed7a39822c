package history

import (
	"bytes"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"vsync/vault"
)

// FileChange is one file added ('+'), removed ('-') or changed ('~')
// between two versions of an env, with its key changes when it is a
// dotenv file.
type FileChange struct {
	Op   byte
	Path string
	Mode bool // only the mode changed
	Keys []KeyChange
}

// KeyChange is one dotenv key added, removed or changed. Old and New are
// values: secrets, printed only when the operator asks.
type KeyChange struct {
	Op       byte
	Key      string
	Old, New string
}

// IsDotenv reports whether a bundle path is a dotenv file: ".env" or
// ".env.NAME" at any depth. Those are validated before a push and diffed
// key by key.
func IsDotenv(p string) bool {
	base := path.Base(p)
	return base == ".env" || strings.HasPrefix(base, ".env.")
}

// Diff compares two versions of an env's files (old may be nil for the
// first generation). Dotenv files are parsed with fromName/toName naming
// the versions in syntax errors.
func Diff(old, new []vault.File, fromName, toName string) ([]FileChange, error) {
	parse := func(name string) dotenvOf {
		return func(f vault.File) (map[string]string, error) { return dotenvValues(name+":"+f.Path, f.Data) }
	}
	return diffFiles(old, new, parse(fromName), parse(toName))
}

// dotenvOf gives the values by key of a dotenv file of one version.
type dotenvOf func(vault.File) (map[string]string, error)

// diffFiles is Diff with the dotenv files of each version read by
// oldEnv and newEnv, which are called only for a dotenv file that is in
// that version and changed.
func diffFiles(old, new []vault.File, oldEnv, newEnv dotenvOf) ([]FileChange, error) {
	om := byPath(old)
	nm := byPath(new)
	var out []FileChange
	for _, p := range unionKeys(om, nm) {
		o, inOld := om[p]
		n, inNew := nm[p]
		var c FileChange
		switch {
		case inOld && !inNew:
			c = FileChange{Op: '-', Path: p}
		case !inOld && inNew:
			c = FileChange{Op: '+', Path: p}
		case bytes.Equal(o.Data, n.Data) && pulledMode(o.Mode) == pulledMode(n.Mode):
			continue
		default:
			c = FileChange{Op: '~', Path: p, Mode: bytes.Equal(o.Data, n.Data)}
		}
		if IsDotenv(p) && !c.Mode {
			ov, nv := map[string]string{}, map[string]string{}
			var err error
			if inOld {
				if ov, err = oldEnv(o); err != nil {
					return nil, err
				}
			}
			if inNew {
				if nv, err = newEnv(n); err != nil {
					return nil, err
				}
			}
			c.Keys = diffValues(ov, nv)
		}
		out = append(out, c)
	}
	return out, nil
}

// byPath indexes files by path.
func byPath(files []vault.File) map[string]vault.File {
	m := make(map[string]vault.File, len(files))
	for _, f := range files {
		m[f.Path] = f
	}
	return m
}

// unionKeys is the keys of a and b, sorted, each once.
func unionKeys[V any](a, b map[string]V) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// pulledMode is the mode a file gets when pulled (vault.WriteDir keeps
// only the owner's bits), so that a pull does not show up as a mode change.
func pulledMode(m fs.FileMode) fs.FileMode { return m.Perm() & 0o700 }

// diffValues compares two dotenv files' values key by key.
func diffValues(om, nm map[string]string) []KeyChange {
	var out []KeyChange
	for _, k := range unionKeys(om, nm) {
		o, inOld := om[k]
		n, inNew := nm[k]
		switch {
		case inOld && !inNew:
			out = append(out, KeyChange{Op: '-', Key: k, Old: o})
		case !inOld && inNew:
			out = append(out, KeyChange{Op: '+', Key: k, New: n})
		case o != n:
			out = append(out, KeyChange{Op: '~', Key: k, Old: o, New: n})
		}
	}
	return out
}

// parsedDotenv is what dotenvValues gave for one file.
type parsedDotenv struct {
	values map[string]string
	err    error
}

// parseDotenvs parses each dotenv file of files, naming it name:path in
// syntax errors, as Diff would name it in the version called name.
func parseDotenvs(files []vault.File, name string) map[string]parsedDotenv {
	out := map[string]parsedDotenv{}
	for _, f := range files {
		if IsDotenv(f.Path) {
			v, err := dotenvValues(name+":"+f.Path, f.Data)
			out[f.Path] = parsedDotenv{v, err}
		}
	}
	return out
}

// parsed reads dotenv files from what parseDotenvs gave.
func parsed(m map[string]parsedDotenv) dotenvOf {
	return func(f vault.File) (map[string]string, error) {
		d := m[f.Path]
		return d.values, d.err
	}
}

// dotenvValues parses a dotenv file (nil: none) into its values by key.
func dotenvValues(name string, data []byte) (map[string]string, error) {
	m := map[string]string{}
	if data == nil {
		return m, nil
	}
	vars, err := vault.ParseDotenv(name, data, nil)
	if err != nil {
		return nil, err
	}
	for _, v := range vars {
		m[v.Key] = v.Value
	}
	return m, nil
}
