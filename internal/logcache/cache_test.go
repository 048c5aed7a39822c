package logcache

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vsync/internal/bundlecache"
	"vsync/internal/history"
)

const (
	testLocation = "s3://bucket/app/prod at http://127.0.0.1:9000"
	testPass     = "correct horse battery staple, twice"
)

// testKey is a log cache key (workspace.Home.LogCacheKey makes them
// random).
var testKey = []byte("0123456789abcdef0123456789abcdef")

func testID(gen uint64) history.EntryID {
	return history.EntryID{Gen: gen,
		Object: history.ObjectID{ETag: fmt.Sprintf(`"etag-%d"`, gen), Size: 100 + int64(gen)},
		Parent: history.ObjectID{ETag: fmt.Sprintf(`"etag-%d"`, gen-1), Size: 99 + int64(gen)}}
}

func testEntry(gen uint64) history.Entry {
	return history.Entry{Gen: gen, Parent: gen - 1, Created: time.Date(2026, 11, 29, 4, 0, int(gen), 0, time.UTC),
		Author: "ann@example.com", Note: fmt.Sprintf("note %d", gen),
		Changes: []history.FileChange{
			{Op: '~', Path: ".env.prod", Keys: []history.KeyChange{{Op: '~', Key: "DB_PASSWORD", Old: "old-secret-value", New: "new-secret-value"}}},
			{Op: '+', Path: "tls/key.pem"},
			{Op: '~', Path: "run.sh", Mode: true},
		}}
}

// withoutValues is e as a cache gives it back: key names only.
func withoutValues(e history.Entry) history.Entry {
	for i := range e.Changes {
		keys := append([]history.KeyChange(nil), e.Changes[i].Keys...)
		for j := range keys {
			keys[j].Old, keys[j].New = "", ""
		}
		e.Changes[i].Keys = keys
	}
	return e
}

// saved is a cache in a fresh directory holding generations 1..n, saved.
func saved(t *testing.T, n uint64) (dir string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "log")
	c, err := Open(dir, testLocation, "prod", []byte(testPass), testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	for g := uint64(1); g <= n; g++ {
		c.Keep(testID(g), testEntry(g))
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestRoundTrip: what was kept and saved is what the next Open gives,
// under the same ids only, without any value; the file is 0600 in a 0700
// directory.
func TestRoundTrip(t *testing.T) {
	dir := saved(t, 3)
	c, err := Open(dir, testLocation, "prod", []byte(testPass), testKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	for g := uint64(1); g <= 3; g++ {
		got, ok := c.Entry(testID(g))
		if want := withoutValues(testEntry(g)); !ok || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Entry(%d) = %v %v, want %v", g, got, ok, want)
		}
	}
	if _, ok := c.Entry(testID(4)); ok {
		t.Error("an entry for generation 4, never kept")
	}
	other := testID(2)
	other.Object.ETag = `"another"`
	if _, ok := c.Entry(other); ok {
		t.Error("entry of generation 2 given for another ETag of its object")
	}
	other = testID(2)
	other.Object.Size++
	if _, ok := c.Entry(other); ok {
		t.Error("entry of generation 2 given for another size of its object")
	}
	other = testID(2)
	other.Parent.ETag = `"another"`
	if _, ok := c.Entry(other); ok {
		t.Error("entry of generation 2 given for another parent object")
	}
	other = testID(2)
	other.Parent = history.ObjectID{}
	if _, ok := c.Entry(other); ok {
		t.Error("entry of generation 2 given when it has no parent any more")
	}
	data, err := os.ReadFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("secret-value")) {
		t.Error("the cache file holds a value")
	}
	if !bytes.Contains(data, []byte("DB_PASSWORD")) {
		t.Error("the cache file lacks the key name")
	}
	if fi, err := os.Stat(c.Path()); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v %v", fi.Mode(), err)
	}
}

