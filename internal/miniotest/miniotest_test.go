package miniotest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"vsync/internal/miniotest"
)

func TestStartStopRestart(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "restart")
	ctx := context.Background()
	c := srv.Client()
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String("restart"), Key: aws.String("k"), Body: strings.NewReader("v"),
	}); err != nil {
		t.Fatal(err)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	if resp, err := hc.Get(srv.Endpoint + "/minio/health/live"); err == nil {
		resp.Body.Close()
		t.Fatal("stopped server still answers")
	}
	if err := srv.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("restart"), Key: aws.String("k")}); err != nil {
		t.Fatalf("object lost across restart: %v", err)
	}
}

func TestReadOnlyCredentials(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "readonly")
	ctx := context.Background()
	root := srv.Client()
	for _, k := range []string{"app/prod/current.pgp", "app/staging/current.pgp"} {
		if _, err := root.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String("readonly"), Key: aws.String(k), Body: strings.NewReader("x"),
		}); err != nil {
			t.Fatal(err)
		}
	}
	cred := srv.ReadOnlyKey(t, "readonly", "app/prod")
	if cred.AccessKey == "" || cred.SecretKey == "" || cred.SessionToken == "" {
		t.Fatalf("incomplete credentials")
	}
	ro := s3.New(s3.Options{
		Region:       miniotest.Region,
		BaseEndpoint: aws.String(srv.Endpoint),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: cred.AccessKey, SecretAccessKey: cred.SecretKey, SessionToken: cred.SessionToken}, nil
		}),
	})
	if _, err := ro.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("readonly"), Key: aws.String("app/prod/current.pgp")}); err != nil {
		t.Fatalf("read in prefix: %v", err)
	}
	_, err := ro.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("readonly"), Key: aws.String("app/staging/current.pgp")})
	wantDenied(t, "read outside prefix", err)
	_, err = ro.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("readonly"), Key: aws.String("app/prod/current.pgp"), Body: strings.NewReader("y")})
	wantDenied(t, "write in prefix", err)
}

func wantDenied(t *testing.T, what string, err error) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
		t.Errorf("%s: got %v, want AccessDenied", what, err)
	}
}
