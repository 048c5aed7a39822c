package vault

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

// TestOpenNoSum: with NoSum, Open returns the same bundle and no payload
// digest, and a file whose content does not match its manifest digest is
// still refused (the per-file check is not what NoSum skips). Big payloads
// take Open's parallel path.
func TestOpenNoSum(t *testing.T) {
	for _, big := range []bool{false, true} {
		b := sampleBundle()
		if big {
			data := bytes.Repeat([]byte{7}, parallelHashMin+1)
			b = &Bundle{Manifest: NewManifest(b.Manifest, []File{{Path: "blob", Mode: 0o600, Data: data}}), Files: []File{{Path: "blob", Mode: 0o600, Data: data}}}
		}
		payload, err := MarshalPayload(b)
		if err != nil {
			t.Fatal(err)
		}
		var ct bytes.Buffer
		if err := Encrypt(&ct, payload, []byte(testPass), testOpts); err != nil {
			t.Fatal(err)
		}
		got, sum, err := Open(bytes.NewReader(ct.Bytes()), []byte(testPass), ReadOptions{NoSum: true})
		if err != nil || sum != "" {
			t.Fatalf("big %v: Open with NoSum: sum %q, %v", big, sum, err)
		}
		sameFiles(t, got.Files, b.Files)
		_, sum, err = Open(bytes.NewReader(ct.Bytes()), []byte(testPass), ReadOptions{})
		want := sha256.Sum256(payload)
		if err != nil || sum != hex.EncodeToString(want[:]) {
			t.Fatalf("big %v: Open: wrong payload digest, %v", big, err)
		}

		// The last file's last byte sits just before the tar's padding.
		last := b.Files[len(b.Files)-1]
		at := bytes.LastIndex(payload, last.Data) + len(last.Data) - 1
		bad := bytes.Clone(payload)
		bad[at] ^= 1
		ct.Reset()
		if err := Encrypt(&ct, bad, []byte(testPass), testOpts); err != nil {
			t.Fatal(err)
		}
		for _, o := range []ReadOptions{{NoSum: true}, {}} {
			if _, _, err := Open(bytes.NewReader(ct.Bytes()), []byte(testPass), o); !errors.Is(err, ErrManifest) {
				t.Fatalf("big %v, %+v: a file changed under its manifest: %v, want ErrManifest", big, o, err)
			}
		}
	}
}
