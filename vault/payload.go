package vault

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// payloadModTime is the mtime of every payload entry, so that the same
// bundle always gives the same bytes.
var payloadModTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// manifestMode is the tar mode of the manifest entry.
const manifestMode = 0o600

// NewManifest fills Files (path, mode, size, sha256) of m from files, sorts
// files by path, and sets Format. Other fields are left as given.
//
// files is sorted in place. Mode is reduced to its permission bits.
func NewManifest(m Manifest, files []File) Manifest {
	sortFiles(files)
	m.Format = FormatVersion
	m.Files = make([]FileEntry, len(files))
	for i, f := range files {
		sum := sha256.Sum256(f.Data)
		m.Files[i] = FileEntry{
			Path:   f.Path,
			Mode:   f.Mode.Perm(),
			Size:   int64(len(f.Data)),
			SHA256: hex.EncodeToString(sum[:]),
		}
	}
	return m
}

func sortFiles(files []File) {
	sort.SliceStable(files, func(i, j int) bool { return files[i].Path < files[j].Path })
}

// MarshalPayload writes the deterministic tar of b (manifest first, then the
// files sorted by path). b.Manifest.Files must describe b.Files.
//
// It checks what ParsePayload would check, so it never writes a payload that
// ParsePayload rejects: every path must be safe (CheckPath), and the manifest
// must list exactly the files with their mode, size and SHA-256. Errors wrap
// ErrUnsafePath or ErrManifest. b is not modified. Created is written in UTC.
func MarshalPayload(b *Bundle) ([]byte, error) {
	files := make([]File, len(b.Files))
	copy(files, b.Files)
	sortFiles(files)
	if err := checkDescribes(&b.Manifest, files); err != nil {
		return nil, err
	}
	// Room for the manifest (about 200 bytes a file, and the notes) and
	// for each entry a header, padding and perhaps a PAX header.
	size := 4096 + 2*(len(b.Manifest.Note)+len(b.Manifest.Author)+len(b.Manifest.Env))
	for _, f := range files {
		size += 3*512 + 200 + len(f.Data) + 3*len(f.Path)
	}
	var buf bytes.Buffer
	buf.Grow(size)
	if err := writePayload(&buf, &b.Manifest, files, nil); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkDescribes checks that m is a valid manifest listing exactly files
// (sorted) with matching mode, size and SHA-256.
func checkDescribes(m *Manifest, files []File) error {
	return checkDescribesHashing(m, files, true)
}

// checkDescribesHashing is checkDescribes, comparing the SHA-256 digests
// only when hash is true.
func checkDescribesHashing(m *Manifest, files []File, hash bool) error {
	if err := checkManifest(m); err != nil {
		return err
	}
	if len(m.Files) != len(files) {
		return fmt.Errorf("%w: manifest lists %d files, bundle has %d", ErrManifest, len(m.Files), len(files))
	}
	for i, f := range files {
		e := m.Files[i]
		if e.Path != f.Path {
			return fmt.Errorf("%w: %q is not listed in the manifest", ErrManifest, f.Path)
		}
		if !hash {
			if e.Mode != f.Mode.Perm() || e.Size != int64(len(f.Data)) {
				return fmt.Errorf("%w: %q: mode or size differs from the manifest", ErrManifest, e.Path)
			}
			continue
		}
		if err := checkEntry(e, f.Mode.Perm(), f.Data); err != nil {
			return err
		}
	}
	return nil
}

// checkEntry compares a file's mode and content with its manifest entry.
func checkEntry(e FileEntry, mode fs.FileMode, data []byte) error {
	return checkEntrySum(e, mode, data, nil)
}

// checkEntrySum is checkEntry with data's SHA-256 already known when sum
// is not nil.
func checkEntrySum(e FileEntry, mode fs.FileMode, data []byte, sum *[sha256.Size]byte) error {
	if e.Mode != mode {
		return fmt.Errorf("%w: %q: mode %#o, manifest says %#o", ErrManifest, e.Path, mode, e.Mode)
	}
	if e.Size != int64(len(data)) {
		return fmt.Errorf("%w: %q: size %d, manifest says %d", ErrManifest, e.Path, len(data), e.Size)
	}
	if sum == nil {
		s := sha256.Sum256(data)
		sum = &s
	}
	if hex.EncodeToString(sum[:]) != e.SHA256 {
		return fmt.Errorf("%w: %q: SHA-256 does not match the manifest", ErrManifest, e.Path)
	}
	return nil
}

// checkManifest checks the manifest on its own: format, safe sorted unique
// paths, permission-only modes, sizes and hex digests.
func checkManifest(m *Manifest) error {
	if m.Format != FormatVersion {
		return fmt.Errorf("%w: format version %d, this vsync reads %d", ErrManifest, m.Format, FormatVersion)
	}
	if m.ParentSHA256 != "" && !isHexSHA256(m.ParentSHA256) {
		return fmt.Errorf("%w: parent_sha256 is not a hex SHA-256", ErrManifest)
	}
	for i, e := range m.Files {
		if err := CheckPath(e.Path); err != nil {
			return err
		}
		if i > 0 && m.Files[i-1].Path >= e.Path {
			if m.Files[i-1].Path == e.Path {
				return fmt.Errorf("%w: %q listed twice in the manifest", ErrManifest, e.Path)
			}
			return fmt.Errorf("%w: files not sorted at %q", ErrManifest, e.Path)
		}
		if e.Mode&^fs.ModePerm != 0 {
			return fmt.Errorf("%w: %q: mode %#o has more than permission bits", ErrManifest, e.Path, uint32(e.Mode))
		}
		if e.Size < 0 {
			return fmt.Errorf("%w: %q: negative size", ErrManifest, e.Path)
		}
		if !isHexSHA256(e.SHA256) {
			return fmt.Errorf("%w: %q: sha256 is not lower-case hex", ErrManifest, e.Path)
		}
	}
	return nil
}

func isHexSHA256(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// CheckPath reports whether p may be a file path in a bundle: non-empty,
// slash-separated, relative, clean (path.Clean(p) == p), no "." or ".."
// component, no backslash or NUL, and not under the reserved ".vsync/"
// directory. The error wraps ErrUnsafePath and quotes p.
func CheckPath(p string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q: %s", ErrUnsafePath, p, why) }
	switch {
	case p == "":
		return bad("empty path")
	case strings.HasPrefix(p, "/"):
		return bad("absolute path")
	case strings.ContainsAny(p, "\\\x00"):
		return bad("backslash or NUL in path")
	}
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return bad("'..' in path")
		}
	}
	if path.Clean(p) != p || p == "." {
		return bad("path is not clean")
	}
	if p == ".vsync" || strings.HasPrefix(p, ".vsync/") {
		return bad("'.vsync/' is reserved for the manifest")
	}
	return nil
}

