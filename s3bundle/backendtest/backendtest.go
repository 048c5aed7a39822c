// Package backendtest is the conformance suite of the s3bundle.Backend
// contract. Every backend runs the same subtests:
//
//	func TestDir(t *testing.T) {
//		backendtest.Run(t, func(t *testing.T) s3bundle.Backend { ... })
//	}
//
// Decisions the contract leaves open are pinned here: Put with IfMatch on a
// missing key is ErrConflict (not ErrNotExist), and List with a prefix that
// ends mid-name matches by string prefix as S3 does.
//
// Test code only: imported by the backends' tests. Of vsync it imports
// s3bundle only.
package backendtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"testing"

	"vsync/s3bundle"
)

// Racers is how many goroutines race one conditional put.
const Racers = 16

// Run runs the suite. newBackend returns a fresh, empty backend for each
// subtest.
func Run(t *testing.T, newBackend func(t *testing.T) s3bundle.Backend) {
	tests := []struct {
		name string
		fn   func(*testing.T, s3bundle.Backend)
	}{
		{"MissingKey", testMissingKey},
		{"RoundTrip", testRoundTrip},
		{"EmptyObject", testEmptyObject},
		{"Overwrite", testOverwrite},
		{"Generation", testGeneration},
		{"IfNoneMatchExisting", testIfNoneMatchExisting},
		{"IfMatch", testIfMatch},
		{"IfMatchMissing", testIfMatchMissing},
		{"IfNoneMatchRace", testIfNoneMatchRace},
		{"IfMatchRace", testIfMatchRace},
		{"GetIfNoneMatch", testGetIfNoneMatch},
		{"Poll", testPoll},
		{"List", testList},
		{"ListInfo", testListInfo},
		{"BadKeys", testBadKeys},
		{"String", testString},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newBackend(t))
		})
	}
}

func put(t *testing.T, b s3bundle.Backend, key, data string, opts s3bundle.PutOptions) s3bundle.ObjectInfo {
	t.Helper()
	info, err := b.Put(t.Context(), key, []byte(data), opts)
	if err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	if info.ETag == "" {
		t.Errorf("Put(%q): empty ETag", key)
	}
	if info.Size != int64(len(data)) {
		t.Errorf("Put(%q): Size = %d, want %d", key, info.Size, len(data))
	}
	return info
}

func get(t *testing.T, b s3bundle.Backend, key string) (string, s3bundle.ObjectInfo) {
	t.Helper()
	rc, info, err := b.Get(t.Context(), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Get(%q): read: %v", key, err)
	}
	return string(data), info
}

func head(t *testing.T, b s3bundle.Backend, key string) s3bundle.ObjectInfo {
	t.Helper()
	info, err := b.Head(t.Context(), key)
	if err != nil {
		t.Fatalf("Head(%q): %v", key, err)
	}
	return info
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", what, err, want)
	}
}

func testMissingKey(t *testing.T, b s3bundle.Backend) {
	ctx := t.Context()
	_, err := b.Head(ctx, "env/missing.pgp")
	wantErr(t, "Head missing", err, s3bundle.ErrNotExist)
	rc, _, err := b.Get(ctx, "env/missing.pgp")
	if rc != nil {
		rc.Close()
		t.Error("Get missing returned a reader")
	}
	wantErr(t, "Get missing", err, s3bundle.ErrNotExist)
	if errors.Is(err, s3bundle.ErrNoBucket) {
		t.Errorf("missing key reported as missing bucket: %v", err)
	}
	keys, err := b.List(ctx, "env/")
	if err != nil || len(keys) != 0 {
		t.Fatalf("List on empty backend = %q, %v", keys, err)
	}
}

func testRoundTrip(t *testing.T, b s3bundle.Backend) {
	data := string(bytes.Repeat([]byte("0123456789abcdef\x00\xff"), 4096))
	pinfo := put(t, b, "p/env/current.pgp", data, s3bundle.PutOptions{})
	got, ginfo := get(t, b, "p/env/current.pgp")
	if got != data {
		t.Fatalf("Get returned %d bytes, want the %d put", len(got), len(data))
	}
	if ginfo.Key != "p/env/current.pgp" || ginfo.Size != int64(len(data)) || ginfo.ETag != pinfo.ETag {
		t.Errorf("Get info = %+v, want key, size %d, ETag %s", ginfo, len(data), pinfo.ETag)
	}
	hinfo := head(t, b, "p/env/current.pgp")
	if hinfo != ginfo {
		t.Errorf("Head = %+v, Get = %+v", hinfo, ginfo)
	}
}

