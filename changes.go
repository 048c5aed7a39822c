package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"sort"

	"vsync/vault"
)

// fileChange is one file added ('+'), removed ('-') or changed ('~')
// between two versions of an env, with its key changes when it is a
// dotenv file.
type fileChange struct {
	Op   byte
	Path string
	Mode bool // only the mode changed
	Keys []keyChange
}

// keyChange is one dotenv key added, removed or changed. Old and New are
// values: printed only with --reveal.
type keyChange struct {
	Op       byte
	Key      string
	Old, New string
}

// diffEnv compares two versions of an env's files (old may be nil for the
// first generation). Dotenv files are parsed with fromName/toName naming
// the versions in syntax errors.
func diffEnv(old, new []vault.File, fromName, toName string) ([]fileChange, error) {
	om := map[string]vault.File{}
	for _, f := range old {
		om[f.Path] = f
	}
	nm := map[string]vault.File{}
	for _, f := range new {
		nm[f.Path] = f
	}
	paths := map[string]bool{}
	for p := range om {
		paths[p] = true
	}
	for p := range nm {
		paths[p] = true
	}
	var sorted []string
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)

	var out []fileChange
	for _, p := range sorted {
		o, inOld := om[p]
		n, inNew := nm[p]
		var c fileChange
		switch {
		case inOld && !inNew:
			c = fileChange{Op: '-', Path: p}
		case !inOld && inNew:
			c = fileChange{Op: '+', Path: p}
		case bytes.Equal(o.Data, n.Data) && pulledMode(o.Mode) == pulledMode(n.Mode):
			continue
		default:
			c = fileChange{Op: '~', Path: p, Mode: bytes.Equal(o.Data, n.Data)}
		}
		if isDotenv(p) && !c.Mode {
			var err error
			var ov, nv []byte
			if inOld {
				ov = o.Data
			}
			if inNew {
				nv = n.Data
			}
			if c.Keys, err = diffDotenv(ov, nv, fromName+":"+p, toName+":"+p); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// pulledMode is the mode a file gets when pulled (vault.WriteDir keeps
// only the owner's bits), so that a pull does not show up as a mode change.
func pulledMode(m fs.FileMode) fs.FileMode { return m.Perm() & 0o700 }

// diffDotenv compares two dotenv files key by key.
func diffDotenv(old, new []byte, oldName, newName string) ([]keyChange, error) {
	parse := func(name string, data []byte) (map[string]string, error) {
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
	om, err := parse(oldName, old)
	if err != nil {
		return nil, err
	}
	nm, err := parse(newName, new)
	if err != nil {
		return nil, err
	}
	keys := map[string]bool{}
	for k := range om {
		keys[k] = true
	}
	for k := range nm {
		keys[k] = true
	}
	var sorted []string
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []keyChange
	for _, k := range sorted {
		o, inOld := om[k]
		n, inNew := nm[k]
		switch {
		case inOld && !inNew:
			out = append(out, keyChange{Op: '-', Key: k, Old: o})
		case !inOld && inNew:
			out = append(out, keyChange{Op: '+', Key: k, New: n})
		case o != n:
			out = append(out, keyChange{Op: '~', Key: k, Old: o, New: n})
		}
	}
	return out, nil
}

// printChanges writes changes, one file per line and its keys indented
// under it, names with control characters quoted (displayName). Values
// appear only with reveal, always quoted.
func printChanges(w io.Writer, changes []fileChange, indent string, reveal bool) {
	for _, c := range changes {
		suffix := ""
		if c.Mode {
			suffix = " (mode)"
		}
		fmt.Fprintf(w, "%s%c %s%s\n", indent, c.Op, displayName(c.Path), suffix)
		for _, k := range c.Keys {
			key := displayName(k.Key)
			if !reveal {
				fmt.Fprintf(w, "%s    %c %s\n", indent, k.Op, key)
				continue
			}
			switch k.Op {
			case '+':
				fmt.Fprintf(w, "%s    + %s=%q\n", indent, key, k.New)
			case '-':
				fmt.Fprintf(w, "%s    - %s=%q\n", indent, key, k.Old)
			default:
				fmt.Fprintf(w, "%s    ~ %s=%q -> %q\n", indent, key, k.Old, k.New)
			}
		}
	}
}
