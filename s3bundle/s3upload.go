package s3bundle

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Multipart uploads of the S3 backend: parts of partSize (S3's minimum is
// 5 MiB but for the last), up to uploadWorkers sent at a time while the
// next one is filled, so at most (uploadWorkers+1) × partSize of memory.
const (
	partSize      = 5 << 20
	uploadWorkers = 2
)

var _ Streamer = (*S3)(nil)

// NewUpload starts a multipart upload at key (CreateMultipartUpload, with
// the generation's metadata). Each part is SHA-256'd and signed with it
// on a worker goroutine; Complete sends CompleteMultipartUpload with
// If-None-Match: * or If-Match: <etag>, which S3 and MinIO check under
// the object's lock as for a PUT.
func (b *S3) NewUpload(ctx context.Context, key string, opts PutOptions) (Upload, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return nil, fmt.Errorf("upload %s: both IfNoneMatch and IfMatch given", b.where(key))
	}
	id, err := b.createUpload(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	u := &s3Upload{
		b: b, ctx: ctx, cancel: cancel, key: key, id: id, opts: opts,
		work: make(chan s3Part), free: make(chan []byte, uploadWorkers+1),
	}
	u.wg.Add(uploadWorkers)
	for range uploadWorkers {
		go u.worker()
	}
	return u, nil
}

// createUpload is CreateMultipartUpload: the upload's id.
func (b *S3) createUpload(ctx context.Context, key string, opts PutOptions) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	in := &s3.CreateMultipartUploadInput{
		Bucket: &b.bucket, Key: &key, ContentType: aws.String("application/octet-stream"),
	}
	if opts.Generation != 0 {
		in.Metadata = map[string]string{metaGeneration: strconv.FormatUint(opts.Generation, 10)}
	}
	out, err := b.client.CreateMultipartUpload(ctx, in)
	if err != nil {
		return "", b.mapErr(ctx, "upload", key, err)
	}
	return aws.ToString(out.UploadId), nil
}

// complete is CompleteMultipartUpload under opts' condition; on a lost one
// (or any failure) the upload is aborted.
func (b *S3) complete(ctx context.Context, key, id string, parts []types.CompletedPart, opts PutOptions) (string, error) {
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	in := &s3.CompleteMultipartUploadInput{
		Bucket: &b.bucket, Key: &key, UploadId: &id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	}
	if opts.IfNoneMatch {
		in.IfNoneMatch = aws.String("*")
	}
	if opts.IfMatch != "" {
		in.IfMatch = aws.String(opts.IfMatch)
	}
	out, err := b.client.CompleteMultipartUpload(cctx, in)
	if err != nil {
		b.abort(ctx, key, id)
		err = b.mapErr(cctx, "put", key, err)
		if opts.IfMatch != "" && errors.Is(err, ErrNotExist) && !errors.Is(err, ErrNoBucket) {
			return "", b.opErr("put", key, ErrConflict, err)
		}
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

// abort is AbortMultipartUpload, sent even when ctx was cancelled (the
// parts would otherwise stay stored, unseen, until a lifecycle rule removes
// them). The upload failed already, so its failure is not an error: it is
// told to S3Config.Warn (that an incomplete upload may remain at key, the
// bucket, key and the server's error code; no credential), when set.
func (b *S3) abort(ctx context.Context, key, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.timeout)
	defer cancel()
	_, err := b.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &b.bucket, Key: &key, UploadId: &id})
	if err != nil && b.warn != nil {
		b.warn(fmt.Sprintf("an incomplete upload may remain at %s (abort failed: %s); "+
			"it is not visible as an object, and an AbortIncompleteMultipartUpload lifecycle rule removes it", b.where(key), errDetail(err)))
	}
}