func testEmptyObject(t *testing.T, b s3bundle.Backend) {
	put(t, b, "e/empty", "", s3bundle.PutOptions{})
	got, info := get(t, b, "e/empty")
	if got != "" || info.Size != 0 {
		t.Fatalf("empty object read back as %d bytes (Size %d)", len(got), info.Size)
	}
}

func testOverwrite(t *testing.T, b s3bundle.Backend) {
	first := put(t, b, "k", "one", s3bundle.PutOptions{})
	second := put(t, b, "k", "two!", s3bundle.PutOptions{})
	if first.ETag == second.ETag {
		t.Errorf("different contents have the same ETag %s", first.ETag)
	}
	if got, info := get(t, b, "k"); got != "two!" || info.ETag != second.ETag {
		t.Fatalf("after overwrite: %q %+v", got, info)
	}
}

func testGeneration(t *testing.T, b s3bundle.Backend) {
	info := put(t, b, "env/generations/0000000042.pgp", "g42", s3bundle.PutOptions{Generation: 42})
	if info.Generation != 42 {
		t.Errorf("Put info Generation = %d", info.Generation)
	}
	if h := head(t, b, "env/generations/0000000042.pgp"); h.Generation != 42 {
		t.Errorf("Head Generation = %d, want 42", h.Generation)
	}
	if _, g := get(t, b, "env/generations/0000000042.pgp"); g.Generation != 42 {
		t.Errorf("Get Generation = %d, want 42", g.Generation)
	}
	// Overwriting without a generation drops the old one.
	put(t, b, "env/generations/0000000042.pgp", "plain", s3bundle.PutOptions{})
	if h := head(t, b, "env/generations/0000000042.pgp"); h.Generation != 0 {
		t.Errorf("Head Generation after plain put = %d, want 0", h.Generation)
	}
	// The same bytes under a new generation.
	put(t, b, "env/generations/0000000042.pgp", "plain", s3bundle.PutOptions{Generation: 7})
	if h := head(t, b, "env/generations/0000000042.pgp"); h.Generation != 7 {
		t.Errorf("Head Generation after re-put = %d, want 7", h.Generation)
	}
	big := uint64(1)<<63 + 5
	put(t, b, "env/big", "x", s3bundle.PutOptions{Generation: big})
	if h := head(t, b, "env/big"); h.Generation != big {
		t.Errorf("Head Generation = %d, want %d", h.Generation, big)
	}
}

func testIfNoneMatchExisting(t *testing.T, b s3bundle.Backend) {
	first := put(t, b, "k", "first", s3bundle.PutOptions{IfNoneMatch: true, Generation: 1})
	_, err := b.Put(t.Context(), "k", []byte("second"), s3bundle.PutOptions{IfNoneMatch: true, Generation: 2})
	wantErr(t, "IfNoneMatch on existing key", err, s3bundle.ErrConflict)
	got, info := get(t, b, "k")
	if got != "first" || info.ETag != first.ETag || info.Generation != 1 {
		t.Fatalf("losing put changed the object: %q %+v", got, info)
	}
}

func testIfMatch(t *testing.T, b s3bundle.Backend) {
	v1 := put(t, b, "k", "v1", s3bundle.PutOptions{})
	v2 := put(t, b, "k", "v2", s3bundle.PutOptions{IfMatch: v1.ETag})
	_, err := b.Put(t.Context(), "k", []byte("v3"), s3bundle.PutOptions{IfMatch: v1.ETag})
	wantErr(t, "IfMatch with a stale ETag", err, s3bundle.ErrConflict)
	if got, info := get(t, b, "k"); got != "v2" || info.ETag != v2.ETag {
		t.Fatalf("losing put changed the object: %q %+v", got, info)
	}
	put(t, b, "k", "v3", s3bundle.PutOptions{IfMatch: v2.ETag})
}

func testIfMatchMissing(t *testing.T, b s3bundle.Backend) {
	other := put(t, b, "other", "x", s3bundle.PutOptions{})
	_, err := b.Put(t.Context(), "k", []byte("v"), s3bundle.PutOptions{IfMatch: other.ETag})
	wantErr(t, "IfMatch on a missing key", err, s3bundle.ErrConflict)
	_, err = b.Head(t.Context(), "k")
	wantErr(t, "Head after failed IfMatch", err, s3bundle.ErrNotExist)
}

