package s3bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Defaults of S3Config.
const (
	DefaultRegion      = "us-east-1"      // S3Config.Region when empty and the AWS chain names none
	DefaultMaxAttempts = 3                // S3Config.MaxAttempts when zero: the first try and two retries
	DefaultTimeout     = 30 * time.Second // S3Config.Timeout when zero
)

// Transport limits: a host that does not answer fails in seconds, not
// minutes, so that `vsync status` can say "unknown" quickly.
const (
	dialTimeout         = 3 * time.Second
	tlsHandshakeTimeout = 5 * time.Second
	maxBackoff          = time.Second
)

// maxIdleConnsPerHost is how many idle connections to the endpoint the
// client keeps: at least as many as a reader of many objects has GETs in
// flight (log and verify: up to 64, history's manyWidth), or each burst of GETs closes the
// connections over the SDK's default of 10 and dials new ones (100 of
// 500 GETs at verify of 500 generations did).
const maxIdleConnsPerHost = 64

// metaGeneration is the user-metadata key holding the generation. The SDK
// lower-cases metadata keys it receives, so lower case is the canonical form.
const metaGeneration = "vsync-generation"

// s3API is the part of the S3 client the backend uses; *s3.Client
// satisfies it.
type s3API interface {
	HeadObject(context.Context, *s3.HeadObjectInput, ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	CreateMultipartUpload(context.Context, *s3.CreateMultipartUploadInput, ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(context.Context, *s3.UploadPartInput, ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	UploadPartCopy(context.Context, *s3.UploadPartCopyInput, ...func(*s3.Options)) (*s3.UploadPartCopyOutput, error)
	CompleteMultipartUpload(context.Context, *s3.CompleteMultipartUploadInput, ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(context.Context, *s3.AbortMultipartUploadInput, ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
	s3.ListObjectsV2APIClient
}

// S3Config says how to reach a bucket.
type S3Config struct {
	Bucket     string
	Region     string // default "us-east-1" when empty
	Endpoint   string // empty for AWS; "http://127.0.0.1:9000" for MinIO
	PathStyle  bool
	AWSProfile string // shared-config profile; empty for the default chain
	// Static credentials; when AccessKey is empty the standard AWS chain is
	// used (env vars, shared config, instance roles, web identity).
	AccessKey, SecretKey, SessionToken string
	// InstanceMetadata lets the credential chain ask the EC2 instance
	// metadata service (169.254.169.254) for a role although Endpoint is
	// set. Without it, a bucket at a custom endpoint (MinIO, R2, ...) never
	// makes that request, which would leave the machine for nothing.
	InstanceMetadata bool
	// MaxAttempts bounds retries (default 3); Timeout bounds each whole
	// operation including retries (default 30s).
	MaxAttempts int
	Timeout     time.Duration
	// Warn, when not nil, is told what went wrong after a failure and
	// was not reported in its error (an AbortMultipartUpload that failed):
	// one line, no credential in it.
	Warn func(msg string)
}

// S3 is the Backend on an S3-compatible bucket.
type S3 struct {
	client  s3API
	bucket  string
	timeout time.Duration
	// For Poll and Bulk: the client's presigner and credentials, and the
	// HTTP client that sends presigned requests (presignedClient).
	presign presignAPI
	creds   aws.CredentialsProvider
	http    httpDoer
	warn    func(msg string) // S3Config.Warn
}

var _ Backend = (*S3)(nil)

// NewS3 returns the S3 backend. Checksums are computed and validated only
// "when required", so MinIO, R2 and Hetzner work. With static credentials it
// does not read shared config files (fast start).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3: no bucket given")
	}
	awsCfg, err := awsConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts := client.Options()
	return &S3{
		client: client, bucket: cfg.Bucket, timeout: timeout,
		presign: s3.NewPresignClient(client), creds: opts.Credentials, http: presignedClient(opts.HTTPClient),
		warn: cfg.Warn,
	}, nil
}

// awsConfig builds the SDK configuration. With static credentials it is
// built by hand: config.LoadDefaultConfig reads environment and shared
// files, which a runtime token makes pointless and which costs start time.
func awsConfig(ctx context.Context, cfg S3Config) (aws.Config, error) {
	attempts := cfg.MaxAttempts
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = maxBackoff
			// The client-side retry quota would turn a burst of
			// failures into errors unrelated to the endpoint.
			o.RateLimiter = ratelimit.None
		})
	}
	httpClient := awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = dialTimeout }).
		WithTransportOptions(func(t *http.Transport) {
			t.TLSHandshakeTimeout = tlsHandshakeTimeout
			t.MaxIdleConnsPerHost = maxIdleConnsPerHost
		})

	if cfg.AccessKey != "" {
		region := cfg.Region
		if region == "" {
			region = DefaultRegion
		}
		return aws.Config{
			Logger:                     logging.Nop{},
			ClientLogMode:              0,
			Region:                     region,
			Credentials:                credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
			HTTPClient:                 httpClient,
			Retryer:                    retryer,
			RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
			ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
		}, nil
	}

	opts := []func(*config.LoadOptions) error{
		// The SDK's own log lines ("SDK 2026/.. WARN falling back to
		// IMDSv1") never reach the user: errors say what went wrong.
		config.WithLogger(logging.Nop{}),
		config.WithClientLogMode(0),
		config.WithHTTPClient(httpClient),
		config.WithRetryer(retryer),
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired),
	}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	if cfg.AWSProfile != "" {
		opts = append(opts, config.WithSharedConfigProfile(cfg.AWSProfile))
	}
	if cfg.Endpoint != "" && !cfg.InstanceMetadata {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		// The message names the profile or file at fault, never a key.
		return aws.Config{}, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = DefaultRegion
	}
	if awsCfg.Credentials != nil {
		awsCfg.Credentials = chainCredentials{awsCfg.Credentials}
	}
	return awsCfg, nil
}

