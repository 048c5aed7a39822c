package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// ReadDir reads every regular file under dir (at any depth) as Files with
// slash-separated relative paths, sorted. A symlink or special file is an
// error naming its path.
//
// dir itself may be a symlink to a directory; nothing under it is followed.
// Mode is the file's permission bits. Nothing is skipped: the error for a
// symlink, socket, device or pipe wraps ErrUnsafePath.
func ReadDir(dir string) ([]File, error) {
	var files []File
	err := walkFiles(dir, func(rel, p string, mode fs.FileMode) error {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files = append(files, File{Path: rel, Mode: mode, Data: data})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortFiles(files)
	return files, nil
}

// HashDir is ReadDir returning each file's manifest entry (path, mode,
// size, SHA-256) instead of its content, sorted by path: it streams every
// file through the hash and holds none of them.
func HashDir(dir string) ([]FileEntry, error) {
	var entries []FileEntry
	err := walkFiles(dir, func(rel, p string, mode fs.FileMode) error {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		entries = append(entries, FileEntry{Path: rel, Mode: mode, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Path < entries[j].Path })
	return entries, nil
}

// walkFiles calls visit with the slash-separated relative path, the path
// and the permission bits of every regular file under dir, as ReadDir
// describes; errors name dir.
func walkFiles(dir string, visit func(rel, p string, mode fs.FileMode) error) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("reading %q: %w", dir, err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return fmt.Errorf("reading %q: not a directory", dir)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, rerr := filepath.Rel(root, p)
		if rerr != nil {
			return rerr
		}
		shown := filepath.Join(dir, rel)
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			kind := "a special file"
			if d.Type()&fs.ModeSymlink != 0 {
				kind = "a symlink"
			}
			return fmt.Errorf("%w: %q is %s, not a regular file", ErrUnsafePath, shown, kind)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return visit(filepath.ToSlash(rel), p, info.Mode().Perm())
	})
	if err != nil {
		return fmt.Errorf("reading %q: %w", dir, err)
	}
	return nil
}

// WriteDir writes files under dir (which must not exist yet, its parent
// must), directories 0700 and files with their mode masked to 0700/0600
// style permissions as recorded.
//
// Precisely: dir and every subdirectory get mode 0700, and each file gets
// Mode & 0700 (its owner bits only), so a secret is never group or world
// readable whatever the bundle recorded: 0644 becomes 0600, 0755 becomes
// 0700. Every path is checked with CheckPath before anything is created.
// On failure dir is removed again.
func WriteDir(dir string, files []File) (err error) {
	for _, f := range files {
		if err := CheckPath(f.Path); err != nil {
			return err
		}
	}
	if err := mkdir0700(dir); err != nil {
		return fmt.Errorf("creating %q: %w", dir, err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	made := map[string]bool{".": true}
	for _, f := range files {
		if err := mkdirParents(dir, path.Dir(f.Path), made); err != nil {
			return err
		}
		if err := writeFile(filepath.Join(dir, filepath.FromSlash(f.Path)), f); err != nil {
			return err
		}
	}
	return nil
}

// mkdirParents creates rel (slash-separated) and its parents under dir.
func mkdirParents(dir, rel string, made map[string]bool) error {
	if made[rel] {
		return nil
	}
	if err := mkdirParents(dir, path.Dir(rel), made); err != nil {
		return err
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := mkdir0700(p); err != nil {
		return fmt.Errorf("creating %q: %w", p, err)
	}
	made[rel] = true
	return nil
}

// mkdir0700 creates p, which must not exist, with mode exactly 0700
// whatever the umask.
func mkdir0700(p string) error {
	if err := os.Mkdir(p, 0o700); err != nil {
		return err
	}
	return os.Chmod(p, 0o700)
}

func writeFile(p string, f File) error {
	mode := f.Mode.Perm() & 0o700
	fh, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	_, werr := fh.Write(f.Data)
	cerr := fh.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("writing %q: %w", p, err)
	}
	return nil
}