// Copy is CreateMultipartUpload at key, UploadPartCopy of src.Key as its
// one part (x-amz-copy-source-if-match: src.ETag), and
// CompleteMultipartUpload under opts' condition: a conditional server-side
// copy, which CopyObject is not on every server (MinIO ignores a
// destination's If-Match there). Three requests and no payload; the copy
// has a multipart ETag ("<hex>-1"). Any failure aborts the upload.
func (b *S3) Copy(ctx context.Context, src ObjectInfo, key string, opts PutOptions) (ObjectInfo, error) {
	if err := checkKey(src.Key); err != nil {
		return ObjectInfo{}, err
	}
	if err := checkKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if opts.IfNoneMatch && opts.IfMatch != "" {
		return ObjectInfo{}, fmt.Errorf("copy %s: both IfNoneMatch and IfMatch given", b.where(key))
	}
	id, err := b.createUpload(ctx, key, opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	parts, err := b.copyPart(ctx, src, key, id)
	if err != nil {
		b.abort(ctx, key, id)
		return ObjectInfo{}, err
	}
	tag, err := b.complete(ctx, key, id, parts, opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	return ObjectInfo{Key: key, ETag: tag, Size: src.Size, Generation: opts.Generation}, nil
}

// copyPart is the one UploadPartCopy of Copy: all of src, as long as its
// ETag is src.ETag. (Ranges copied side by side were not faster on the
// 2-core machine of docs/benchmarks.md.)
func (b *S3) copyPart(ctx context.Context, src ObjectInfo, key, id string) ([]types.CompletedPart, error) {
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	out, err := b.client.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
		Bucket: &b.bucket, Key: &key, UploadId: &id, PartNumber: aws.Int32(1),
		CopySource:        aws.String(copySource(b.bucket, src.Key)),
		CopySourceIfMatch: aws.String(src.ETag),
	})
	if err != nil {
		mapped := b.mapErr(ctx, "copy", src.Key, err)
		// 412 is x-amz-copy-source-if-match (key's condition is checked
		// by complete); NoSuchKey names the source (NoSuchUpload the
		// upload). Not ErrConflict: that would say key's condition was lost.
		var ae smithy.APIError
		gone := errors.As(err, &ae) && ae.ErrorCode() == "NoSuchKey"
		if !errors.Is(mapped, ErrConflict) && !gone {
			return nil, mapped
		}
		return nil, fmt.Errorf("copy %s to %s: the source is no longer ETag %s (%s): %w",
			b.where(src.Key), key, src.ETag, errDetail(err), ErrSourceChanged)
	}
	part := types.CompletedPart{PartNumber: aws.Int32(1)}
	if out.CopyPartResult != nil {
		part.ETag = out.CopyPartResult.ETag
	}
	return []types.CompletedPart{part}, nil
}

// copySource is x-amz-copy-source: "bucket/key", each segment URL-encoded.
func copySource(bucket, key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return url.PathEscape(bucket) + "/" + strings.Join(segs, "/")
}

// s3Upload is a multipart upload in progress: Write fills buf, a full one
// goes to a worker, which sends it and gives the buffer back.
type s3Upload struct {
	b      *S3
	ctx    context.Context
	cancel context.CancelFunc
	key    string
	id     string
	opts   PutOptions
	work   chan s3Part
	free   chan []byte
	wg     sync.WaitGroup

	// Of the writer (Write, Complete, Abort): one goroutine.
	buf     []byte
	buffers int // allocated, up to uploadWorkers+1
	next    int32
	size    int64
	ended   bool

	mu    sync.Mutex // the workers'
	parts []types.CompletedPart
	err   error
}

type s3Part struct {
	num  int32
	data []byte
}

func (u *s3Upload) Write(p []byte) (int, error) {
	if err := u.failed(); err != nil {
		return 0, err
	}
	if u.ended {
		return 0, errors.New("write after the upload ended")
	}
	n := len(p)
	for len(p) > 0 {
		if u.buf == nil {
			u.buf = u.buffer()
		}
		k := copy(u.buf[len(u.buf):cap(u.buf)], p)
		u.buf = u.buf[:len(u.buf)+k]
		p = p[k:]
		if len(u.buf) == cap(u.buf) {
			u.send()
			if err := u.failed(); err != nil {
				return n - len(p), err
			}
		}
	}
	u.size += int64(n)
	return n, nil
}

