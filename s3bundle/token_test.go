package s3bundle_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"

	"vsync/s3bundle"
)

func fullToken() s3bundle.Token {
	return s3bundle.Token{
		Bucket: "vault", Prefix: "team/app", Env: "prod", Region: "eu-central-1",
		Endpoint: "http://127.0.0.1:9000", PathStyle: true,
		AccessKey: "AKIAEXAMPLE", SecretKey: "CANARY-token-secret", SessionToken: "tok",
	}
}

func TestTokenRoundTrip(t *testing.T) {
	for _, tok := range []s3bundle.Token{fullToken(), {Bucket: "b", Env: "e"}} {
		s, err := tok.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(s, s3bundle.TokenPrefix) {
			t.Fatalf("token %q lacks the prefix", s)
		}
		got, err := s3bundle.ParseToken(s)
		if err != nil || got != tok {
			t.Fatalf("ParseToken(Encode(%+v)) = %+v, %v", tok, got, err)
		}
		// Whitespace around it and missing padding are accepted.
		got, err = s3bundle.ParseToken("\n  " + strings.TrimRight(s, "=") + " \r\n")
		if err != nil || got != tok {
			t.Fatalf("ParseToken with whitespace and no padding = %+v, %v", got, err)
		}
	}
}

// encodeRaw builds a token from arbitrary JSON.
func encodeRaw(t *testing.T, js string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(js))
	zw.Close()
	return s3bundle.TokenPrefix + base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestTokenWireFormat(t *testing.T) {
	// Field names are the wire format; unknown fields are ignored.
	tok, err := s3bundle.ParseToken(encodeRaw(t, `{"bucket":"b","prefix":"p","env":"e","region":"r",
		"endpoint":"http://x","path_style":true,"access_key":"a","secret_key":"s","session_token":"t","future":{"x":1}}`))
	want := s3bundle.Token{Bucket: "b", Prefix: "p", Env: "e", Region: "r", Endpoint: "http://x",
		PathStyle: true, AccessKey: "a", SecretKey: "s", SessionToken: "t"}
	if err != nil || tok != want {
		t.Fatalf("ParseToken = %+v, %v", tok, err)
	}
}

func TestTokenErrors(t *testing.T) {
	const canary = "CANARY-in-token"
	bomb := func() string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(`{"bucket":"b","env":"e","pad":"`))
		zw.Write(bytes.Repeat([]byte("A"), 10<<20))
		zw.Write([]byte(`"}`))
		zw.Close()
		return s3bundle.TokenPrefix + base64.StdEncoding.EncodeToString(buf.Bytes())
	}()
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", "want prefix vsync-cfg-v1:"},
		{"other prefix", "vsync-cfg-v2:" + canary, "want prefix vsync-cfg-v1:"},
		{"raw json", `{"bucket":"` + canary + `"}`, "want prefix"},
		{"bad base64", s3bundle.TokenPrefix + "!!" + canary, "not valid base64"},
		{"empty payload", s3bundle.TokenPrefix, "not valid base64"},
		{"not gzip", s3bundle.TokenPrefix + base64.StdEncoding.EncodeToString([]byte(canary+canary)), "not valid gzip"},
		{"truncated gzip", encodeRaw(t, `{"bucket":"`+canary+`","env":"e"}`)[:40], "not valid gzip"},
		{"bad json", encodeRaw(t, `{"bucket":"`+canary), "JSON is malformed"},
		{"json array", encodeRaw(t, `["`+canary+`"]`), "JSON is malformed"},
		{"no bucket", encodeRaw(t, `{"env":"`+canary+`"}`), "no bucket"},
		{"no env", encodeRaw(t, `{"bucket":"`+canary+`"}`), "no env"},
		{"gzip bomb", bomb, "larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s3bundle.ParseToken(tc.in)
			if !errors.Is(err, s3bundle.ErrToken) {
				t.Fatalf("got %q, want ErrToken", strings.ReplaceAll(fmt.Sprint(err), canary, "<canary>"))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", strings.ReplaceAll(err.Error(), canary, "<canary>"), tc.want)
			}
			if strings.Contains(err.Error(), canary) {
				t.Error("the error echoes the input (holds the canary)")
			}
		})
	}
}

func TestTokenEncodeRefusesIncomplete(t *testing.T) {
	if _, err := (s3bundle.Token{Env: "e"}).Encode(); err == nil {
		t.Error("Encode without bucket succeeded")
	}
	if _, err := (s3bundle.Token{Bucket: "b"}).Encode(); err == nil {
		t.Error("Encode without env succeeded")
	}
}

func FuzzParseToken(f *testing.F) {
	good, _ := fullToken().Encode()
	f.Add(good)
	f.Add(s3bundle.TokenPrefix)
	f.Add(s3bundle.TokenPrefix + "H4sIAAAAAAAA")
	f.Add("vsync-cfg-v1:e30=")
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := s3bundle.ParseToken(s)
		if err != nil {
			if !errors.Is(err, s3bundle.ErrToken) {
				t.Fatalf("error does not wrap ErrToken: %v", err)
			}
			return
		}
		if tok.Bucket == "" || tok.Env == "" {
			t.Fatalf("parsed a token without bucket or env: %+v", tok)
		}
		// A parsed token encodes and parses back to itself.
		enc, err := tok.Encode()
		if err != nil {
			t.Fatalf("Encode(%+v): %v", tok, err)
		}
		back, err := s3bundle.ParseToken(enc)
		if err != nil || back != tok {
			t.Fatalf("round trip: %+v -> %+v, %v", tok, back, err)
		}
	})
}

func FuzzTokenEncode(f *testing.F) {
	f.Add("vault", "team/app", "prod", "us-east-1", "http://127.0.0.1:9000", true, "AK", "SK", "")
	f.Fuzz(func(t *testing.T, bucket, prefix, env, region, endpoint string, pathStyle bool, ak, sk, st string) {
		tok := s3bundle.Token{Bucket: bucket, Prefix: prefix, Env: env, Region: region, Endpoint: endpoint,
			PathStyle: pathStyle, AccessKey: ak, SecretKey: sk, SessionToken: st}
		enc, err := tok.Encode()
		if err != nil {
			// JSON escaping grows a byte at most sixfold: 8 KiB of
			// fields always fit in MaxTokenJSON.
			if bucket != "" && env != "" && len(bucket+prefix+env+region+endpoint+ak+sk+st) < 8<<10 {
				t.Fatalf("Encode: %v", err)
			}
			return
		}
		got, err := s3bundle.ParseToken(enc)
		if err != nil {
			t.Fatalf("ParseToken(Encode()): %v", err)
		}
		// JSON turns invalid UTF-8 into U+FFFD; compare valid input only.
		if strings.ToValidUTF8(bucket+prefix+env+region+endpoint+ak+sk+st, "\uFFFD") ==
			bucket+prefix+env+region+endpoint+ak+sk+st && got != tok {
			t.Fatalf("round trip: %+v -> %+v", tok, got)
		}
	})
}
