package main

import (
	"context"
	"io"
	"os"

	"vsync/s3bundle"
)

// requestLog is a Backend that appends a line per request to the file at
// path, "HEAD key", "GET key", "PUT key" or "LIST prefix", so that a test
// script can count what a command asked of the storage
// (VSYNC_TEST_REQUEST_LOG).
type requestLog struct {
	s3bundle.Backend
	path string
}

func (l *requestLog) log(op, key string) {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		panic(err) // the test binary only: a test that cannot count must not pass
	}
	defer f.Close()
	if _, err := f.WriteString(op + " " + key + "\n"); err != nil {
		panic(err)
	}
}

func (l *requestLog) Head(ctx context.Context, key string) (s3bundle.ObjectInfo, error) {
	l.log("HEAD", key)
	return l.Backend.Head(ctx, key)
}

func (l *requestLog) Get(ctx context.Context, key string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	l.log("GET", key)
	return l.Backend.Get(ctx, key)
}

func (l *requestLog) GetIfNoneMatch(ctx context.Context, key, etag string) (io.ReadCloser, s3bundle.ObjectInfo, error) {
	l.log("GET", key)
	return l.Backend.GetIfNoneMatch(ctx, key, etag)
}

func (l *requestLog) Put(ctx context.Context, key string, data []byte, opts s3bundle.PutOptions) (s3bundle.ObjectInfo, error) {
	l.log("PUT", key)
	return l.Backend.Put(ctx, key, data, opts)
}

func (l *requestLog) List(ctx context.Context, prefix string) ([]string, error) {
	l.log("LIST", prefix)
	return l.Backend.List(ctx, prefix)
}

// ListInfo logs "LIST prefix" when the backend lists ETags, and is
// s3bundle.ErrNoInfoList, with no request, when it does not.
func (l *requestLog) ListInfo(ctx context.Context, prefix string) ([]s3bundle.ObjectInfo, error) {
	il, ok := l.Backend.(s3bundle.InfoLister)
	if !ok {
		return nil, s3bundle.ErrNoInfoList
	}
	l.log("LIST", prefix)
	return il.ListInfo(ctx, prefix)
}

// wrapRequestLog is a requestLog of b, and a Streamer when b is one, so
// that a push logs the requests it makes of the real backend.
func wrapRequestLog(b s3bundle.Backend, path string) s3bundle.Backend {
	l := &requestLog{Backend: b, path: path}
	if st, ok := b.(s3bundle.Streamer); ok {
		return &streamRequestLog{requestLog: l, st: st}
	}
	return l
}

// streamRequestLog is a requestLog of a Streamer: a multipart upload logs
// "UPLOAD key", a copy "COPY source key".
type streamRequestLog struct {
	*requestLog
	st s3bundle.Streamer
}

func (l *streamRequestLog) NewUpload(ctx context.Context, key string, opts s3bundle.PutOptions) (s3bundle.Upload, error) {
	l.log("UPLOAD", key)
	return l.st.NewUpload(ctx, key, opts)
}

func (l *streamRequestLog) Copy(ctx context.Context, src s3bundle.ObjectInfo, key string, opts s3bundle.PutOptions) (s3bundle.ObjectInfo, error) {
	l.log("COPY", src.Key+" "+key)
	return l.st.Copy(ctx, src, key, opts)
}