// race runs Racers goroutines, released together, and returns their errors.
func race(fn func(i int) error) []error {
	errs := make([]error, Racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range Racers {
		done.Go(func() {
			start.Wait()
			errs[i] = fn(i)
		})
	}
	start.Done()
	done.Wait()
	return errs
}

// oneWinner checks that exactly one error is nil and the others ErrConflict,
// and returns the winner's index.
func oneWinner(t *testing.T, errs []error) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("racers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, s3bundle.ErrConflict):
			t.Fatalf("racer %d: %v, want ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no racer won")
	}
	return winner
}

func testIfNoneMatchRace(t *testing.T, b s3bundle.Backend) {
	ctx := t.Context()
	errs := race(func(i int) error {
		_, err := b.Put(ctx, "env/generations/0000000001.pgp", []byte(fmt.Sprint("racer ", i)),
			s3bundle.PutOptions{IfNoneMatch: true, Generation: uint64(i + 1)})
		return err
	})
	w := oneWinner(t, errs)
	got, info := get(t, b, "env/generations/0000000001.pgp")
	if got != fmt.Sprint("racer ", w) || info.Generation != uint64(w+1) {
		t.Fatalf("stored %q gen %d, but racer %d won", got, info.Generation, w)
	}
}

func testIfMatchRace(t *testing.T, b s3bundle.Backend) {
	ctx := t.Context()
	base := put(t, b, "env/current.pgp", "base", s3bundle.PutOptions{})
	errs := race(func(i int) error {
		_, err := b.Put(ctx, "env/current.pgp", []byte(fmt.Sprint("racer ", i)), s3bundle.PutOptions{IfMatch: base.ETag})
		return err
	})
	w := oneWinner(t, errs)
	if got, _ := get(t, b, "env/current.pgp"); got != fmt.Sprint("racer ", w) {
		t.Fatalf("stored %q, but racer %d won", got, w)
	}
}

func testGetIfNoneMatch(t *testing.T, b s3bundle.Backend) {
	testConditionalGet(t, b, b.GetIfNoneMatch)
}

// testPoll is testGetIfNoneMatch through s3bundle.NewPoll, one Poll per
// key used for all its reads.
func testPoll(t *testing.T, b s3bundle.Backend) {
	polls := map[string]s3bundle.Poll{}
	testConditionalGet(t, b, func(ctx context.Context, key, etag string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
		if polls[key] == nil {
			polls[key] = s3bundle.NewPoll(b, key)
		}
		return polls[key].IfNoneMatch(ctx, etag)
	})
}

