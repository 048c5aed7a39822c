package vault

// This file lists the contract of the package. Helpers replace each body;
// the signatures and doc comments are the agreed API.

import "io"

// SealOptions says how to encrypt a payload.
type SealOptions struct {
	// HighEntropy is true for a passphrase vsync generated (IsGenerated):
	// salted S2K is used, since stretching cannot strengthen 128+ random bits.
	// Otherwise iterated+salted S2K with S2KCount is used.
	HighEntropy bool
	// S2KCount for iterated S2K; 0 means DefaultS2KCount.
	S2KCount int
}

// GeneratePassphrase returns a new random passphrase of at least 128 bits
// (vsync uses 256), in a form IsGenerated recognises.
func GeneratePassphrase() (string, error) { panic("TODO") }

// IsGenerated reports whether p has the form of a passphrase
// GeneratePassphrase made, and so can be used with salted S2K.
func IsGenerated(p string) bool { panic("TODO") }

// NewManifest fills Files (path, mode, size, sha256) of m from files, sorts
// files by path, and sets Format. Other fields are left as given.
func NewManifest(m Manifest, files []File) Manifest { panic("TODO") }

// MarshalPayload writes the deterministic tar of b (manifest first, then the
// files sorted by path). b.Manifest.Files must describe b.Files.
func MarshalPayload(b *Bundle) ([]byte, error) { panic("TODO") }

// ParsePayload reads a payload tar and checks it: manifest first, every path
// relative and clean, no links or special files, no duplicates, every file
// listed in the manifest with matching mode, size and SHA-256 and nothing
// more. Errors wrap ErrUnsafePath or ErrManifest and name the path, never
// the content. File.Data may alias payload.
func ParsePayload(payload []byte) (*Bundle, error) { panic("TODO") }

// Encrypt writes payload as an OpenPGP message to w under passphrase.
func Encrypt(w io.Writer, payload []byte, passphrase []byte, opts SealOptions) error { panic("TODO") }

// Decrypt reads the whole OpenPGP message from r and returns the payload,
// only after the MDC was checked at EOF. sizeHint (0 if unknown) lets it
// allocate once. Errors wrap ErrWrongPassphrase or ErrIntegrity.
func Decrypt(r io.Reader, passphrase []byte, sizeHint int64) ([]byte, error) { panic("TODO") }

// Seal = NewManifest is NOT applied; it is MarshalPayload + Encrypt. It
// returns the ciphertext and the hex SHA-256 of the payload (the value a
// child generation records as ParentSHA256).
func Seal(b *Bundle, passphrase []byte, opts SealOptions) (ciphertext []byte, payloadSHA256 string, err error) {
	panic("TODO")
}

// Open = Decrypt + ParsePayload. It returns the bundle and the hex SHA-256
// of the payload.
func Open(r io.Reader, passphrase []byte, sizeHint int64) (*Bundle, string, error) { panic("TODO") }

// ReadDir reads every regular file under dir (at any depth) as Files with
// slash-separated relative paths, sorted. A symlink or special file is an
// error naming its path.
func ReadDir(dir string) ([]File, error) { panic("TODO") }

// WriteDir writes files under dir (which must not exist yet, its parent
// must), directories 0700 and files with their mode masked to 0700/0600
// style permissions as recorded.
func WriteDir(dir string, files []File) error { panic("TODO") }
