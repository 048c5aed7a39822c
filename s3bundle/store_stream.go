package s3bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// Streams reports whether the Store's Backend is a Streamer, for which
// CommitStream uploads a big bundle while it is being written and copies
// it to current.pgp within the backend.
func (s *Store) Streams() bool {
	_, ok := s.Backend.(Streamer)
	return ok
}

// CommitStream is Commit of the bundle write writes to the writer it is
// given. The Backend must be a Streamer (see Streams). A bundle of up to
// StreamMin bytes is held in memory and committed as Commit does (two PUTs, as
// many requests as ever). Over it, generations/<gen> is a
// multipart upload whose parts are sent while write goes on, completed
// with If-None-Match: * (the commit point; ErrConflict if another push
// took gen), and current.pgp becomes a conditional copy of it within the
// backend (Streamer.Copy, If-Match current.ETag), not a second upload.
// On any failure before the commit point nothing is stored (the upload is
// aborted). A generation replaced by another writer between the commit
// point and the copy (ErrSourceChanged) is ErrConflict, as a lost race,
// not ErrNotPublished: the bucket does not hold this push. An error write returns is returned as it is, unless the
// upload had failed first: then the upload's error, wrapped.
func (s *Store) CommitStream(ctx context.Context, gen uint64, current ObjectInfo, write func(io.Writer) error) error {
	if gen == 0 {
		return errors.New("commit: generation 0 is not a generation")
	}
	st, ok := s.Backend.(Streamer)
	if !ok {
		return fmt.Errorf("commit generation %d: %s cannot stream an upload", gen, s.Backend)
	}
	key := s.GenerationKey(gen)
	sw := &spillWriter{open: func() (Upload, error) {
		return st.NewUpload(ctx, key, PutOptions{IfNoneMatch: true, Generation: gen})
	}}
	if err := write(sw); err != nil {
		if sw.up != nil {
			sw.up.Abort()
		}
		if sw.err != nil {
			return fmt.Errorf("commit generation %d: %w", gen, sw.err)
		}
		return err
	}
	if sw.up == nil {
		sum := sha256.Sum256(sw.small)
		return s.CommitHashed(ctx, gen, sw.small, hex.EncodeToString(sum[:]), current)
	}
	info, err := sw.up.Complete()
	if err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("commit generation %d: another push took it: %w", gen, err)
		}
		return fmt.Errorf("commit generation %d: %w", gen, err)
	}
	copied := false
	copyGen := func(ctx context.Context, opts PutOptions) (ObjectInfo, error) {
		c, err := st.Copy(ctx, info, s.CurrentKey(), opts)
		copied = copied || err == nil
		return c, err
	}
	_, err = s.publish(ctx, gen, copyGen, current)
	if err == nil && !copied {
		// current.pgp was moved to gen or past it by another writer: gen
		// must still be what was uploaded (one HEAD, only then).
		err = s.checkUploaded(ctx, info)
	}
	if errors.Is(err, ErrSourceChanged) {
		// generations/<gen> is not what was uploaded any more: another
		// writer replaced it (a server that ignored If-None-Match on
		// CompleteMultipartUpload, or a hostile one). The push lost gen
		// as a lost race does, and is not reported as stored.
		return fmt.Errorf("commit generation %d: another writer replaced it: %w: %w", gen, ErrConflict, err)
	}
	if err != nil {
		return fmt.Errorf("commit generation %d: %w: %w", gen, ErrNotPublished, err)
	}
	return nil
}

// checkUploaded is ErrSourceChanged unless the object up describes (an
// upload's result) still has its ETag.
func (s *Store) checkUploaded(ctx context.Context, up ObjectInfo) error {
	now, err := s.Backend.Head(ctx, up.Key)
	if errors.Is(err, ErrNotExist) && !errors.Is(err, ErrNoBucket) {
		return fmt.Errorf("%s is gone: %w", up.Key, ErrSourceChanged)
	}
	if err != nil {
		return err
	}
	if now.ETag != up.ETag {
		return fmt.Errorf("%s is no longer ETag %s: %w", up.Key, up.ETag, ErrSourceChanged)
	}
	return nil
}

// spillWriter holds what is written in memory until it is StreamMin
// bytes, then opens an Upload and writes everything to it. The buffer
// grows to 64 KiB, then straight to StreamMin, which an Upload that takes
// parts of that size (a partTaker) uses as its first part's buffer.
type spillWriter struct {
	open  func() (Upload, error)
	small []byte
	up    Upload
	err   error // of open or of the upload's Write
}

// partTaker is an Upload that can take a full buffer of its part size as
// its next part, without a copy.
type partTaker interface {
	takePart(p []byte)
}

func (w *spillWriter) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	if w.up == nil {
		k := min(len(p), StreamMin-len(w.small))
		if len(w.small)+k > cap(w.small) {
			c := max(2*cap(w.small), len(w.small)+k, 4<<10)
			if c > 64<<10 {
				c = StreamMin
			}
			w.small = append(make([]byte, 0, c), w.small...)
		}
		w.small = append(w.small, p[:k]...)
		if p = p[k:]; len(p) == 0 {
			return n, nil
		}
		if w.up, w.err = w.open(); w.err != nil {
			w.up = nil
			return 0, w.err
		}
		if t, ok := w.up.(partTaker); ok {
			t.takePart(w.small)
		} else if _, w.err = w.up.Write(w.small); w.err != nil {
			return 0, w.err
		}
		w.small = nil
	}
	if _, err := w.up.Write(p); err != nil {
		w.err = err
		return 0, err
	}
	return n, nil
}