// chainCredentials marks a failure of the AWS credential chain as a
// noCredentialsError, which mapErr turns into ErrNoCredentials.
type chainCredentials struct{ aws.CredentialsProvider }

func (c chainCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := c.CredentialsProvider.Retrieve(ctx)
	if err != nil && ctx.Err() == nil {
		return creds, &noCredentialsError{err}
	}
	return creds, err
}

// noCredentialsError is a failure of the credential chain: no source gave
// credentials (or the one configured failed).
type noCredentialsError struct{ err error }

func (e *noCredentialsError) Error() string { return "no AWS credentials: " + e.err.Error() }
func (e *noCredentialsError) Unwrap() error { return e.err }

// String names the backend: "s3://bucket".
func (b *S3) String() string { return "s3://" + b.bucket }

// Bucket returns the bucket name.
func (b *S3) Bucket() string { return b.bucket }

func (b *S3) where(key string) string { return "s3://" + b.bucket + "/" + key }

// Head returns the object's info, or ErrNotExist. S3 answers a HEAD on a
// missing key and on a missing bucket alike (404 without a body); MinIO
// tells them apart in X-Minio-Error-Code, and for other servers Head asks
// HeadBucket which one it was: ErrNoBucket or ErrNotExist.
func (b *S3) Head(ctx context.Context, key string) (ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		err = b.mapErr(ctx, "head", key, err)
		if errors.Is(err, ErrNotExist) && minioErrorCode(err) == "" && b.bucketMissing(ctx) {
			return ObjectInfo{}, b.opErr("head", key, ErrNoBucket, nil)
		}
		return ObjectInfo{}, err
	}
	return ObjectInfo{
		Key:        key,
		ETag:       aws.ToString(out.ETag),
		Size:       aws.ToInt64(out.ContentLength),
		Generation: parseGeneration(out.Metadata),
	}, nil
}

// bucketMissing reports whether HeadBucket says the bucket does not exist.
// Any other answer (including errors) keeps the original ErrNotExist.
func (b *S3) bucketMissing(ctx context.Context) bool {
	_, err := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.bucket})
	return err != nil && httpStatus(err) == http.StatusNotFound
}

// Get opens the object for reading, or returns ErrNotExist. The body is a
// stream; the operation timeout also bounds reading it, and Close releases
// the connection.
func (b *S3) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	return b.GetIfNoneMatch(ctx, key, "")
}

