package s3bundle

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Lifetime of the presigned GET of an S3 Poll.
const (
	pollURLExpiry = 15 * time.Minute // its X-Amz-Expires
	// pollURLMargin: it is presigned again this long before it, or the
	// credentials it was signed with, expire.
	pollURLMargin = time.Minute
)

// presignAPI is the part of the presign client a Poll uses;
// *s3.PresignClient satisfies it.
type presignAPI interface {
	PresignGetObject(context.Context, *s3.GetObjectInput, ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// httpDoer sends a request: the SDK client's HTTP client, whose
// connections a Poll reuses.
type httpDoer interface {
	Do(*http.Request) (*http.Response, error)
}

var _ Poller = (*S3)(nil)

// Poll returns a Poll of key that presigns a GET once, with the client's
// endpoint, credentials and SigV4 rules, and sends it again with net/http
// on the client's connections at every read, If-None-Match added as an
// unsigned header (SigV4 checks only the headers it signed, here Host):
// one request per read, without the SDK's per-call middleware. The URL is
// presigned again a minute before it (15 minutes) or the credentials
// expire.
//
// Any answer but 200 or 304, and any transport error, is not mapped here:
// the read is made again with GetIfNoneMatch, which retries and maps
// errors, and later reads use GetIfNoneMatch until one succeeds; then a
// new URL is presigned. A freshly presigned URL refused (400, 401 or 403)
// where GetIfNoneMatch then succeeds (a server that does not take
// presigned GETs, or not with If-None-Match) makes the Poll use
// GetIfNoneMatch for good.
func (b *S3) Poll(key string) Poll { return &s3Poll{b: b, key: key} }

// s3Poll is the S3 backend's Poll.
type s3Poll struct {
	b   *S3
	key string

	mu    sync.Mutex
	req   *http.Request // the presigned GET; nil: presign at the next read
	until time.Time     // when req is presigned again
	fresh bool          // req has had no 200 or 304 yet
	sdk   bool          // read with GetIfNoneMatch until one succeeds
	never bool          // read with GetIfNoneMatch for good
}

// IfNoneMatch implements Poll.
func (p *s3Poll) IfNoneMatch(ctx context.Context, etag string) (io.ReadCloser, ObjectInfo, error) {
	if err := checkKey(p.key); err != nil {
		return nil, ObjectInfo{}, err
	}
	req, fresh := p.presigned(ctx)
	if req == nil {
		return p.viaSDK(ctx, etag, false)
	}
	tctx, cancel := context.WithTimeout(ctx, p.b.timeout)
	req = req.Clone(tctx)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := p.b.http.Do(req)
	if err != nil {
		defer cancel()
		// net/http's *url.Error quotes the presigned URL, whose query holds
		// the access key, the signature and any session token.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if tctx.Err() != nil {
			return nil, ObjectInfo{}, p.b.mapErr(tctx, "get", p.key, err)
		}
		return p.fallBack(ctx, etag, false)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && etag != "":
		resp.Body.Close()
		cancel()
		p.answered()
		return nil, ObjectInfo{}, p.b.opErr("get", p.key, ErrNotModified, nil)
	case resp.StatusCode == http.StatusOK:
		p.answered()
		return &cancelBody{ReadCloser: resp.Body, cancel: cancel}, responseInfo(p.key, resp), nil
	}
	// An error's body is a short XML document: read it so that the
	// connection can be used again.
	io.CopyN(io.Discard, resp.Body, 16<<10)
	resp.Body.Close()
	cancel()
	refused := resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized ||
		resp.StatusCode == http.StatusForbidden
	return p.fallBack(ctx, etag, fresh && refused)
}

// presigned returns the presigned GET to send and whether it is fresh,
// presigning it when there is none or it is about to expire; nil when
// this read goes through GetIfNoneMatch.
func (p *s3Poll) presigned(ctx context.Context) (*http.Request, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sdk || p.never {
		return nil, false
	}
	now := time.Now()
	if p.req != nil && now.Before(p.until) {
		return p.req, p.fresh
	}
	p.req = nil
	until := now.Add(pollURLExpiry - pollURLMargin)
	creds, err := p.b.creds.Retrieve(ctx)
	if err != nil {
		return nil, false // GetIfNoneMatch says why
	}
	if creds.CanExpire && creds.Expires.Add(-pollURLMargin).Before(until) {
		until = creds.Expires.Add(-pollURLMargin)
		if !until.After(now) {
			return nil, false // let the SDK refresh them
		}
	}
	signed, err := p.b.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: &p.b.bucket, Key: &p.key},
		s3.WithPresignExpires(pollURLExpiry))
	if err != nil {
		return nil, false
	}
	req, err := http.NewRequest(signed.Method, signed.URL, nil)
	if err != nil {
		return nil, false
	}
	for k, vs := range signed.SignedHeader {
		if http.CanonicalHeaderKey(k) == "Host" {
			req.Host = vs[0]
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	// Bodies are read as stored: no transparent decompression, so that
	// Content-Length is the object's size.
	req.Header.Set("Accept-Encoding", "identity")
	p.req, p.until, p.fresh = req, until, true
	return req, true
}

// answered records a 200 or 304 to the presigned GET.
func (p *s3Poll) answered() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fresh = false
}

// fallBack drops the presigned GET after it failed and makes the read
// again with GetIfNoneMatch. refused: a freshly presigned GET was answered
// 400, 401 or 403.
func (p *s3Poll) fallBack(ctx context.Context, etag string, refused bool) (io.ReadCloser, ObjectInfo, error) {
	p.mu.Lock()
	p.req, p.sdk = nil, true
	p.mu.Unlock()
	return p.viaSDK(ctx, etag, refused)
}

// viaSDK reads with GetIfNoneMatch. Once it succeeds, the next read
// presigns again, unless the server had just refused a freshly presigned
// GET (refused): then it does not take them, and the Poll stays here.
func (p *s3Poll) viaSDK(ctx context.Context, etag string, refused bool) (io.ReadCloser, ObjectInfo, error) {
	rc, info, err := p.b.GetIfNoneMatch(ctx, p.key, etag)
	if err == nil || errors.Is(err, ErrNotModified) {
		p.mu.Lock()
		p.sdk = false
		p.never = p.never || refused
		p.mu.Unlock()
	}
	return rc, info, err
}

// responseInfo is the ObjectInfo of a 200 answer to a GET of key.
func responseInfo(key string, resp *http.Response) ObjectInfo {
	gen, err := strconv.ParseUint(resp.Header.Get("X-Amz-Meta-"+metaGeneration), 10, 64)
	if err != nil {
		gen = 0
	}
	return ObjectInfo{
		Key:        key,
		ETag:       resp.Header.Get("ETag"),
		Size:       max(resp.ContentLength, 0),
		Generation: gen,
	}
}
