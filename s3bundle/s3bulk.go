package s3bundle

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// BulkReader is a Backend that has a way of reading many objects with
// less work per object than its Get (S3's: net/http and the v4 signer for
// each GET instead of the SDK's middleware).
type BulkReader interface {
	// Bulk is a Backend like this one whose Get and GetIfNoneMatch cost
	// less, for a command that reads many objects (log, verify).
	Bulk() Backend
}

// Bulk is a Store like s whose backend reads many objects at less cost
// per object when it is a BulkReader; else s itself.
func (s *Store) Bulk() *Store {
	br, ok := s.Backend.(BulkReader)
	if !ok {
		return s
	}
	b := *s
	b.Backend = br.Bulk()
	return &b
}

var _ BulkReader = (*S3)(nil)

// Bulk returns the S3 backend with a Get for many reads: the first Get
// presigns its GET through the SDK (endpoint, addressing, credentials),
// which gives the URL of the bucket's objects, the region and the
// service; each Get then signs its own GET of that URL with the key put
// where the first one's was, with the v4 signer alone (SigV4 in the
// headers: a server checks a signature in the headers with less work than
// one in the query, MinIO about 20 us less CPU a GET), and sends it with
// net/http on the client's connections: less than half the client's CPU
// per GET, measured on MinIO. Any answer but 200, and any transport
// error, is not mapped here: the read is made again with S3.Get, which
// retries and maps errors (a missing key, a 403); a GET refused (400,
// 401, 403) or redirected (which is not followed: presignedClient) where
// S3.Get succeeds makes the Bulk use S3.Get for good, as a Poll does. The
// other methods are S3's.
func (b *S3) Bulk() Backend {
	return &s3Bulk{S3: b, signer: v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })}
}

// s3Bulk is S3's Bulk.
type s3Bulk struct {
	*S3
	signer *v4.Signer

	mu    sync.Mutex
	tmpl  *bulkTemplate // nil: not made yet
	never bool          // S3.Get for good
}

// bulkTemplate is what the SDK's presigned GET of one key says of every
// key.
type bulkTemplate struct {
	scheme, host    string
	pathPrefix      string // the escaped path before the key
	region, service string
}

// Get implements Backend.
func (b *s3Bulk) Get(ctx context.Context, key string) (io.ReadCloser, ObjectInfo, error) {
	return b.GetIfNoneMatch(ctx, key, "")
}

// GetIfNoneMatch implements Backend: a plain Get (etag "") through the
// bulk path, a conditional one through S3's.
func (b *s3Bulk) GetIfNoneMatch(ctx context.Context, key, etag string) (io.ReadCloser, ObjectInfo, error) {
	if etag != "" {
		return b.S3.GetIfNoneMatch(ctx, key, etag)
	}
	if err := checkKey(key); err != nil {
		return nil, ObjectInfo{}, err
	}
	t := b.template(ctx, key)
	if t == nil {
		return b.S3.Get(ctx, key)
	}
	tctx, cancel := context.WithTimeout(ctx, b.timeout)
	req, err := b.signGet(tctx, t, key)
	if err != nil {
		cancel()
		return b.S3.Get(ctx, key)
	}
	resp, err := b.http.Do(req)
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ObjectInfo{}, b.mapErr(ctx, "get", key, ctx.Err())
		}
		return b.S3.Get(ctx, key) // S3.Get's error says what went wrong
	}
	if resp.StatusCode == http.StatusOK {
		return &cancelBody{ReadCloser: resp.Body, cancel: cancel}, responseInfo(key, resp), nil
	}
	// An error's body is a short XML document: read it so that the
	// connection can be used again.
	io.CopyN(io.Discard, resp.Body, 16<<10)
	resp.Body.Close()
	cancel()
	rc, info, err := b.S3.Get(ctx, key)
	if err == nil && (resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized ||
		resp.StatusCode == http.StatusForbidden || resp.StatusCode/100 == 3) {
		b.mu.Lock()
		b.never = true
		b.mu.Unlock()
	}
	return rc, info, err
}

// template returns the bulk template, made from the SDK's presigned GET
// of key the first time; nil when Get goes through S3.Get.
func (b *s3Bulk) template(ctx context.Context, key string) *bulkTemplate {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.never {
		return nil
	}
	if b.tmpl != nil {
		return b.tmpl
	}
	signed, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &key})
	if err != nil {
		return nil // S3.Get says why, this time; the next Get tries again
	}
	b.tmpl = parseTemplate(signed, key)
	b.never = b.tmpl == nil
	return b.tmpl
}

// parseTemplate is the template a GET of key presigned by the SDK gives,
// nil when it does not look as expected: a GET whose path ends with the
// escaped key, signed with the host alone, whose credential scope names
// a region and a service.
func parseTemplate(signed *v4.PresignedHTTPRequest, key string) *bulkTemplate {
	u, err := url.Parse(signed.URL)
	if err != nil || signed.Method != http.MethodGet {
		return nil
	}
	q := u.Query()
	escKey := "/" + httpbinding.EscapePath(key, false)
	path := u.EscapedPath()
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if !strings.HasSuffix(path, escKey) || q.Get("X-Amz-SignedHeaders") != "host" || len(scope) < 5 ||
		scope[len(scope)-1] != "aws4_request" || u.Host == "" {
		return nil
	}
	for k := range signed.SignedHeader {
		if http.CanonicalHeaderKey(k) != "Host" {
			return nil
		}
	}
	return &bulkTemplate{
		scheme: u.Scheme, host: u.Host, pathPrefix: strings.TrimSuffix(path, escKey),
		region: scope[len(scope)-3], service: scope[len(scope)-2],
	}
}

// signGet is the GET of key under t, signed now (SigV4 in its
// headers, the payload's hash that of an empty body).
func (b *s3Bulk) signGet(ctx context.Context, t *bulkTemplate, key string) (*http.Request, error) {
	creds, err := b.creds.Retrieve(ctx)
	if err != nil {
		return nil, err
	}
	escaped := t.pathPrefix + "/" + httpbinding.EscapePath(key, false)
	u := &url.URL{Scheme: t.scheme, Host: t.host, RawPath: escaped}
	if u.Path, err = url.PathUnescape(escaped); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amz-Content-Sha256", emptySHA256)
	if err := b.signer.SignHTTP(ctx, creds, req, emptySHA256, t.service, t.region, time.Now()); err != nil {
		return nil, err
	}
	// Bodies are read as stored: no transparent decompression, so that
	// Content-Length is the object's size.
	req.Header.Set("Accept-Encoding", "identity")
	return req, nil
}

// emptySHA256 is the hex SHA-256 of an empty payload.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
