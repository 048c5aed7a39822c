package s3bundle_test

import (
	"errors"
	"testing"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// BenchmarkGetIfNoneMatchNotModified is the poll of `vsync run --watch`
// when nothing changed: one conditional GET answered 304 by MinIO. Its
// allocations and the client's CPU (with -cpuprofile) are what a poll
// costs vsync; scripts/bench-watch.sh measures the whole process.
func BenchmarkGetIfNoneMatchNotModified(b *testing.B) {
	be, etag := benchObject(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := be.GetIfNoneMatch(b.Context(), "app/prod/current.pgp", etag); !errors.Is(err, s3bundle.ErrNotModified) {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollNotModified is the same poll through s3bundle.NewPoll,
// which `vsync run --watch` uses: the GET presigned once and sent with
// net/http.
func BenchmarkPollNotModified(b *testing.B) {
	be, etag := benchObject(b)
	p := s3bundle.NewPoll(be, "app/prod/current.pgp")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := p.IfNoneMatch(b.Context(), etag); !errors.Is(err, s3bundle.ErrNotModified) {
			b.Fatal(err)
		}
	}
}

// benchObject starts MinIO and stores a 24 KB current.pgp; it returns
// the backend and the object's ETag.
func benchObject(b *testing.B) (*s3bundle.S3, string) {
	srv := miniotest.Start(b)
	srv.MakeBucket(b, "vault")
	be, err := s3bundle.NewS3(b.Context(), s3bundle.S3Config{
		Bucket: "vault", Endpoint: srv.Endpoint, PathStyle: true,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
	})
	if err != nil {
		b.Fatal(err)
	}
	info, err := be.Put(b.Context(), "app/prod/current.pgp", make([]byte, 24<<10), s3bundle.PutOptions{Generation: 1})
	if err != nil {
		b.Fatal(err)
	}
	return be, info.ETag
}
