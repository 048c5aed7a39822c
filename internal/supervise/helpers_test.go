package supervise

import (
	"regexp"
	"testing"
	"time"

	"vsync/s3bundle"
	"vsync/vault"
)

// sealedBundle is a real bundle of env at generation gen, encrypted under
// pass, as a push would store it.
func sealedBundle(t *testing.T, env string, gen uint64, pass string, files ...vault.File) []byte {
	t.Helper()
	m := vault.NewManifest(vault.Manifest{Env: env, Generation: gen, Parent: gen - 1, Created: time.Unix(1700000000, 0).UTC(), Author: "t", Note: "n"}, files)
	raw, _, err := vault.Seal(&vault.Bundle{Manifest: m, Files: files}, []byte(pass), vault.SealOptions{S2KCount: 1024})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// fakeCache records what the poller keeps and confirms.
type fakeCache struct {
	kept      *[][]byte
	confirmed *[]string
}

func (c *fakeCache) Keep(raw []byte, _ s3bundle.ObjectInfo, _ uint64) {
	*c.kept = append(*c.kept, raw)
}

func (c *fakeCache) KeepUnchanged(etag string) {
	*c.confirmed = append(*c.confirmed, etag)
}

// canaryRe matches the canary values the tests plant.
var canaryRe = regexp.MustCompile(`CANARY[\w-]*`)

// redacted is s with every canary value replaced by <canary>, for failure
// messages.
func redacted(s string) string {
	return canaryRe.ReplaceAllString(s, "<canary>")
}