// GetIfNoneMatch is Get with If-None-Match: etag when etag is not empty.
// The server's 304 Not Modified is ErrNotModified.
func (b *S3) GetIfNoneMatch(ctx context.Context, key, etag string) (io.ReadCloser, ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return nil, ObjectInfo{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	in := &s3.GetObjectInput{Bucket: &b.bucket, Key: &key}
	if etag != "" {
		in.IfNoneMatch = aws.String(etag)
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		if etag != "" && httpStatus(err) == http.StatusNotModified {
			err = b.opErr("get", key, ErrNotModified, nil)
		} else {
			err = b.mapErr(ctx, "get", key, err)
		}
		cancel()
		return nil, ObjectInfo{}, err
	}
	info := ObjectInfo{
		Key:        key,
		ETag:       aws.ToString(out.ETag),
		Size:       aws.ToInt64(out.ContentLength),
		Generation: parseGeneration(out.Metadata),
	}
	return &cancelBody{ReadCloser: out.Body, cancel: cancel}, info, nil
}

// cancelBody releases the operation's context when the body is closed.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelBody) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// Put stores data at key. IfNoneMatch sends If-None-Match: *, IfMatch sends
// If-Match: <etag>; a lost condition (412, or 409 for a concurrent
// conditional write) is ErrConflict, and so is IfMatch on a missing key.
func (b *S3) Put(ctx context.Context, key string, data []byte, opts PutOptions) (ObjectInfo, error) {
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return ObjectInfo{}, fmt.Errorf("put %s: both IfNoneMatch and IfMatch given", b.where(key))
	}
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	in := &s3.PutObjectInput{
		Bucket:        &b.bucket,
		Key:           &key,
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
		ContentType:   aws.String("application/octet-stream"),
	}
	if opts.Generation != 0 {
		in.Metadata = map[string]string{metaGeneration: strconv.FormatUint(opts.Generation, 10)}
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(opts.IfMatch)
	}
	var signed []func(*s3.Options)
	if opts.SHA256 != "" {
		signed = append(signed, withPayloadSHA256(opts.SHA256))
	}
	out, err := b.client.PutObject(ctx, in, signed...)
	if err != nil {
		err = b.mapErr(ctx, "put", key, err)
		if opts.IfMatch != "" && errors.Is(err, ErrNotExist) && !errors.Is(err, ErrNoBucket) {
			return ObjectInfo{}, b.opErr("put", key, ErrConflict, err)
		}
		return ObjectInfo{}, err
	}
	return ObjectInfo{
		Key:        key,
		ETag:       aws.ToString(out.ETag),
		Size:       int64(len(data)),
		Generation: opts.Generation,
	}, nil
}

// withPayloadSHA256 has a request signed with sum (hex) as its payload's
// SHA-256, which the SDK would otherwise compute by reading the whole body
// once more before sending it (on plain HTTP; on HTTPS it would send it
// unsigned). The server checks the body against it.
func withPayloadSHA256(sum string) func(*s3.Options) {
	set := middleware.FinalizeMiddlewareFunc("vsyncPayloadSHA256", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
		return next.HandleFinalize(v4.SetPayloadHash(ctx, sum), in)
	})
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Finalize.Insert(set, "ComputePayloadHash", middleware.Before)
		})
	}
}

// List returns the keys that start with prefix, sorted.
func (b *S3) List(ctx context.Context, prefix string) ([]string, error) {
	infos, err := b.ListInfo(ctx, prefix)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(infos))
	for i, o := range infos {
		keys[i] = o.Key
	}
	return keys, nil
}

var _ InfoLister = (*S3)(nil)

// ListInfo is List with each key's ETag and size, as the LIST answered
// them (Generation is 0: a LIST does not return metadata).
func (b *S3) ListInfo(ctx context.Context, prefix string) ([]ObjectInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	in := &s3.ListObjectsV2Input{Bucket: &b.bucket}
	if prefix != "" {
		in.Prefix = &prefix
	}
	var infos []ObjectInfo
	p := s3.NewListObjectsV2Paginator(b.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, b.mapErr(ctx, "list", prefix, err)
		}
		for _, o := range page.Contents {
			// A server that rewrites the prefix (SeaweedFS drops a
			// leading '/') must not widen the listing: string prefix,
			// as S3 matches.
			if k := aws.ToString(o.Key); strings.HasPrefix(k, prefix) {
				infos = append(infos, ObjectInfo{Key: k, ETag: aws.ToString(o.ETag), Size: aws.ToInt64(o.Size)})
			}
		}
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Key < infos[j].Key })
	return infos, nil
}

// parseGeneration reads "vsync-generation"; 0 when absent or not a number
// (an object not written by vsync).
func parseGeneration(meta map[string]string) uint64 {
	v, ok := meta[metaGeneration]
	if !ok {
		// Some servers keep the case the writer used.
		for k, val := range meta {
			if strings.EqualFold(k, metaGeneration) {
				v, ok = val, true
				break
			}
		}
	}
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}
