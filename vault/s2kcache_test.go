package vault

import (
	"bytes"
	"errors"
	"sync"
	"testing"
)

// sealed seals n copies of sampleBundle under testPass with opts.
func sealed(t *testing.T, n int, opts SealOptions) [][]byte {
	t.Helper()
	var out [][]byte
	for range n {
		ct, _, err := Seal(sampleBundle(), []byte(testPass), opts)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ct)
	}
	return out
}

// Objects sealed with one salt share their passphrase packet's S2K but
// not their session key, and a KeyCache opening them all derives the key
// once, also when they are opened concurrently; objects with random salts
// cost one derivation each, as before. Every object opens without the
// cache too, and a wrong passphrase is still told apart.
func TestKeyCacheOneDerivationPerSalt(t *testing.T) {
	salt, err := NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	var sealKeys KeyCache
	cts := sealed(t, n, SealOptions{S2KCount: 65536, Salt: salt, Keys: &sealKeys})
	if len(sealKeys.keys) != 1 {
		t.Fatalf("sealing %d objects with one salt derived %d keys, want 1", n, len(sealKeys.keys))
	}
	sessionKeys := map[string]bool{}
	var keys KeyCache
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, ct := range cts {
		wg.Go(func() {
			b, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Size: int64(len(ct)), Keys: &keys})
			if err != nil {
				t.Error(err)
				return
			}
			if len(b.Files) != len(sampleFiles()) {
				t.Errorf("%d files opened, want %d", len(b.Files), len(sampleFiles()))
			}
			sk, err := unlockSKESK(bytes.NewReader(ct), []byte(testPass), nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			sessionKeys[string(sk)] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(keys.keys) != 1 {
		t.Errorf("opening %d objects with one salt derived %d keys, want 1", n, len(keys.keys))
	}
	if len(sessionKeys) != n {
		t.Errorf("%d objects share %d session keys, want one each", n, len(sessionKeys))
	}
	if !bytes.Equal(cts[0][6:14], salt) || !bytes.Equal(cts[n-1][6:14], salt) {
		t.Errorf("the passphrase packet does not carry the salt given")
	}

	var random KeyCache
	for _, ct := range sealed(t, 3, testOpts) {
		if _, _, err := Open(bytes.NewReader(ct), []byte(testPass), ReadOptions{Keys: &random}); err != nil {
			t.Fatal(err)
		}
	}
	if len(random.keys) != 3 {
		t.Errorf("3 objects with random salts: %d keys derived, want 3", len(random.keys))
	}
	// The cache is keyed by the passphrase too: a wrong one after the
	// right one is still wrong.
	if _, _, err := Open(bytes.NewReader(cts[0]), []byte("not "+testPass), ReadOptions{Keys: &keys}); !errors.Is(err, ErrWrongPassphrase) {
		t.Errorf("wrong passphrase through the cache: %v, want ErrWrongPassphrase", err)
	}
}

// Rewrap with a salt gives every object the rotation's one salt, and the
// result opens with the new passphrase.
func TestRewrapGivenSalt(t *testing.T) {
	salt := []byte("rotation")
	var keys KeyCache
	for _, ct := range sealed(t, 3, testOpts) {
		out, err := Rewrap(ct, []byte(testPass), []byte("new "+testPass), SealOptions{S2KCount: 65536, Salt: salt, Keys: &keys})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out[6:14], salt) {
			t.Fatal("the rewrapped passphrase packet does not carry the salt given")
		}
		if _, _, err := Open(bytes.NewReader(out), []byte("new "+testPass), ReadOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// 3 old random salts opened, 1 new salt wrapped.
	if len(keys.keys) != 4 {
		t.Errorf("%d keys derived, want 4", len(keys.keys))
	}
}
