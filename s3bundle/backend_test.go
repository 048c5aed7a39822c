package s3bundle_test

import (
	"context"
	"fmt"
	"testing"

	"vsync/internal/miniotest"
	"vsync/internal/seaweedtest"
	"vsync/s3bundle"
	"vsync/s3bundle/backendtest"
)

func TestDirBackend(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) s3bundle.Backend {
		return newDir(t)
	})
}

func TestS3Backend(t *testing.T) {
	srv := miniotest.Start(t)
	n := 0
	backendtest.Run(t, func(t *testing.T) s3bundle.Backend {
		n++
		return newS3(t, srv, fmt.Sprintf("suite-%d", n))
	})
}

// TestSeaweedFSBackend runs the same suite against SeaweedFS, a second S3
// implementation, so that nothing MinIO-specific creeps in.
func TestSeaweedFSBackend(t *testing.T) {
	srv := seaweedtest.Start(t)
	n := 0
	backendtest.Run(t, func(t *testing.T) s3bundle.Backend {
		n++
		return newS3(t, srv, fmt.Sprintf("suite-%d", n))
	})
}

func newDir(t *testing.T) *s3bundle.Dir {
	t.Helper()
	d, err := s3bundle.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// s3Config is the configuration of a bucket on srv with root credentials.
func s3Config(srv *miniotest.Server, bucket string) s3bundle.S3Config {
	return s3bundle.S3Config{
		Bucket:    bucket,
		Endpoint:  srv.Endpoint,
		PathStyle: true,
		AccessKey: srv.AccessKey,
		SecretKey: srv.SecretKey,
	}
}

// newS3 creates the bucket and returns a backend on it.
func newS3(t *testing.T, srv *miniotest.Server, bucket string) *s3bundle.S3 {
	t.Helper()
	srv.MakeBucket(t, bucket)
	return mustS3(t, s3Config(srv, bucket))
}

func mustS3(t *testing.T, cfg s3bundle.S3Config) *s3bundle.S3 {
	t.Helper()
	b, err := s3bundle.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestS3BulkBackend runs the suite against the S3 backend's Bulk (its
// own signed GETs) on MinIO and SeaweedFS.
func TestS3BulkBackend(t *testing.T) {
	for name, srv := range map[string]*miniotest.Server{"MinIO": miniotest.Start(t), "SeaweedFS": seaweedtest.Start(t)} {
		t.Run(name, func(t *testing.T) {
			n := 0
			backendtest.Run(t, func(t *testing.T) s3bundle.Backend {
				n++
				return newS3(t, srv, fmt.Sprintf("bulk-%d", n)).Bulk()
			})
		})
	}
}
