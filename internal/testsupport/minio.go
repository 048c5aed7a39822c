package testsupport

import (
	"context"
	"testing"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// MinioBackend is the S3 backend of bucket on srv.
func MinioBackend(t testing.TB, srv *miniotest.Server, bucket string) s3bundle.Backend {
	t.Helper()
	be, err := s3bundle.NewS3(context.Background(), s3bundle.S3Config{
		Bucket: bucket, Endpoint: srv.Endpoint, PathStyle: true,
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
	})
	if err != nil {
		t.Fatal(err)
	}
	return be
}
