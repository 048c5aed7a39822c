package vault

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
)

// GeneratedPrefix starts every passphrase GeneratePassphrase makes: "vsp1-"
// ("vsync passphrase, form 1"), then 32 random bytes (256 bits) as unpadded
// base64url, 48 characters in all.
const GeneratedPrefix = "vsp1-"

const generatedBytes = 32

// generatedLen is the length of a generated passphrase.
var generatedLen = len(GeneratedPrefix) + base64.RawURLEncoding.EncodedLen(generatedBytes)

// GeneratePassphrase returns a new random passphrase of at least 128 bits
// (vsync uses 256), in a form IsGenerated recognises.
func GeneratePassphrase() (string, error) {
	var b [generatedBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generating a passphrase: %w", err)
	}
	return GeneratedPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// IsGenerated reports whether p has the form of a passphrase
// GeneratePassphrase made, and so can be used with salted S2K: the prefix
// GeneratedPrefix and exactly 43 characters of canonical unpadded base64url
// encoding 32 bytes.
func IsGenerated(p string) bool {
	if len(p) != generatedLen || !strings.HasPrefix(p, GeneratedPrefix) {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(p[len(GeneratedPrefix):])
	return err == nil && len(b) == generatedBytes
}
