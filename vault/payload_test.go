package vault

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestMarshalPayloadDeterministic(t *testing.T) {
	a, err := MarshalPayload(sampleBundle())
	if err != nil {
		t.Fatal(err)
	}
	// Same files given in another order, another time zone for Created.
	b := sampleBundle()
	b.Files[0], b.Files[3] = b.Files[3], b.Files[0]
	b.Manifest.Created = b.Manifest.Created.In(time.FixedZone("X", 7200))
	c, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, c) {
		t.Fatal("same bundle gave different payload bytes")
	}
	// Headers: manifest first, sorted, uid/gid 0, fixed mtime, regular.
	tr := tar.NewReader(bytes.NewReader(a))
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(payloadModTime) || h.Typeflag != tar.TypeReg {
			t.Errorf("%q: header not canonical: %+v", h.Name, h)
		}
		names = append(names, h.Name)
	}
	want := ".vsync/manifest.json,.env.prod,gcp-sa.json,tls/a b/ü.txt,tls/server.crt"
	if strings.Join(names, ",") != want {
		t.Errorf("entries = %v", names)
	}
}

func TestParsePayloadRoundTrip(t *testing.T) {
	b := sampleBundle()
	p, err := MarshalPayload(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePayload(p)
	if err != nil {
		t.Fatal(err)
	}
	sameFiles(t, got.Files, b.Files)
	if got.Manifest.Env != "prod" || got.Manifest.Generation != 3 || got.Manifest.Parent != 2 || len(got.Manifest.Files) != 4 {
		t.Errorf("manifest fields differ: %+v", got.Manifest)
	}
	again, err := MarshalPayload(got)
	if err != nil || !bytes.Equal(again, p) {
		t.Errorf("re-marshal differs (err %v)", err)
	}
	// Empty bundle.
	empty := &Bundle{Manifest: NewManifest(Manifest{Env: "dev"}, nil)}
	p, err = MarshalPayload(empty)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePayload(p); err != nil {
		t.Fatal(err)
	}
}

// entry is one raw tar entry for building hostile payloads.
type entry struct {
	name string
	typ  byte
	mode int64
	data []byte
	link string
}

func rawTar(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		typ := e.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		mode := e.mode
		if mode == 0 {
			mode = 0o600
		}
		h := &tar.Header{Name: e.name, Typeflag: typ, Mode: mode, Size: int64(len(e.data)), Linkname: e.link, ModTime: payloadModTime, Format: tar.FormatPAX}
		if typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if typ == tar.TypeReg {
			tw.Write(e.data)
		}
	}
	tw.Close()
	return buf.Bytes()
}

func manifestJSON(t *testing.T, m Manifest) []byte {
	t.Helper()
	js, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(js, '\n')
}

