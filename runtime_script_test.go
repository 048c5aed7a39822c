package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// Testscript commands of the runtime scripts (run_*, env_*, status_*,
// token_*). They are registered in TestScripts' Cmds.

// mktoken KIND VAR: set VAR to a malformed runtime token of KIND:
//
//	prefix   a valid token body behind the wrong prefix (vsync-cfg-v2:)
//	base64   the right prefix and a body that is not base64
//	gzip     valid base64 of bytes that are not gzip
//	json     base64 of gzip of text that is not JSON
//	nobucket base64 of gzip of JSON without a bucket
//	badenv   a well-formed token whose env is not an env name (../CANARY)
//
// The body of every kind holds the word CANARY, so that a parser that
// echoes its input is caught by "! stderr CANARY".
func cmdMktoken(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mktoken KIND VAR")
	}
	gz := func(s string) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, err := zw.Write([]byte(s))
		ts.Check(err)
		ts.Check(zw.Close())
		return buf.Bytes()
	}
	b64 := base64.StdEncoding.EncodeToString
	var tok string
	switch args[0] {
	case "prefix":
		tok = "vsync-cfg-v2:" + b64(gz(`{"bucket":"CANARY_bucket","env":"prod"}`))
	case "base64":
		tok = s3bundle.TokenPrefix + "!!!CANARY_not_base64!!!"
	case "gzip":
		tok = s3bundle.TokenPrefix + b64([]byte(`{"bucket":"CANARY_plain_json","env":"prod"}`))
	case "json":
		tok = s3bundle.TokenPrefix + b64(gz(`CANARY_not json {`))
	case "nobucket":
		tok = s3bundle.TokenPrefix + b64(gz(`{"env":"prod","secret_key":"CANARY_secret"}`))
	case "badenv":
		tok = s3bundle.TokenPrefix + b64(gz(`{"bucket":"vault","env":"../CANARY_env"}`))
	default:
		ts.Fatalf("mktoken: unknown kind %q", args[0])
	}
	ts.Setenv(args[1], tok)
}

// decodetoken FILE: decode the runtime token in FILE by hand (prefix,
// standard base64, gzip, JSON) and print its JSON fields one per line as
// KEY=VALUE, sorted, on stdout. Fails when FILE holds anything but one line.
func cmdDecodetoken(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: decodetoken FILE")
	}
	data := ts.ReadFile(args[0])
	line, ok := strings.CutSuffix(data, "\n")
	if !ok || strings.Contains(line, "\n") {
		ts.Fatalf("%s: want exactly one line ending in a newline, got %q", args[0], data)
	}
	body, ok := strings.CutPrefix(line, "vsync-cfg-v1:")
	if !ok {
		ts.Fatalf("%s: no vsync-cfg-v1: prefix", args[0])
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		ts.Fatalf("%s: not standard base64: %v", args[0], err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	ts.Check(err)
	var fields map[string]any
	dec := json.NewDecoder(zr)
	dec.UseNumber()
	ts.Check(dec.Decode(&fields))
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(ts.Stdout(), "%s=%v\n", k, fields[k])
	}
}

// setfrom VAR FILE REGEXP: set VAR to the first submatch of REGEXP (or the
// whole match when it has no group) in FILE, in multi-line mode. Fails when
// nothing matches. Used to pick a private file's path out of a child's
// output, to check afterwards that it is gone.
func cmdSetfrom(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: setfrom VAR FILE REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[2])
	ts.Check(err)
	m := re.FindStringSubmatch(ts.ReadFile(args[1]))
	if m == nil {
		ts.Fatalf("setfrom: no match for %q in %s", args[2], args[1])
	}
	v := m[0]
	if len(m) > 1 {
		v = m[1]
	}
	ts.Setenv(args[0], v)
}

// rokey BUCKET PREFIX: set RO_ACCESS_KEY, RO_SECRET_KEY and
// RO_SESSION_TOKEN to temporary MinIO credentials (STS AssumeRole with a
// session policy) that may only read BUCKET/PREFIX/* and list BUCKET.
// Needs the minio command first.
func cmdRokey(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: rokey BUCKET PREFIX")
	}
	srv := &miniotest.Server{
		Endpoint:  ts.Getenv("MINIO_ENDPOINT"),
		AccessKey: ts.Getenv("AWS_ACCESS_KEY_ID"),
		SecretKey: ts.Getenv("AWS_SECRET_ACCESS_KEY"),
	}
	if srv.Endpoint == "" {
		ts.Fatalf("rokey: no MINIO_ENDPOINT (run the minio command first)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := srv.ReadOnlyCredentials(ctx, args[0], args[1])
	ts.Check(err)
	ts.Setenv("RO_ACCESS_KEY", c.AccessKey)
	ts.Setenv("RO_SECRET_KEY", c.SecretKey)
	ts.Setenv("RO_SESSION_TOKEN", c.SessionToken)
}

// emptydir DIR: fail unless DIR exists and has no entries at all (hidden
// ones included). With !, fail when it is empty.
func cmdEmptydir(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: emptydir DIR")
	}
	ents, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	names := make([]string, len(ents))
	for i, e := range ents {
		names[i] = e.Name()
	}
	if (len(ents) == 0) == neg {
		ts.Fatalf("%s holds %q", args[0], names)
	}
}
