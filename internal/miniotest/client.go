package miniotest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Region is the region the clients of this package sign for.
const Region = "us-east-1"

// awsConfig is an SDK configuration with the root credentials, built
// without reading the user's AWS files or environment.
func (s *Server) awsConfig() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	}
}

// Client returns an S3 client with the root credentials, for tests that
// look at or tamper with objects behind the backend's back.
func (s *Server) Client() *s3.Client {
	return s3.NewFromConfig(s.awsConfig(), func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.Endpoint)
		o.UsePathStyle = true
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
}

// CreateBucket creates a bucket with the root credentials.
func (s *Server) CreateBucket(ctx context.Context, name string) error {
	_, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		return fmt.Errorf("create bucket %q: %w", name, err)
	}
	return nil
}

// MakeBucket creates a bucket or fails the test.
func (s *Server) MakeBucket(t testing.TB, name string) {
	t.Helper()
	ctx, cancel := contextFor()
	defer cancel()
	if err := s.CreateBucket(ctx, name); err != nil {
		t.Fatal(err)
	}
}

// Credentials are temporary keys from MinIO's STS.
type Credentials struct {
	AccessKey, SecretKey, SessionToken string
}

// ReadOnlyCredentials returns temporary credentials (valid for an hour) that
// may only list the bucket and read objects under prefix (no trailing
// slash; empty for the whole bucket). They come from STS AssumeRole with a
// session policy, which MinIO intersects with the root's rights, so no admin
// API is needed.
func (s *Server) ReadOnlyCredentials(ctx context.Context, bucket, prefix string) (Credentials, error) {
	resource := "arn:aws:s3:::" + bucket + "/*"
	if prefix != "" {
		resource = "arn:aws:s3:::" + bucket + "/" + prefix + "/*"
	}
	policy, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{"Effect": "Allow", "Action": []string{"s3:GetObject"}, "Resource": []string{resource}},
			{"Effect": "Allow", "Action": []string{"s3:ListBucket", "s3:GetBucketLocation"}, "Resource": []string{"arn:aws:s3:::" + bucket}},
		},
	})
	if err != nil {
		return Credentials{}, err
	}
	return s.PolicyCredentials(ctx, string(policy))
}

// PolicyCredentials returns temporary credentials (valid for an hour)
// limited to policy, an IAM policy document (MinIO intersects it with the
// root's rights): STS AssumeRole with a session policy.
func (s *Server) PolicyCredentials(ctx context.Context, policy string) (Credentials, error) {
	client := sts.NewFromConfig(s.awsConfig(), func(o *sts.Options) {
		o.BaseEndpoint = aws.String(s.Endpoint)
	})
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String("arn:xxx:xxx:xxx:xxxx"), // MinIO ignores it
		RoleSessionName: aws.String("vsync-test"),
		Policy:          aws.String(policy),
		DurationSeconds: aws.Int32(int32(time.Hour / time.Second)),
	}
	out, err := client.AssumeRole(ctx, in)
	// MinIO answers S3 before its STS and IAM subsystems are up, with
	// "Server not initialized, please try again": poll until they are,
	// within ctx.
	for backoff := 10 * time.Millisecond; err != nil && notInitialized(err) && ctx.Err() == nil; backoff = min(2*backoff, 500*time.Millisecond) {
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		out, err = client.AssumeRole(ctx, in)
	}
	if err != nil {
		return Credentials{}, fmt.Errorf("sts assume-role: %w", err)
	}
	c := out.Credentials
	return Credentials{
		AccessKey:    aws.ToString(c.AccessKeyId),
		SecretKey:    aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken),
	}, nil
}

// ReadOnlyKey is ReadOnlyCredentials or a test failure.
func (s *Server) ReadOnlyKey(t testing.TB, bucket, prefix string) Credentials {
	t.Helper()
	ctx, cancel := contextFor()
	defer cancel()
	c, err := s.ReadOnlyCredentials(ctx, bucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// notInitialized reports whether err is MinIO's answer while its IAM
// subsystem is still starting.
func notInitialized(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "XMinioServerNotInitialized" ||
		strings.Contains(ae.ErrorMessage(), "Server not initialized"))
}