func entryFor(path string, mode int64, data []byte) FileEntry {
	sum := sha256.Sum256(data)
	return FileEntry{Path: path, Mode: 0o600, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

func TestParsePayloadRejects(t *testing.T) {
	secret := []byte("CANARY-secret-content-91")
	man := func(entries ...FileEntry) []byte {
		return manifestJSON(t, Manifest{Format: FormatVersion, Env: "prod", Files: entries})
	}
	good := entryFor("a.txt", 0o600, secret)
	mf := func(js []byte) entry { return entry{name: ManifestPath, data: js} }
	cases := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"empty", nil, ErrManifest},
		{"garbage", bytes.Repeat([]byte("x"), 2048), ErrManifest},
		{"no manifest", rawTar(t, entry{name: "a.txt", data: secret}), ErrManifest},
		{"manifest not first", rawTar(t, entry{name: "a.txt", data: secret}, mf(man(good))), ErrManifest},
		{"malformed manifest", rawTar(t, mf([]byte("{not json")), entry{name: "a.txt", data: secret}), ErrManifest},
		{"unknown field", rawTar(t, mf([]byte(`{"format":1,"extra":1}`))), ErrManifest},
		{"wrong version", rawTar(t, mf(manifestJSON(t, Manifest{Format: 2}))), ErrManifest},
		{"absolute", rawTar(t, mf(man(good)), entry{name: "/etc/passwd", data: secret}), ErrUnsafePath},
		{"dotdot", rawTar(t, mf(man(good)), entry{name: "../a.txt", data: secret}), ErrUnsafePath},
		{"inner dotdot", rawTar(t, mf(man(good)), entry{name: "x/../a.txt", data: secret}), ErrUnsafePath},
		{"not clean", rawTar(t, mf(man(good)), entry{name: "./a.txt", data: secret}), ErrUnsafePath},
		{"double slash", rawTar(t, mf(man(good)), entry{name: "x//a.txt", data: secret}), ErrUnsafePath},
		{"symlink", rawTar(t, mf(man(good)), entry{name: "a.txt", typ: tar.TypeSymlink, link: "/etc/passwd"}), ErrUnsafePath},
		{"hardlink", rawTar(t, mf(man(good)), entry{name: "a.txt", typ: tar.TypeLink, link: ManifestPath}), ErrUnsafePath},
		{"dir", rawTar(t, mf(man(good)), entry{name: "d/", typ: tar.TypeDir}), ErrUnsafePath},
		{"fifo", rawTar(t, mf(man(good)), entry{name: "a.txt", typ: tar.TypeFifo}), ErrUnsafePath},
		{"char device", rawTar(t, mf(man(good)), entry{name: "a.txt", typ: tar.TypeChar}), ErrUnsafePath},
		{"duplicate", rawTar(t, mf(man(good)), entry{name: "a.txt", data: secret}, entry{name: "a.txt", data: secret}), ErrUnsafePath},
		{"second manifest", rawTar(t, mf(man(good)), entry{name: "a.txt", data: secret}, mf(man(good))), ErrUnsafePath},
		{"missing file", rawTar(t, mf(man(good))), ErrManifest},
		{"extra file", rawTar(t, mf(man(good)), entry{name: "a.txt", data: secret}, entry{name: "b.txt", data: secret}), ErrManifest},
		{"wrong content", rawTar(t, mf(man(good)), entry{name: "a.txt", data: []byte("CANARY-secret-content-92")}), ErrManifest},
		{"wrong size", rawTar(t, mf(man(good)), entry{name: "a.txt", data: append(secret, '!')}), ErrManifest},
		{"wrong mode", rawTar(t, mf(man(good)), entry{name: "a.txt", mode: 0o644, data: secret}), ErrManifest},
		{"manifest dup entry", rawTar(t, mf(man(good, good)), entry{name: "a.txt", data: secret}), ErrManifest},
		{"manifest unsafe path", rawTar(t, mf(man(entryFor("../x", 0o600, secret)))), ErrUnsafePath},
		{"reserved path", rawTar(t, mf(man(entryFor(".vsync/x", 0o600, secret))), entry{name: ".vsync/x", data: secret}), ErrUnsafePath},
		{"manifest compact JSON", func() []byte {
			js, _ := json.Marshal(Manifest{Format: FormatVersion, Files: []FileEntry{good}})
			return rawTar(t, mf(js), entry{name: "a.txt", data: secret})
		}(), ErrManifest},
		{"trailing data", append(rawTar(t, mf(man(good)), entry{name: "a.txt", data: secret}), make([]byte, 1024)...), ErrManifest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePayload(tc.payload)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "CANARY") {
				t.Fatal("error contains file content")
			}
		})
	}
	// The hand-built good payload is accepted, so the cases above fail for
	// the reason they name.
	if _, err := ParsePayload(rawTar(t, mf(man(good)), entry{name: "a.txt", data: secret})); err != nil {
		t.Fatalf("good payload rejected: %v", err)
	}
}

func TestMarshalPayloadRejects(t *testing.T) {
	b := sampleBundle()
	b.Files[1].Data = []byte("changed")
	if _, err := MarshalPayload(b); !errors.Is(err, ErrManifest) {
		t.Errorf("stale manifest: %v", err)
	}
	b = sampleBundle()
	b.Manifest.Format = 0
	if _, err := MarshalPayload(b); !errors.Is(err, ErrManifest) {
		t.Errorf("format 0: %v", err)
	}
	for _, p := range []string{"", "/abs", "../x", "a/../b", "a//b", "a/", ".", "a\\b", ".vsync/manifest.json"} {
		files := []File{{Path: p, Mode: 0o600, Data: []byte("x")}}
		b := &Bundle{Manifest: NewManifest(Manifest{}, files), Files: files}
		if _, err := MarshalPayload(b); !errors.Is(err, ErrUnsafePath) {
			t.Errorf("path %q: err = %v, want ErrUnsafePath", p, err)
		}
	}
}

func TestNewManifest(t *testing.T) {
	files := []File{{Path: "b", Mode: 0o100644, Data: []byte("hi")}, {Path: "a", Mode: 0o600}}
	m := NewManifest(Manifest{Env: "dev", Note: "n"}, files)
	if files[0].Path != "a" {
		t.Error("files not sorted")
	}
	if m.Format != FormatVersion || m.Env != "dev" || m.Note != "n" || len(m.Files) != 2 {
		t.Fatalf("manifest = %+v", m)
	}
	e := m.Files[1]
	if e.Path != "b" || e.Mode != 0o644 || e.Size != 2 || e.SHA256 != "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4" {
		t.Errorf("entry = %+v", e)
	}
}
