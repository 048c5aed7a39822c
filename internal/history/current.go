package history

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"vsync/s3bundle"
	"vsync/vault"
)

// FetchCurrent is Fetch of current.pgp that also returns the object's info
// and, when keep is true, its bytes exactly as fetched (the ones that were
// decrypted and verified), for a cache. A body that stops arriving (the
// connection breaks, ctx's deadline passes) is s3bundle.ErrUnreachable
// with its cause, not a truncated bundle: it says nothing about what is
// stored.
func FetchCurrent(ctx context.Context, st *s3bundle.Store, pass []byte, keep bool) (*vault.Bundle, []byte, s3bundle.ObjectInfo, error) {
	return FetchCurrentTo(ctx, st, pass, keep, nil)
}

// FetchCurrentTo is FetchCurrent with stream (may be nil) writing a big
// bundle's files out as they are decrypted (vault.StreamFiles): on an
// error, what it made must be removed.
func FetchCurrentTo(ctx context.Context, st *s3bundle.Store, pass []byte, keep bool, stream *vault.StreamFiles) (*vault.Bundle, []byte, s3bundle.ObjectInfo, error) {
	rc, info, err := OpenObject(ctx, st, 0)
	if err != nil {
		return nil, nil, info, err
	}
	r, stop := ReadAhead(rc, info.Size)
	defer stop()
	defer rc.Close()
	b, raw, err := readCurrent(r, info, st, pass, keep, stream)
	return b, raw, info, err
}

// ReadCurrent decrypts and checks current.pgp as it streams from r (info
// describes it), and with keep also returns its bytes, in one buffer of
// the announced size. A read that breaks off (the connection fails, a
// timeout passes) is s3bundle.ErrUnreachable with its cause, not a
// truncated bundle; a body over st.MaxSize is refused as too large (an
// *EnvError).
func ReadCurrent(r io.Reader, info s3bundle.ObjectInfo, st *s3bundle.Store, pass []byte, keep bool) (*vault.Bundle, []byte, error) {
	return readCurrent(r, info, st, pass, keep, nil)
}

// readCurrent is ReadCurrent with stream (may be nil).
func readCurrent(r io.Reader, info s3bundle.ObjectInfo, st *s3bundle.Store, pass []byte, keep bool, stream *vault.StreamFiles) (*vault.Bundle, []byte, error) {
	body := &bodyReader{r: r}
	var in io.Reader = body
	var raw *bytes.Buffer
	if keep {
		raw = bytes.NewBuffer(make([]byte, 0, max(info.Size, 0)+bytes.MinRead))
		in = io.TeeReader(body, raw)
	}
	b, _, err := check(in, info, st, pass, nil, 0, Name(0), true, stream)
	if err != nil {
		if body.err != nil && !IsTooLarge(body.err) {
			return nil, nil, fmt.Errorf("reading %s of env %q: %w (%w)", Name(0), st.Env, s3bundle.ErrUnreachable, body.err)
		}
		if body.err != nil {
			err = &EnvError{Env: st.Env, Err: fmt.Errorf("%s of env %q: %w", Name(0), st.Env, body.err)}
		}
		return nil, nil, err
	}
	if raw == nil {
		return b, nil, nil
	}
	return b, raw.Bytes(), nil
}

// bodyReader remembers the first error of reading r other than io.EOF.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}