// writePayload writes the tar of m and files (already sorted and checked).
// written, when not nil, is called with each file's index once its entry
// is written.
func writePayload(w io.Writer, m *Manifest, files []File, written func(i int)) error {
	mc := *m
	mc.Created = m.Created.UTC()
	js, err := json.MarshalIndent(&mc, "", "  ")
	if err != nil {
		return fmt.Errorf("%w: encoding the manifest: %v", ErrManifest, err)
	}
	js = append(js, '\n')
	tw := tar.NewWriter(w)
	if err := writeEntry(tw, ManifestPath, manifestMode, js); err != nil {
		return err
	}
	for i, f := range files {
		if err := writeEntry(tw, f.Path, f.Mode.Perm(), f.Data); err != nil {
			return err
		}
		if written != nil {
			written(i)
		}
	}
	return tw.Close()
}

func writeEntry(tw *tar.Writer, name string, mode fs.FileMode, data []byte) error {
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     name,
		Mode:     int64(mode),
		Size:     int64(len(data)),
		ModTime:  payloadModTime,
		Format:   tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing tar header for %q: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("writing %q: %w", name, err)
	}
	return nil
}

// errNotCanonical is returned by canonWriter on the first differing byte.
var errNotCanonical = errors.New("not canonical")

// canonWriter compares what is written with want, without copying.
type canonWriter struct {
	want []byte
	off  int
}

func (c *canonWriter) Write(p []byte) (int, error) {
	if len(p) > len(c.want)-c.off || !bytes.Equal(p, c.want[c.off:c.off+len(p)]) {
		return 0, errNotCanonical
	}
	c.off += len(p)
	return len(p), nil
}

// ParsePayload reads a payload tar and checks it: manifest first, every path
// relative and clean, no links or special files, no duplicates, every file
// listed in the manifest with matching mode, size and SHA-256 and nothing
// more. Errors wrap ErrUnsafePath or ErrManifest and name the path, never
// the content. File.Data may alias payload.
//
// It also requires the payload to be byte for byte what MarshalPayload
// writes for the bundle it describes (the canonical form), so nothing can
// hide in tar padding, extended headers or after the end marker.
func ParsePayload(payload []byte) (*Bundle, error) {
	return parsePayload(payload, nil, nil)
}

// parsePayload is ParsePayload taking from sums (may be nil) the digest
// of the data at a span of payload instead of hashing it, and recording
// in spans (when not nil) where each file's data lies.
func parsePayload(payload []byte, sums fileDigests, spans map[string]dataSpan) (*Bundle, error) {
	r := bytes.NewReader(payload)
	tr := tar.NewReader(r)
	b := &Bundle{}
	if err := readManifest(payload, r, tr, &b.Manifest); err != nil {
		return nil, err
	}
	files, err := readFiles(payload, r, tr, b.Manifest.Files, sums, spans)
	if err != nil {
		return nil, err
	}
	b.Files = files
	sortFiles(b.Files)
	cw := &canonWriter{want: payload}
	if err := writePayload(cw, &b.Manifest, b.Files, nil); err != nil || cw.off != len(payload) {
		return nil, fmt.Errorf("%w: payload is not in canonical form (entry order, headers, JSON layout or trailing data)", ErrManifest)
	}
	return b, nil
}