// TestPlanted: a file changed by someone without the passphrase (an
// entry planted, a note rewritten, an entry moved to another ETag, the
// MAC of another file) is ErrTampered and gives no entry; a Save then
// replaces it.
func TestPlanted(t *testing.T) {
	for name, edit := range map[string]func([]byte) []byte{
		"note": func(b []byte) []byte { return bytes.Replace(b, []byte("note 2"), []byte("evil 2"), 1) },
		"etag": func(b []byte) []byte { return bytes.Replace(b, []byte(`etag-3\"`), []byte(`etag-9\"`), 1) },
		"added": func(b []byte) []byte {
			return bytes.Replace(b, []byte(`[{"gen":1,`), []byte(`[{"gen":7,"etag":"x","size":1,"parent":6,"created":"2026-01-01T00:00:00Z","author":"eve","note":"planted"},{"gen":1,`), 1)
		},
		"mac": func(b []byte) []byte {
			i := bytes.Index(b, []byte(`"mac":"`)) + len(`"mac":"`)
			b[i] ^= 1
			return b
		},
		"not json": func(b []byte) []byte { return append([]byte("garbage\n"), b...) },
	} {
		t.Run(name, func(t *testing.T) {
			dir := saved(t, 3)
			c, _ := Open(dir, testLocation, "prod", []byte(testPass), testKey, nil)
			data, err := os.ReadFile(c.Path())
			if err != nil {
				t.Fatal(err)
			}
			changed := edit(bytes.Clone(data))
			if bytes.Equal(changed, data) {
				t.Fatal("the edit changed nothing")
			}
			if err := os.WriteFile(c.Path(), changed, 0o600); err != nil {
				t.Fatal(err)
			}
			c, err = Open(dir, testLocation, "prod", []byte(testPass), testKey, nil)
			if !errors.Is(err, ErrTampered) {
				t.Fatalf("Open: %v, want ErrTampered", err)
			}
			for g := uint64(1); g <= 9; g++ {
				if _, ok := c.Entry(testID(g)); ok {
					t.Errorf("entry of generation %d from a tampered file", g)
				}
			}
			c.Keep(testID(1), testEntry(1))
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			if c, err = Open(dir, testLocation, "prod", []byte(testPass), testKey, nil); err != nil {
				t.Fatalf("after Save: %v", err)
			}
			if _, ok := c.Entry(testID(1)); !ok {
				t.Error("the file Save wrote over a tampered one gives nothing")
			}
		})
	}
}

// TestOtherKey: a file written under another log cache key, or another
// passphrase (one since rotated; a wrong one), gives no entry and no
// error, and the next Save rewrites it; another vault or env does not
// share the file.
func TestOtherKey(t *testing.T) {
	other := []byte("another key, another key, another")
	for name, open := range map[string]func(dir string) (*Cache, error){
		"key": func(dir string) (*Cache, error) { return Open(dir, testLocation, "prod", []byte(testPass), other, nil) },
		"passphrase": func(dir string) (*Cache, error) {
			return Open(dir, testLocation, "prod", []byte("after a rotation"), testKey, nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := saved(t, 2)
			c, err := open(dir)
			if err != nil {
				t.Fatalf("Open under another %s: %v", name, err)
			}
			if _, ok := c.Entry(testID(1)); ok {
				t.Errorf("an entry under another %s", name)
			}
			c.Keep(testID(2), testEntry(2))
			if err := c.Save(); err != nil {
				t.Fatal(err)
			}
			if c, err = open(dir); err != nil {
				t.Fatalf("after Save under the other %s: %v", name, err)
			}
			if _, ok := c.Entry(testID(2)); !ok {
				t.Error("the rewritten file gives nothing")
			}
			if c, err := Open(dir, testLocation, "prod", []byte(testPass), testKey, nil); err != nil {
				t.Errorf("Open under the first key after the rewrite: %v", err)
			} else if _, ok := c.Entry(testID(2)); ok {
				t.Error("an entry written under another key given under the first")
			}
		})
	}
	dir := saved(t, 2)
	for _, loc := range [][2]string{{"s3://other/app/prod", "prod"}, {testLocation, "staging"}} {
		c, err := Open(dir, loc[0], loc[1], []byte(testPass), testKey, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := c.Entry(testID(1)); ok {
			t.Errorf("%s %s: an entry of another vault", loc[0], loc[1])
		}
	}
}

// TestNothingOfThePassphrase: the file holds nothing derived from the
// passphrase alone, which would let a copy of it test guesses of the
// passphrase without the S2K: not the key id of the first format (an
// HKDF of the passphrase), nor one unsalted by the log cache key, and its
// MAC is not keyed by the passphrase alone.
func TestNothingOfThePassphrase(t *testing.T) {
	dir := saved(t, 2)
	c, _ := Open(dir, testLocation, "prod", []byte(testPass), testKey, nil)
	data, err := os.ReadFile(c.Path())
	if err != nil {
		t.Fatal(err)
	}
	line, body, _ := bytes.Cut(data, []byte{'\n'})
	var h header
	if err := json.Unmarshal(line, &h); err != nil || h.KeyID == "" || h.Format != format {
		t.Fatalf("header %s: %v", line, err)
	}
	for _, info := range []string{"vsync log cache key id v1", keyIDInfo} {
		id, err := hkdf.Key(sha256.New, []byte(testPass), nil, info, 8)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(hex.EncodeToString(id))) || bytes.Contains(data, id) {
			t.Errorf("the cache file holds the passphrase's key id (%s)", info)
		}
	}
	for _, info := range []string{"vsync log cache MAC v1", macInfo} {
		mk, _ := hkdf.Key(sha256.New, []byte(testPass), nil, info, sha256.Size)
		unsalted := &Cache{location: testLocation, env: "prod", key: mk, keyID: h.KeyID}
		if h.MAC == hex.EncodeToString(unsalted.mac(body)) {
			t.Errorf("the cache file's MAC is keyed by the passphrase alone (%s)", info)
		}
	}
}