// testConditionalGet checks getIfNoneMatch against the contract of
// Backend.GetIfNoneMatch.
func testConditionalGet(t *testing.T, b s3bundle.Backend,
	getIfNoneMatch func(ctx context.Context, key, etag string) (io.ReadCloser, s3bundle.ObjectInfo, error)) {
	ctx := t.Context()
	rc, _, err := getIfNoneMatch(ctx, "env/current.pgp", "")
	wantErr(t, "GetIfNoneMatch on a missing key", err, s3bundle.ErrNotExist)
	if rc != nil {
		rc.Close()
		t.Error("GetIfNoneMatch on a missing key returned a reader")
	}
	v1 := put(t, b, "env/current.pgp", "v1", s3bundle.PutOptions{Generation: 1})
	rc, _, err = getIfNoneMatch(ctx, "env/current.pgp", v1.ETag)
	wantErr(t, "GetIfNoneMatch with the object's ETag", err, s3bundle.ErrNotModified)
	if rc != nil {
		rc.Close()
		t.Error("GetIfNoneMatch not modified returned a reader")
	}

	conditional := func(etag, want string, wantInfo s3bundle.ObjectInfo) {
		t.Helper()
		rc, info, err := getIfNoneMatch(ctx, "env/current.pgp", etag)
		if err != nil {
			t.Fatalf("GetIfNoneMatch(%q): %v", etag, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil || string(data) != want {
			t.Fatalf("GetIfNoneMatch(%q) read %q, %v; want %q", etag, data, err, want)
		}
		if info.ETag != wantInfo.ETag || info.Generation != wantInfo.Generation || info.Size != int64(len(want)) {
			t.Errorf("GetIfNoneMatch(%q) info = %+v, want ETag %s generation %d", etag, info, wantInfo.ETag, wantInfo.Generation)
		}
	}
	conditional("", "v1", v1)
	conditional(`"not-the-etag"`, "v1", v1)
	v2 := put(t, b, "env/current.pgp", "v2!", s3bundle.PutOptions{Generation: 2})
	conditional(v1.ETag, "v2!", v2)
	_, _, err = getIfNoneMatch(ctx, "env/current.pgp", v2.ETag)
	wantErr(t, "GetIfNoneMatch with the new ETag", err, s3bundle.ErrNotModified)
	_, _, err = getIfNoneMatch(ctx, "env/other.pgp", v2.ETag)
	wantErr(t, "GetIfNoneMatch with an ETag on a missing key", err, s3bundle.ErrNotExist)
}

func testList(t *testing.T, b s3bundle.Backend) {
	keys := []string{
		"app/prod/generations/0000000002.pgp",
		"app/prod/current.pgp",
		"app/prod/generations/0000000010.pgp",
		"app/prod/generations/0000000001.pgp",
		"app/production/current.pgp",
		"app/staging/current.pgp",
		"other/x",
	}
	for i, k := range keys {
		put(t, b, k, k, s3bundle.PutOptions{Generation: uint64(i + 1)})
	}
	ctx := t.Context()
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"app/prod/generations/", []string{
			"app/prod/generations/0000000001.pgp",
			"app/prod/generations/0000000002.pgp",
			"app/prod/generations/0000000010.pgp",
		}},
		{"app/prod/", []string{
			"app/prod/current.pgp",
			"app/prod/generations/0000000001.pgp",
			"app/prod/generations/0000000002.pgp",
			"app/prod/generations/0000000010.pgp",
		}},
		{"app/prod", []string{
			"app/prod/current.pgp",
			"app/prod/generations/0000000001.pgp",
			"app/prod/generations/0000000002.pgp",
			"app/prod/generations/0000000010.pgp",
			"app/production/current.pgp",
		}},
		{"app/s", []string{"app/staging/current.pgp"}},
		{"nothing/", nil},
		{"/app", nil},
		{"", slices.Sorted(slices.Values(keys))},
	} {
		got, err := b.List(ctx, tc.prefix)
		if err != nil {
			t.Fatalf("List(%q): %v", tc.prefix, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
		}
	}
}

// testListInfo: a backend that is an InfoLister lists the keys List
// lists, each with the ETag and size Head gives; an overwritten object
// lists with its new ETag.
func testListInfo(t *testing.T, b s3bundle.Backend) {
	il, ok := b.(s3bundle.InfoLister)
	if !ok {
		t.Skip("not an InfoLister")
	}
	ctx := t.Context()
	for i, key := range []string{"env/generations/0000000002.pgp", "env/generations/0000000001.pgp", "env/current.pgp", "other/x"} {
		if _, err := b.Put(ctx, key, bytes.Repeat([]byte{'a' + byte(i)}, 10+i), s3bundle.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	check := func() {
		t.Helper()
		infos, err := il.ListInfo(ctx, "env/")
		if err != nil {
			t.Fatal(err)
		}
		keys, err := b.List(ctx, "env/")
		if err != nil {
			t.Fatal(err)
		}
		if len(infos) != len(keys) {
			t.Fatalf("ListInfo: %d objects, List: %d keys", len(infos), len(keys))
		}
		for i, o := range infos {
			head, err := b.Head(ctx, o.Key)
			if err != nil {
				t.Fatal(err)
			}
			if o.Key != keys[i] || o.ETag == "" || o.ETag != head.ETag || o.Size != head.Size {
				t.Errorf("ListInfo[%d] = %+v, want key %q, ETag %q, size %d", i, o, keys[i], head.ETag, head.Size)
			}
		}
	}
	check()
	if _, err := b.Put(ctx, "env/current.pgp", []byte("replaced"), s3bundle.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	check()
}

func testBadKeys(t *testing.T, b s3bundle.Backend) {
	ctx := t.Context()
	for _, key := range []string{"", "/abs", "a/../b", "..", "a//b", "./a", "a/."} {
		if _, err := b.Put(ctx, key, []byte("x"), s3bundle.PutOptions{}); !errors.Is(err, s3bundle.ErrBadKey) {
			t.Errorf("Put(%q): %v, want ErrBadKey", key, err)
		}
		if _, err := b.Head(ctx, key); !errors.Is(err, s3bundle.ErrBadKey) {
			t.Errorf("Head(%q): %v, want ErrBadKey", key, err)
		}
	}
}

func testString(t *testing.T, b s3bundle.Backend) {
	if b.String() == "" {
		t.Error("String() is empty")
	}
	_, err := b.Head(t.Context(), "some/key")
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("some/key")) {
		t.Errorf("error %v does not name the key", err)
	}
}