// readManifest reads the payload's first entry, which must be the
// manifest, into m and checks it, including that the file sizes it claims
// fit in the payload. r and tr read payload.
func readManifest(payload []byte, r *bytes.Reader, tr *tar.Reader, m *Manifest) error {
	hdr, err := tr.Next()
	if err != nil {
		return fmt.Errorf("%w: no manifest: %v", ErrManifest, tarErr(err))
	}
	if hdr.Name != ManifestPath || hdr.Typeflag != tar.TypeReg {
		return fmt.Errorf("%w: first entry is %q, not %q", ErrManifest, hdr.Name, ManifestPath)
	}
	js, err := entryData(payload, r, hdr)
	if err != nil {
		return err
	}
	if !readCanonicalManifest(js, m) {
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(m); err != nil {
			return fmt.Errorf("%w: malformed manifest JSON", ErrManifest)
		}
	}
	if err := checkManifest(m); err != nil {
		return err
	}
	// The sizes the manifest claims must fit in the payload: nothing is
	// allocated from them, and a manifest that lies is refused before the
	// entries are read.
	var claimed int64
	for _, e := range m.Files {
		claimed += min(e.Size, int64(len(payload))+1)
		if claimed > int64(len(payload)) {
			return fmt.Errorf("%w: the manifest's file sizes add up to more than the %d-byte payload", ErrManifest, len(payload))
		}
	}
	return nil
}

// readFiles reads the entries after the manifest, to the end of the tar,
// and returns them in tar order: each a file that listed describes (see
// readFile), and every file of listed present once. r and tr read payload.
func readFiles(payload []byte, r *bytes.Reader, tr *tar.Reader, listed []FileEntry, sums fileDigests, spans map[string]dataSpan) ([]File, error) {
	want := make(map[string]int, len(listed))
	for i, e := range listed {
		want[e.Path] = i
	}
	seen := make(map[string]bool, len(listed))
	files := make([]File, 0, len(listed))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: reading the payload tar: %v", ErrManifest, tarErr(err))
		}
		off := int64(len(payload)) - int64(r.Len())
		f, err := readFile(payload, r, hdr, listed, want, seen, sums)
		if err != nil {
			return nil, err
		}
		if spans != nil {
			spans[f.Path] = dataSpan{off, int64(len(f.Data))}
		}
		files = append(files, f)
	}
	for _, e := range listed {
		if !seen[e.Path] {
			return nil, fmt.Errorf("%w: %q is listed in the manifest but missing", ErrManifest, e.Path)
		}
	}
	return files, nil
}

// readFile checks the entry whose header tr just read and returns it as a
// File aliasing payload: a regular file at a safe path, not the manifest,
// not already in seen (it is added), listed in the manifest (want maps a
// path to its index in listed) with the same mode, size and SHA-256, the
// data's digest taken from sums when it holds the entry's span.
func readFile(payload []byte, r *bytes.Reader, hdr *tar.Header, listed []FileEntry, want map[string]int, seen map[string]bool, sums fileDigests) (File, error) {
	name := hdr.Name
	if hdr.Typeflag != tar.TypeReg {
		return File{}, fmt.Errorf("%w: %q is not a regular file (type %q)", ErrUnsafePath, name, hdr.Typeflag)
	}
	if name == ManifestPath {
		return File{}, fmt.Errorf("%w: %q appears twice", ErrUnsafePath, name)
	}
	if err := CheckPath(name); err != nil {
		return File{}, err
	}
	if seen[name] {
		return File{}, fmt.Errorf("%w: %q appears twice", ErrUnsafePath, name)
	}
	seen[name] = true
	i, ok := want[name]
	if !ok {
		return File{}, fmt.Errorf("%w: %q is not listed in the manifest", ErrManifest, name)
	}
	off := int64(len(payload)) - int64(r.Len())
	data, err := entryData(payload, r, hdr)
	if err != nil {
		return File{}, err
	}
	mode := fs.FileMode(hdr.Mode)
	if hdr.Mode < 0 || hdr.Mode > int64(fs.ModePerm) {
		return File{}, fmt.Errorf("%w: %q: mode %#o has more than permission bits", ErrManifest, name, hdr.Mode)
	}
	var known *[sha256.Size]byte
	if sum, ok := sums[dataSpan{off, int64(len(data))}]; ok {
		known = &sum
	}
	if err := checkEntrySum(listed[i], mode, data, known); err != nil {
		return File{}, err
	}
	return File{Path: name, Mode: mode, Data: data}, nil
}

// entryData returns the data of the entry whose header tr just read,
// aliasing payload: after Next, r is positioned at the entry's data.
func entryData(payload []byte, r *bytes.Reader, hdr *tar.Header) ([]byte, error) {
	off := int64(len(payload)) - int64(r.Len())
	if hdr.Size < 0 || hdr.Size > int64(r.Len()) {
		return nil, fmt.Errorf("%w: %q: truncated entry", ErrManifest, hdr.Name)
	}
	end := off + hdr.Size
	return payload[off:end:end], nil
}

// tarErr reduces an archive/tar error to a message without file content.
func tarErr(err error) string {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return "unexpected end of tar"
	}
	if errors.Is(err, tar.ErrHeader) {
		return "invalid tar header"
	}
	return "invalid tar"
}