// TestUnsafeDir: a directory others may write to is not read, nor
// written.
func TestUnsafeDir(t *testing.T) {
	dir := saved(t, 1)
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir, testLocation, "prod", []byte(testPass), testKey, nil)
	if !errors.Is(err, bundlecache.ErrUnsafeDir) {
		t.Fatalf("Open: %v, want ErrUnsafeDir", err)
	}
	if _, ok := c.Entry(testID(1)); ok {
		t.Error("an entry from an unsafe directory")
	}
	if err := os.Remove(c.Path()); err != nil {
		t.Fatal(err)
	}
	c.Keep(testID(1), testEntry(1))
	if err := c.Save(); !errors.Is(err, bundlecache.ErrUnsafeDir) {
		t.Errorf("Save: %v, want ErrUnsafeDir", err)
	}
	if _, err := os.Stat(c.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Save wrote into an unsafe directory: %v", err)
	}
}

// TestNoKeyYet: without a key (none made yet) a file is not used, and no
// error; Save gets a key first (makeKey), and writes nothing when that
// fails; a Cache that keeps nothing makes no key.
func TestNoKeyYet(t *testing.T) {
	dir := saved(t, 2)
	made := 0
	makeKey := func() ([]byte, error) { made++; return testKey, nil }
	c, err := Open(dir, testLocation, "prod", []byte(testPass), nil, makeKey)
	if err != nil {
		t.Fatalf("Open without a key: %v", err)
	}
	if _, ok := c.Entry(testID(1)); ok {
		t.Error("an entry without a key")
	}
	if err := c.Save(); err != nil || made != 0 {
		t.Errorf("Save of nothing kept: %v, %d keys made", err, made)
	}
	c.Keep(testID(1), testEntry(1))
	if err := c.Save(); err != nil || made != 1 {
		t.Fatalf("Save: %v, %d keys made", err, made)
	}
	if c, err = Open(dir, testLocation, "prod", []byte(testPass), testKey, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := c.Entry(testID(1)); !ok {
		t.Error("the entry saved under the key made is not there")
	}

	fresh := filepath.Join(t.TempDir(), "log")
	c, _ = Open(fresh, testLocation, "prod", []byte(testPass), nil, func() ([]byte, error) { return nil, errors.New("no key") })
	c.Keep(testID(1), testEntry(1))
	if err := c.Save(); err == nil {
		t.Error("Save without a key: no error")
	}
	if _, err := os.Stat(c.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Save without a key wrote the file: %v", err)
	}
}