// buffer is a free part buffer, a new one while fewer than
// uploadWorkers+1 exist; it waits for a worker otherwise.
func (u *s3Upload) buffer() []byte {
	select {
	case b := <-u.free:
		return b
	default:
	}
	if u.buffers < uploadWorkers+1 {
		u.buffers++
		return make([]byte, 0, partSize)
	}
	return <-u.free
}

// takePart takes p, a full part's buffer (cap partSize), as the next
// part: the spillWriter's first part, without a copy. It is handed back
// to free like any buffer.
func (u *s3Upload) takePart(p []byte) {
	if u.buf != nil || cap(p) != partSize || len(p) != partSize || u.ended || u.buffers > uploadWorkers {
		u.Write(p) // not a full part: copy it
		return
	}
	u.buffers++
	u.buf = p
	u.size += int64(len(p))
	u.send()
}

// send hands buf to a worker as the next part.
func (u *s3Upload) send() {
	u.next++
	u.work <- s3Part{num: u.next, data: u.buf}
	u.buf = nil
}

func (u *s3Upload) failed() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

// fail records the first error and stops the other requests.
func (u *s3Upload) fail(err error) {
	u.mu.Lock()
	if u.err == nil {
		u.err = err
	}
	u.mu.Unlock()
	u.cancel()
}

// worker sends parts until work is closed; after a failure it only gives
// the buffers back.
func (u *s3Upload) worker() {
	defer u.wg.Done()
	for p := range u.work {
		if u.failed() == nil {
			u.sendPart(p)
		}
		u.free <- p.data[:0]
	}
}

// sendPart is UploadPart, signed with the part's SHA-256.
func (u *s3Upload) sendPart(p s3Part) {
	sum := sha256.Sum256(p.data)
	ctx, cancel := context.WithTimeout(u.ctx, u.b.timeout)
	defer cancel()
	out, err := u.b.client.UploadPart(ctx, &s3.UploadPartInput{
		Bucket: &u.b.bucket, Key: &u.key, UploadId: &u.id, PartNumber: aws.Int32(p.num),
		Body: bytes.NewReader(p.data), ContentLength: aws.Int64(int64(len(p.data))),
	}, withPayloadSHA256(hex.EncodeToString(sum[:])))
	if err != nil {
		u.fail(u.b.mapErr(ctx, "put", u.key, err))
		return
	}
	u.mu.Lock()
	u.parts = append(u.parts, types.CompletedPart{PartNumber: aws.Int32(p.num), ETag: out.ETag})
	u.mu.Unlock()
}

// end sends the last part (when not empty) and waits for the workers.
func (u *s3Upload) end() {
	if u.ended {
		return
	}
	u.ended = true
	if len(u.buf) > 0 || u.next == 0 {
		if u.buf == nil {
			u.buf = u.buffer()
		}
		u.send()
	}
	close(u.work)
	u.wg.Wait()
}

// Complete sends the last part, then CompleteMultipartUpload.
func (u *s3Upload) Complete() (ObjectInfo, error) {
	if u.ended {
		return ObjectInfo{}, errors.New("complete after the upload ended")
	}
	if err := u.failed(); err != nil {
		u.Abort()
		return ObjectInfo{}, err
	}
	u.end()
	defer u.cancel()
	if err := u.failed(); err != nil {
		u.b.abort(u.ctx, u.key, u.id)
		return ObjectInfo{}, err
	}
	sort.Slice(u.parts, func(i, j int) bool { return *u.parts[i].PartNumber < *u.parts[j].PartNumber })
	etag, err := u.b.complete(u.ctx, u.key, u.id, u.parts, u.opts)
	if err != nil {
		return ObjectInfo{}, err
	}
	return ObjectInfo{Key: u.key, ETag: etag, Size: u.size, Generation: u.opts.Generation}, nil
}

// Abort stops the workers and sends AbortMultipartUpload.
func (u *s3Upload) Abort() {
	if u.ended {
		return
	}
	u.fail(errors.New("upload aborted"))
	u.end()
	u.b.abort(u.ctx, u.key, u.id)
}
