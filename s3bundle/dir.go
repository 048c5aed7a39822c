package s3bundle

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// On-disk names of the directory backend. Every name it keeps for itself
// starts with reservedPrefix; keys may not use such a segment, and List
// never returns one.
//
//	<root>/.vsync.lock                      flock: shared to read, exclusive to write
//	<dir>/<name>                            the object, exactly its bytes
//	<dir>/.vsync-meta.<name>.<etag>         its generation, in decimal
//	<dir>/.vsync-tmp.<name>.<random>        a write in progress
//
// The metadata sidecar is named after the content's ETag, so it can never
// describe other bytes: a crash between the two renames of a Put leaves the
// old object with its own sidecar (or the new one with its own).
const (
	reservedPrefix = ".vsync"
	lockName       = ".vsync.lock"
	metaPrefix     = ".vsync-meta."
	tmpPrefix      = ".vsync-tmp."
)

// Dir is the Backend on a local directory, same layout as a bucket.
// ETags are the hex SHA-256 of the content. Writers take an exclusive flock
// on <root>/.vsync.lock, readers a shared one, so conditional puts are
// atomic across goroutines and processes on one machine (flock over NFS is
// only as good as the NFS server's locking).
type Dir struct {
	root string
}

var _ Backend = (*Dir)(nil)

// NewDir returns the local-directory backend rooted at root (which must
// exist: a *NoDirError, which is ErrNoBucket, otherwise).
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("dir:%s: %w", root, err)
	}
	d := &Dir{root: abs}
	if err := d.checkRoot("open", ""); err != nil {
		return nil, err
	}
	return d, nil
}

// String names the backend: "dir:/abs/path".
func (d *Dir) String() string { return "dir:" + d.root }

// Root returns the absolute root directory.
func (d *Dir) Root() string { return d.root }

func (d *Dir) opErr(op, key string, kind, cause error) error {
	where := d.String()
	if key != "" {
		where += "/" + key
	}
	e := &opError{op: op, where: where, kind: kind, cause: cause}
	if cause != nil {
		e.detail = cause.Error()
		var pe *fs.PathError
		if errors.As(cause, &pe) {
			e.detail = pe.Op + ": " + pe.Err.Error() // the path is already in where
		}
	}
	return e
}

// checkRoot returns ErrNoBucket when the root is missing or not a directory.
func (d *Dir) checkRoot(op, key string) error {
	fi, err := os.Stat(d.root)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return d.opErr(op, key, &NoDirError{Root: d.root}, nil)
	case err != nil:
		return d.opErr(op, key, nil, err)
	case !fi.IsDir():
		return d.opErr(op, key, &NoDirError{Root: d.root, NotDir: true}, nil)
	}
	return nil
}

// NoDirError is the Dir backend's ErrNoBucket: its root directory is
// missing or not a directory. errors.Is(err, ErrNoBucket) holds for it,
// and its message speaks of a directory, never of a bucket.
type NoDirError struct {
	Root   string // absolute
	NotDir bool   // Root exists but is not a directory
}

func (e *NoDirError) Error() string {
	if e.NotDir {
		return fmt.Sprintf("%q is not a directory", e.Root)
	}
	return fmt.Sprintf("directory %q does not exist", e.Root)
}

// Is makes a NoDirError match ErrNoBucket.
func (e *NoDirError) Is(target error) bool { return target == ErrNoBucket }

// path maps a key to its file, rejecting invalid and reserved keys.
func (d *Dir) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, reservedPrefix) {
			return "", fmt.Errorf("%w %q: names starting with %q are reserved", ErrBadKey, key, reservedPrefix)
		}
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

// missing is the error for a key whose file is absent: ErrNoBucket when the
// root itself went away, else ErrNotExist.
func (d *Dir) missing(op, key string) error {
	if err := d.checkRoot(op, key); err != nil {
		return err
	}
	return d.opErr(op, key, ErrNotExist, nil)
}

// Head returns the object's info, or ErrNotExist.
func (d *Dir) Head(ctx context.Context, key string) (ObjectInfo, error) {
	f, info, err := d.open(ctx, "head", key)
	if err != nil {
		return ObjectInfo{}, err
	}
	f.Close()
	return info, nil
}

// Get opens the object for reading, or returns ErrNotExist. The reader is
// the open file: a later Put replaces the name, not these bytes.
func (d *Dir) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	f, info, err := d.open(ctx, "get", key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, ObjectInfo{}, d.opErr("get", key, nil, err)
	}
	return f, info, nil
}

// GetIfNoneMatch is Get unless the content's ETag (its SHA-256) is etag:
// then ErrNotModified.
func (d *Dir) GetIfNoneMatch(ctx context.Context, key, etag string) (io.ReadCloser, ObjectInfo, error) {
	rc, info, err := d.Get(ctx, key)
	if err == nil && etag != "" && info.ETag == etag {
		rc.Close()
		return nil, ObjectInfo{}, d.opErr("get", key, ErrNotModified, nil)
	}
	return rc, info, err
}

// open opens key's file under the shared lock and describes it.
func (d *Dir) open(ctx context.Context, op, key string) (*os.File, ObjectInfo, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, ObjectInfo{}, d.opErr(op, key, nil, err)
	}
	unlock, err := d.lock(op, key, false)
	if err != nil {
		return nil, ObjectInfo{}, err
	}
	defer unlock()
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			return nil, ObjectInfo{}, d.missing(op, key)
		}
		return nil, ObjectInfo{}, d.opErr(op, key, nil, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, ObjectInfo{}, d.opErr(op, key, nil, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, ObjectInfo{}, d.opErr(op, key, ErrNotExist, errors.New("not a regular file"))
	}
	etag, size, err := hashReader(f)
	if err != nil {
		f.Close()
		return nil, ObjectInfo{}, d.opErr(op, key, nil, err)
	}
	return f, ObjectInfo{
		Key:        key,
		ETag:       etag,
		Size:       size,
		Generation: readMeta(p, etag),
	}, nil
}

