package vault

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const fuzzCanary = "CANARY-fuzz-9d1e"

func FuzzParseDotenv(f *testing.F) {
	for _, s := range []string{
		"A=b", "export A=b #c", "A='x\ny'", "A=\"a\\n${B}$C\\$\"", "A=${", "\ufeffA=1\r\nB=2",
		"A=" + fuzzCanary, "A=\"" + fuzzCanary, "A='" + fuzzCanary, "A=\"" + fuzzCanary + "\"x",
		"A=" + fuzzCanary + "${B", "=" + fuzzCanary, "# " + fuzzCanary + "\nA",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		vars, err := ParseDotenv("f.env", data, func(k string) (string, bool) { return fuzzCanary, k == "SECRET" })
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error is not a *SyntaxError")
			}
			if se.Line < 1 || !strings.HasPrefix(err.Error(), "f.env:") {
				t.Fatalf("bad error position %d", se.Line)
			}
			if strings.Contains(err.Error(), fuzzCanary) {
				t.Fatal("error contains the planted canary")
			}
			return
		}
		seen := map[string]bool{}
		for _, v := range vars {
			if seen[v.Key] || v.Key == "" || v.Line < 1 {
				t.Fatalf("bad var: duplicate or empty key, line %d", v.Line)
			}
			seen[v.Key] = true
		}
	})
}

func FuzzParsePayload(f *testing.F) {
	if p, err := MarshalPayload(sampleBundle()); err == nil {
		f.Add(p)
	}
	empty := &Bundle{Manifest: NewManifest(Manifest{Env: "x"}, nil)}
	if p, err := MarshalPayload(empty); err == nil {
		f.Add(p)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := ParsePayload(data)
		if err != nil {
			if !errors.Is(err, ErrManifest) && !errors.Is(err, ErrUnsafePath) {
				t.Fatalf("error wraps no sentinel")
			}
			return
		}
		again, err := MarshalPayload(b)
		if err != nil {
			t.Fatalf("accepted payload does not re-marshal: %v", err)
		}
		if !bytes.Equal(again, data) {
			t.Fatal("accepted payload re-marshals differently")
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	for _, opts := range []SealOptions{testOpts, {HighEntropy: true}} {
		var ct bytes.Buffer
		if err := Encrypt(&ct, []byte("payload "+fuzzCanary), []byte(testPass), opts); err == nil {
			f.Add(ct.Bytes())
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := Decrypt(bytes.NewReader(data), []byte(testPass), ReadOptions{Size: int64(len(data))})
		if err != nil {
			if !errors.Is(err, ErrIntegrity) && !errors.Is(err, ErrWrongPassphrase) {
				t.Fatalf("error wraps no sentinel")
			}
			if strings.Contains(err.Error(), fuzzCanary) {
				t.Fatal("error contains content")
			}
			return
		}
		_ = out
	})
}
