package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"vsync/internal/bundlecache"
	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// Testscript commands of the offline-start script (run_cache.txtar). They
// are registered in TestScripts' Cmds.

// scriptMinioKey is the key, in a script's Values, of its scriptMinio.
type scriptMinioKey struct{}

// scriptMinio holds the MinIO server the minio command started for one
// script, so that minioctl can stop and restart it.
type scriptMinio struct{ srv *miniotest.Server }

// minioctl stop|start|pause|resume: stop the script's MinIO server (its
// endpoint then refuses connections), or start it again on the same
// address with the same data; pause freezes it (connections are accepted
// and never answered, as a bucket that hangs) until resume. Needs the
// minio command first.
func cmdMinioctl(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: minioctl stop|start|pause|resume")
	}
	h, _ := ts.Value(scriptMinioKey{}).(*scriptMinio)
	if h == nil || h.srv == nil {
		ts.Fatalf("minioctl: no server (run the minio command first)")
	}
	switch args[0] {
	case "stop":
		ts.Check(h.srv.Stop())
	case "start":
		ts.Check(h.srv.Restart())
	case "pause":
		ts.Check(h.srv.Pause())
	case "resume":
		ts.Check(h.srv.Resume())
	default:
		ts.Fatalf("usage: minioctl stop|start|pause|resume")
	}
}

// cacheage [-forge] DIR DURATION: make the record of every cache file in
// DIR say it was fetched DURATION ago. Its MAC is computed again under
// $VSYNC_PASSPHRASE, as vsync would; with -forge it is left as it was, as
// whoever can write the file but has not the passphrase can only do.
func cmdCacheage(ts *testscript.TestScript, neg bool, args []string) {
	forge := len(args) > 0 && args[0] == "-forge"
	if forge {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: cacheage [-forge] DIR DURATION")
	}
	d, err := time.ParseDuration(args[1])
	ts.Check(err)
	files, err := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.vcache"))
	ts.Check(err)
	if len(files) == 0 {
		ts.Fatalf("cacheage: no cache file in %s", args[0])
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		ts.Check(err)
		line, raw, ok := bytes.Cut(data, []byte{'\n'})
		if !ok {
			ts.Fatalf("%s: no record line", f)
		}
		var rec bundlecache.Record
		ts.Check(json.Unmarshal(line, &rec))
		if !forge {
			c := bundlecache.New(filepath.Dir(f), rec.Location, rec.Env, []byte(ts.Getenv("VSYNC_PASSPHRASE")))
			raw, rec, err := c.Load()
			ts.Check(err)
			ts.Check(c.Save(raw, s3bundle.ObjectInfo{ETag: rec.ETag, Generation: rec.Generation}, time.Now().Add(-d)))
			continue
		}
		rec.FetchedAt = time.Now().Add(-d).UTC()
		line, err = json.Marshal(rec)
		ts.Check(err)
		ts.Check(os.WriteFile(f, append(append(line, '\n'), raw...), 0o600))
	}
}
