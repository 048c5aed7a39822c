package s3bundle_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"vsync/internal/miniotest"
	"vsync/s3bundle"
)

// replacing is the S3 backend with another writer in the bucket: before
// (or, with afterCopy, after) each Copy, it writes other at the copy's
// source, unconditionally, as a server that ignores If-None-Match or a
// hostile key would let it; with current, it first writes other to the
// copy's destination too.
type replacing struct {
	*s3bundle.S3
	other     []byte
	gen       uint64
	current   bool
	afterCopy bool
}

func (r *replacing) Copy(ctx context.Context, src s3bundle.ObjectInfo, key string, opts s3bundle.PutOptions) (s3bundle.ObjectInfo, error) {
	replace := func() error {
		_, err := r.S3.Put(ctx, src.Key, r.other, s3bundle.PutOptions{Generation: r.gen})
		return err
	}
	if r.current {
		if _, err := r.S3.Put(ctx, key, r.other, s3bundle.PutOptions{Generation: r.gen}); err != nil {
			return s3bundle.ObjectInfo{}, err
		}
	}
	if !r.afterCopy {
		if err := replace(); err != nil {
			return s3bundle.ObjectInfo{}, err
		}
	}
	info, err := r.S3.Copy(ctx, src, key, opts)
	if r.afterCopy {
		if err := replace(); err != nil {
			return s3bundle.ObjectInfo{}, err
		}
	}
	return info, err
}

// TestStoreCommitStreamReplaced: a big generation replaced by another
// writer after its upload completed is a conflict (as a lost race), not a
// push stored but unpublished; current.pgp is not moved to the other
// writer's bytes by this push, and no upload is left behind. Both ways it
// can be seen: the copy's x-amz-copy-source-if-match fails (412), or
// current.pgp was moved to the generation by the other writer, and the
// generation's ETag is no longer the upload's.
func TestStoreCommitStreamReplaced(t *testing.T) {
	eachS3(t, func(t *testing.T, srv *miniotest.Server, b *s3bundle.S3) {
		small := []byte("generation 1")
		big := bigData(s3bundle.StreamMin+4321, 21)
		other := bigData(s3bundle.StreamMin+99, 22)
		for _, tc := range []struct {
			name        string
			r           *replacing
			wantCurrent []byte
			currentGen  uint64
		}{
			{"source changed", &replacing{S3: b, other: other, gen: 2}, small, 1},
			{"current moved", &replacing{S3: b, other: other, gen: 2, current: true, afterCopy: true}, other, 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ctx := t.Context()
				s := &s3bundle.Store{Backend: tc.r, Prefix: strings.ReplaceAll(tc.name, " ", "-"), Env: "prod"}
				if err := s.CommitStream(ctx, 1, s3bundle.ObjectInfo{}, writeAllOf(small)); err != nil {
					t.Fatalf("CommitStream 1: %v", err)
				}
				gen, cur := tip(t, s)
				err := s.CommitStream(ctx, gen+1, cur, writeAllOf(big))
				if !errors.Is(err, s3bundle.ErrConflict) || !errors.Is(err, s3bundle.ErrSourceChanged) || errors.Is(err, s3bundle.ErrNotPublished) {
					t.Errorf("CommitStream of a generation replaced meanwhile: %v, want ErrConflict and ErrSourceChanged, not ErrNotPublished", err)
				}
				wantObject(t, b, s.GenerationKey(2), other, 2)
				// current.pgp: not moved by this push (the other
				// writer's own write, when it made one).
				wantObject(t, b, s.CurrentKey(), tc.wantCurrent, tc.currentGen)
				noUploads(t, srv, "vault")
			})
		}
	})
}

// writeAllOf is a CommitStream writer of data in 64 KiB writes.
func writeAllOf(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		for p := data; len(p) > 0; {
			n := min(len(p), 65536)
			if _, err := w.Write(p[:n]); err != nil {
				return err
			}
			p = p[n:]
		}
		return nil
	}
}

// pushPolicy is the IAM policy README's "S3 providers" gives a pushing
// key, on bucket; abort says whether it has s3:AbortMultipartUpload.
func pushPolicy(t *testing.T, bucket string, abort bool) string {
	actions := []string{"s3:GetObject", "s3:PutObject"}
	if abort {
		actions = append(actions, "s3:AbortMultipartUpload")
	}
	p, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{
			{"Effect": "Allow", "Action": actions, "Resource": []string{"arn:aws:s3:::" + bucket + "/*"}},
			{"Effect": "Allow", "Action": []string{"s3:ListBucket"}, "Resource": []string{"arn:aws:s3:::" + bucket}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

// TestS3PushPolicy: the documented policy is enough for big pushes and
// their aborts (nothing left, nothing warned); without
// s3:AbortMultipartUpload, an abort that fails is told to S3Config.Warn
// (bucket and key, no credential), never silent.
func TestS3PushPolicy(t *testing.T) {
	srv := miniotest.Start(t)
	srv.MakeBucket(t, "vault")
	for _, abort := range []bool{true, false} {
		creds, err := srv.PolicyCredentials(t.Context(), pushPolicy(t, "vault", abort))
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var warned bytes.Buffer
		cfg := s3Config(srv, "vault")
		cfg.AccessKey, cfg.SecretKey, cfg.SessionToken = creds.AccessKey, creds.SecretKey, creds.SessionToken
		cfg.Warn = func(msg string) {
			mu.Lock()
			defer mu.Unlock()
			warned.WriteString(msg + "\n")
		}
		b := mustS3(t, cfg)
		s := &s3bundle.Store{Backend: b, Prefix: "abort", Env: "prod"}
		if !abort {
			s.Prefix = "noabort"
		}
		ctx := t.Context()
		if err := s.CommitStream(ctx, 1, s3bundle.ObjectInfo{}, writeAllOf(bigData(s3bundle.StreamMin+1, 31))); err != nil {
			t.Fatalf("abort %v: CommitStream 1: %v", abort, err)
		}
		gen, cur := tip(t, s)
		if gen != 1 {
			t.Fatalf("abort %v: tip %d, want 1", abort, gen)
		}
		// A lost race: CompleteMultipartUpload answers 412, the upload
		// is aborted.
		err = s.CommitStream(ctx, 1, cur, writeAllOf(bigData(s3bundle.StreamMin+2, 32)))
		if !errors.Is(err, s3bundle.ErrConflict) {
			t.Errorf("abort %v: CommitStream of a taken generation: %v, want ErrConflict", abort, err)
		}
		got := warned.String()
		if abort {
			if got != "" {
				t.Errorf("warned with s3:AbortMultipartUpload: %q", got)
			}
			noUploads(t, srv, "vault")
			continue
		}
		if !strings.Contains(got, "incomplete upload may remain at s3://vault/"+s.GenerationKey(1)) || strings.Count(got, "\n") != 1 {
			t.Errorf("warnings without s3:AbortMultipartUpload: %q, want one line naming the upload's key", got)
		}
		for _, secret := range []string{creds.SecretKey, creds.SessionToken, srv.SecretKey} {
			if strings.Contains(got, secret) {
				t.Errorf("a warning holds a credential")
			}
		}
	}
}
