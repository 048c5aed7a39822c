package vault

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"reflect"
	"testing"
	"time"
)

// canonManifests are manifests as written, for TestReadCanonicalManifest
// and FuzzReadCanonicalManifest's seeds.
func canonManifests() []Manifest {
	created := time.Date(2026, 11, 29, 7, 1, 19, 0, time.UTC)
	file := FileEntry{Path: ".env.prod", Mode: 0o600, Size: 3602, SHA256: "474ce2d300144af9a67c9d97e3e18aeffe5372b15cd93922f7f7f90132a926f2"}
	return []Manifest{
		{Format: 1, Env: "prod", Generation: 1, Created: created, Author: "ann@example.com", Note: "first", Files: []FileEntry{file}},
		{Format: 1, Env: "prod", Generation: 250, Parent: 249, ParentSHA256: file.SHA256, Created: created.Add(123456789),
			Author: "unknown@vm", Note: "bench 250", Files: []FileEntry{file, {Path: "a/b c.bin", Mode: 0o644, Size: 0, SHA256: file.SHA256}}},
		{Format: 1, Env: "e", Generation: 18446744073709551615, Parent: 0, Created: created, Files: nil},
		{Format: -3, Env: "", Generation: 2, Parent: 1, Created: created, Files: []FileEntry{}},
		// Strings JSON escapes or that are not ASCII: encoding/json's path.
		{Format: 1, Env: "prod", Generation: 3, Created: created, Author: "Zoë <z@example.com>", Note: "a \"quoted\" & \\ note\n",
			Files: []FileEntry{{Path: "é.txt", Mode: 0o600, Size: 1, SHA256: file.SHA256}}},
	}
}

// marshalManifest is the manifest entry writePayload writes for m.
func marshalManifest(t testing.TB, m Manifest) []byte {
	t.Helper()
	m.Created = m.Created.UTC()
	js, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(js, '\n')
}

// decodeManifest is how readManifest decodes a manifest without
// readCanonicalManifest.
func decodeManifest(js []byte) (Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	err := dec.Decode(&m)
	return m, err
}

// TestReadCanonicalManifest: a manifest as written, its strings plain
// ASCII, is read by readCanonicalManifest into what encoding/json gives;
// one with escapes or other characters in its strings is left to
// encoding/json, and so is anything not laid out as written.
func TestReadCanonicalManifest(t *testing.T) {
	for i, m := range canonManifests() {
		js := marshalManifest(t, m)
		want, err := decodeManifest(js)
		if err != nil {
			t.Fatal(err)
		}
		var got Manifest
		ok := readCanonicalManifest(js, &got)
		if fast := i < 4; ok != fast {
			t.Errorf("manifest %d: read as written %v, want %v", i, ok, fast)
		}
		if ok && !reflect.DeepEqual(got, want) {
			t.Errorf("manifest %d: %+v, encoding/json gives %+v", i, got, want)
		}
	}
	js := marshalManifest(t, canonManifests()[1])
	for _, bad := range [][]byte{
		js[:len(js)-1], append(bytes.Clone(js), ' '), bytes.Replace(js, []byte("  \"env\""), []byte(" \"env\""), 1),
		bytes.Replace(js, []byte(": 250"), []byte(": 0250"), 1), bytes.Replace(js, []byte(": 250"), []byte(": 2.5e2"), 1),
		bytes.Replace(js, []byte(": 249"), []byte(": -249"), 1), bytes.Replace(js, []byte(": 384"), []byte(": 4294967296"), 1),
		bytes.Replace(js, []byte("\"note\""), []byte("\"notes\""), 1), bytes.Replace(js, []byte("\"bench 250\""), []byte("null"), 1),
		bytes.Replace(js, []byte("07:01:19"), []byte("24:01:19"), 1), bytes.Replace(js, []byte("\n  ]"), []byte(",\n  ]"), 1),
	} {
		var m Manifest
		if readCanonicalManifest(bad, &m) || !reflect.DeepEqual(m, Manifest{}) {
			t.Errorf("read as written: %q", bad)
		}
	}
}

// FuzzReadCanonicalManifest: whatever readCanonicalManifest reads,
// encoding/json (as readManifest uses it) reads too, into the same
// manifest.
func FuzzReadCanonicalManifest(f *testing.F) {
	for _, m := range canonManifests() {
		f.Add(marshalManifest(f, m))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		var got Manifest
		if !readCanonicalManifest(js, &got) {
			return
		}
		want, err := decodeManifest(js)
		if err != nil {
			t.Fatalf("encoding/json refuses what was read as written: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read as written %+v, encoding/json gives %+v", got, want)
		}
	})
}

// FuzzManifestStructured builds manifests from fuzzed field values,
// writes them as writePayload does, sometimes spoils one number with a
// leading zero, and checks that whatever readCanonicalManifest accepts it
// reads exactly as encoding/json does: unlike FuzzReadCanonicalManifest's
// raw bytes, nearly every input here reaches the fast reader's accepting
// path.
func FuzzManifestStructured(f *testing.F) {
	f.Add("prod", "a", "n", ".env.prod", "abc", int64(5), uint32(0o600), uint64(3), uint64(2), int64(1700000000), 1, "x", uint8(0))
	f.Add("", "é", "\u2028", "a\"b", "<>&", int64(-1), uint32(1<<31), uint64(1<<63), uint64(0), int64(-5), -1, "", uint8(1))
	f.Fuzz(func(t *testing.T, env, author, note, path, sha string, size int64, mode uint32, gen, parent uint64, sec int64, format int, psha string, mut uint8) {
		m := Manifest{Format: format, Env: env, Generation: gen, Parent: parent, ParentSHA256: psha,
			Created: time.Unix(sec%(1<<35), int64(mut)*1000).UTC(), Author: author, Note: note,
			Files: []FileEntry{
				{Path: path, Mode: fs.FileMode(mode), Size: size, SHA256: sha},
				{Path: sha, Mode: 0, Size: -size, SHA256: path},
			}}
		js := marshalManifest(t, m)
		if mut%7 == 1 {
			js = bytes.Replace(js, []byte("1"), []byte("01"), 1)
		}
		var got Manifest
		if !readCanonicalManifest(js, &got) {
			return
		}
		want, err := decodeManifest(js)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: accepted as %+v, encoding/json: %+v, %v", js, got, want, err)
		}
	})
}