// Put stores data at key: under the exclusive lock it checks the condition,
// writes the sidecar and a temporary file (fsynced), renames the file into
// place and fsyncs the directory.
func (d *Dir) Put(ctx context.Context, key string, data []byte, opts PutOptions) (ObjectInfo, error) {
	p, err := d.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return ObjectInfo{}, d.opErr("put", key, nil, errors.New("both IfNoneMatch and IfMatch given"))
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, d.opErr("put", key, nil, err)
	}
	unlock, err := d.lock("put", key, true)
	if err != nil {
		return ObjectInfo{}, err
	}
	defer unlock()

	if opts.IfNoneMatch || opts.IfMatch != "" {
		etag, exists, err := fileETag(p)
		if err != nil {
			return ObjectInfo{}, d.opErr("put", key, nil, err)
		}
		switch {
		case opts.IfNoneMatch && exists:
			return ObjectInfo{}, d.opErr("put", key, ErrConflict, errors.New("key exists"))
		case opts.IfMatch != "" && !exists:
			return ObjectInfo{}, d.opErr("put", key, ErrConflict, errors.New("key does not exist"))
		case opts.IfMatch != "" && etag != opts.IfMatch:
			return ObjectInfo{}, d.opErr("put", key, ErrConflict, errors.New("ETag differs"))
		}
	}

	dir, name := filepath.Split(p)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return ObjectInfo{}, d.opErr("put", key, nil, err)
	}
	sum := sha256.Sum256(data)
	etag := hex.EncodeToString(sum[:])
	metaPath := filepath.Join(dir, metaPrefix+name+"."+etag)

	tmp, err := writeTemp(dir, name, data)
	if err != nil {
		return ObjectInfo{}, d.opErr("put", key, nil, err)
	}
	defer os.Remove(tmp) // a no-op after the rename
	if opts.Generation != 0 {
		if err := writeFileAtomic(dir, name, metaPath, []byte(strconv.FormatUint(opts.Generation, 10))); err != nil {
			return ObjectInfo{}, d.opErr("put", key, nil, err)
		}
	} else if err := os.Remove(metaPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return ObjectInfo{}, d.opErr("put", key, nil, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return ObjectInfo{}, d.opErr("put", key, nil, err)
	}
	if err := syncDir(dir); err != nil {
		return ObjectInfo{}, d.opErr("put", key, nil, err)
	}
	removeStaleMeta(dir, name, etag)
	return ObjectInfo{Key: key, ETag: etag, Size: int64(len(data)), Generation: opts.Generation}, nil
}

// List returns the keys that start with prefix, sorted. Only regular files
// count; the backend's own files are never listed.
func (d *Dir) List(ctx context.Context, prefix string) ([]string, error) {
	if err := d.checkRoot("list", prefix); err != nil {
		return nil, err
	}
	start := d.root
	if i := strings.LastIndex(prefix, "/"); i > 0 {
		dirPart := prefix[:i]
		if err := checkKey(dirPart); err != nil {
			return nil, err
		}
		start = filepath.Join(d.root, filepath.FromSlash(dirPart))
	}
	var keys []string
	err := filepath.WalkDir(start, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == start && (errors.Is(err, fs.ErrNotExist) || isNotDir(err)) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if p != d.root && strings.HasPrefix(e.Name(), reservedPrefix) {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(d.root, p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return nil, d.opErr("list", prefix, nil, err)
	}
	sort.Strings(keys)
	return keys, nil
}

// hashReader returns the hex SHA-256 and length of what r yields.
func hashReader(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

var _ InfoLister = (*Dir)(nil)

// ListInfo is List with each object's info as Head gives it (the ETag
// read, the SHA-256 of the content): a key removed meanwhile is left out.
// It reads every object listed, where S3's LIST reads none.
func (d *Dir) ListInfo(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	keys, err := d.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	infos := make([]ObjectInfo, 0, len(keys))
	for _, k := range keys {
		info, err := d.Head(ctx, k)
		if errors.Is(err, ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		infos = append(infos, info)
	}
	return infos, nil
}

// fileETag hashes the file at p; exists is false when there is none.
func fileETag(p string) (etag string, exists bool, err error) {
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer f.Close()
	etag, _, err = hashReader(f)
	return etag, err == nil, err
}

// readMeta returns the generation recorded for the content with this ETag
// at p, or 0.
func readMeta(p, etag string) uint64 {
	dir, name := filepath.Split(p)
	b, err := os.ReadFile(filepath.Join(dir, metaPrefix+name+"."+etag))
	if err != nil {
		return 0
	}
	gen, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return gen
}

// removeStaleMeta deletes name's sidecars for other contents. Best effort:
// a leftover sidecar names an ETag no content has, so it is never read.
func removeStaleMeta(dir, name, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), metaPrefix+name+".")
		if ok && rest != keep && isHexETag(rest) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

func isHexETag(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// writeTemp writes data to a new fsynced temporary file in dir and returns
// its path. Mode 0644 before umask, like any file a tool writes.
func writeTemp(dir, name string, data []byte) (string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", err
	}
	tmp := filepath.Join(dir, tmpPrefix+name+"."+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// writeFileAtomic puts data at dst through a temporary file and a rename.
func writeFileAtomic(dir, name, dst string, data []byte) error {
	tmp, err := writeTemp(dir, name, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
