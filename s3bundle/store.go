package s3bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// ErrNotPublished: Commit stored the generation (the push is durable and
// its number taken) but could not point current.pgp at it. The next Tip
// finishes the job; until then runtimes still read the previous generation.
var ErrNotPublished = errors.New("generation stored but current.pgp not updated")

// maxPublishAttempts bounds how often Commit and Tip retry moving
// current.pgp forward when other writers keep moving it too.
const maxPublishAttempts = 8

// Store is the vault of one env: <prefix>/<env>/ on a Backend.
type Store struct {
	Backend Backend
	Prefix  string // may be empty; no leading or trailing slash
	Env     string
	// MaxSize, when not 0, is the largest object Open, PollCurrent and Tip
	// read, in bytes: one announced larger is refused before its body is
	// transferred, and one whose body runs longer is cut off there, both
	// with a *SizeError (ErrTooLarge).
	MaxSize int64
}

func (s *Store) base() string {
	if s.Prefix == "" {
		return s.Env
	}
	return s.Prefix + "/" + s.Env
}

// CurrentKey is "<prefix>/<env>/current.pgp".
func (s *Store) CurrentKey() string { return s.base() + "/current.pgp" }

// GenerationKey is "<prefix>/<env>/generations/%010d.pgp".
func (s *Store) GenerationKey(gen uint64) string {
	return fmt.Sprintf("%s/generations/%010d.pgp", s.base(), gen)
}

// generationsPrefix is "<prefix>/<env>/generations/".
func (s *Store) generationsPrefix() string { return s.base() + "/generations/" }

// Current HEADs current.pgp: the runtime's and status's view. ErrNotExist
// when nothing was pushed yet.
func (s *Store) Current(ctx context.Context) (ObjectInfo, error) {
	return s.Backend.Head(ctx, s.CurrentKey())
}

// Generations lists the generation numbers in generations/, ascending, with
// one LIST (paged by the backend past 1,000 keys). Names other than ten
// digits and ".pgp" (and generation 0) are ignored: they are not part of
// the layout. It is for the commands that must see every object (verify,
// rotate-passphrase, init); Tip and Newest never list, so that push and
// pull cost the same at 10 generations as at 10,000.
func (s *Store) Generations(ctx context.Context) ([]uint64, error) {
	prefix := s.generationsPrefix()
	keys, err := s.Backend.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var gens []uint64
	for _, k := range keys {
		if gen, ok := parseGenerationName(strings.TrimPrefix(k, prefix)); ok {
			gens = append(gens, gen)
		}
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i] < gens[j] })
	return gens, nil
}

// ErrNoInfoList: the backend is not an InfoLister.
var ErrNoInfoList = fmt.Errorf("the backend does not list ETags: %w", errors.ErrUnsupported)

// ListedGeneration is a generation object as a listing gives it.
type ListedGeneration struct {
	Gen  uint64
	ETag string
	Size int64
}

// ListGenerations is Generations with each generation's ETag and size,
// from the same one LIST (InfoLister), ascending. A backend that is not
// an InfoLister is ErrNoInfoList, before any request.
func (s *Store) ListGenerations(ctx context.Context) ([]ListedGeneration, error) {
	il, ok := s.Backend.(InfoLister)
	if !ok {
		return nil, ErrNoInfoList
	}
	prefix := s.generationsPrefix()
	infos, err := il.ListInfo(ctx, prefix)
	if err != nil {
		return nil, err
	}
	var gens []ListedGeneration
	for _, o := range infos {
		if gen, ok := parseGenerationName(strings.TrimPrefix(o.Key, prefix)); ok {
			gens = append(gens, ListedGeneration{Gen: gen, ETag: o.ETag, Size: o.Size})
		}
	}
	sort.Slice(gens, func(i, j int) bool { return gens[i].Gen < gens[j].Gen })
	return gens, nil
}

// maxGeneration is the largest number the layout's ten digits hold.
const maxGeneration = 9_999_999_999

// Newest returns the newest generation (0 if none) and the info of
// current.pgp (the zero ObjectInfo when it is missing), without a LIST and
// without writing: a HEAD of current.pgp, which names generation N in its
// metadata, and a HEAD of generations/N+1 (see NewestFrom).
//
// Recovery rule: current.pgp may lag behind the history, never lead it,
// when a push died between its commit point (generations/N+1 written with
// If-None-Match) and its PUT of current.pgp, or when current.pgp is missing
// after a first push died so. Generations are created one after another,
// each as its parent's number + 1, so the history is 1..M with no gap and
// the newest is found from N by probing.
func (s *Store) Newest(ctx context.Context) (uint64, ObjectInfo, error) {
	current, err := s.Current(ctx)
	if errors.Is(err, ErrNotExist) {
		current = ObjectInfo{}
	} else if err != nil {
		return 0, ObjectInfo{}, err
	}
	newest, err := s.NewestFrom(ctx, current.Generation)
	if err != nil {
		return 0, ObjectInfo{}, err
	}
	return max(newest, current.Generation), current, nil
}

// NewestFrom returns the newest generation, given that generation known
// exists (0: none is known). It HEADs generations/known+1: when that is
// missing, known is the newest, after one request. Otherwise current.pgp
// lags (see Newest) and the newest is found by probing known+2, known+4,
// known+8 … until one is missing, then bisecting: O(log lag) HEADs.
func (s *Store) NewestFrom(ctx context.Context, known uint64) (uint64, error) {
	ok, err := s.exists(ctx, known+1)
	if err != nil || !ok {
		return known, err
	}
	lo, hi := known+1, uint64(0) // lo exists; hi, once not 0, does not
	for step := uint64(1); hi == 0; step *= 2 {
		if lo+step > maxGeneration {
			hi = maxGeneration + 1
			break
		}
		ok, err := s.exists(ctx, lo+step)
		if err != nil {
			return 0, err
		}
		if ok {
			lo += step
		} else {
			hi = lo + step
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := s.exists(ctx, mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// exists HEADs generation gen.
func (s *Store) exists(ctx context.Context, gen uint64) (bool, error) {
	if gen == 0 || gen > maxGeneration {
		return false, nil
	}
	_, err := s.Backend.Head(ctx, s.GenerationKey(gen))
	if errors.Is(err, ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// parseGenerationName parses "0000000042.pgp".
func parseGenerationName(name string) (uint64, bool) {
	num, ok := strings.CutSuffix(name, ".pgp")
	if !ok || len(num) != 10 {
		return 0, false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	gen, err := strconv.ParseUint(num, 10, 64)
	if err != nil || gen == 0 {
		return 0, false
	}
	return gen, true
}

// Tip returns the newest generation (0 if none) and the info of
// current.pgp, after rolling current.pgp forward when the history holds a
// newer generation than it (a push that died between its two writes: the
// recovery rule of Newest; a big generation is copied within a Streamer). It never moves current.pgp backwards, and it
// does not LIST: two HEADs when current.pgp is up to date. current is the
// zero ObjectInfo when there is no current.pgp and no history.
func (s *Store) Tip(ctx context.Context) (gen uint64, current ObjectInfo, err error) {
	newest, current, err := s.Newest(ctx)
	if err != nil {
		return 0, ObjectInfo{}, err
	}
	if current.Generation >= newest {
		return current.Generation, current, nil
	}
	put, err := s.rollForward(ctx, newest)
	if err != nil {
		return 0, ObjectInfo{}, err
	}
	current, err = s.publish(ctx, newest, put, current)
	if err != nil {
		// A big generation replaced between its read and its copy is
		// ErrSourceChanged: current.pgp did not move; Tip again copies
		// the generation as it is then.
		return 0, ObjectInfo{}, fmt.Errorf("roll current.pgp forward to generation %d: %w", newest, err)
	}
	return max(newest, current.Generation), current, nil
}

// rollForward is the write of generation gen to current.pgp for publish:
// on a Streamer, a generation over StreamMin is copied within the backend
// (its body is not read); otherwise it is read whole, into one buffer of
// the object's announced size, and Put.
func (s *Store) rollForward(ctx context.Context, gen uint64) (func(context.Context, PutOptions) (ObjectInfo, error), error) {
	rc, info, err := s.Open(ctx, gen)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if st, ok := s.Backend.(Streamer); ok && info.Size > StreamMin && info.ETag != "" {
		return func(ctx context.Context, opts PutOptions) (ObjectInfo, error) {
			return st.Copy(ctx, info, s.CurrentKey(), opts)
		}, nil
	}
	buf := bytes.NewBuffer(make([]byte, 0, max(info.Size, 0)+bytes.MinRead))
	if _, err := buf.ReadFrom(rc); err != nil {
		return nil, fmt.Errorf("read %s: %w", s.GenerationKey(gen), err)
	}
	return s.putData(buf.Bytes(), ""), nil
}

// Commit publishes generation gen (data is its encrypted bundle):
// PUT generations/<gen> with If-None-Match (the commit point; ErrConflict if
// another push took gen), then PUT current.pgp with If-Match current.ETag
// (If-None-Match when there is no current.pgp, current.ETag empty, as for
// gen 1). Losing that second race to a newer generation is not an error:
// current.pgp never moves backwards. When current.pgp cannot be updated
// after the commit point, the error wraps ErrNotPublished (and the cause).
func (s *Store) Commit(ctx context.Context, gen uint64, data []byte, current ObjectInfo) error {
	return s.CommitHashed(ctx, gen, data, "", current)
}

// CommitHashed is Commit of data whose hex SHA-256 the caller knows
// (sum; "" when it does not): both PUTs sign it (PutOptions.SHA256)
// instead of hashing the bundle again.
func (s *Store) CommitHashed(ctx context.Context, gen uint64, data []byte, sum string, current ObjectInfo) error {
	if gen == 0 {
		return errors.New("commit: generation 0 is not a generation")
	}
	if _, err := s.Backend.Put(ctx, s.GenerationKey(gen), data, PutOptions{IfNoneMatch: true, Generation: gen, SHA256: sum}); err != nil {
		if errors.Is(err, ErrConflict) {
			return fmt.Errorf("commit generation %d: another push took it: %w", gen, err)
		}
		return fmt.Errorf("commit generation %d: %w", gen, err)
	}
	// current.pgp gets data itself, not a copy of generations/<gen>: were
	// that replaced by another writer meanwhile (a server ignoring
	// If-None-Match, a hostile writer), current.pgp still holds this push,
	// so there is nothing to check (CommitStream's copy has to).
	if _, err := s.publish(ctx, gen, s.putData(data, sum), current); err != nil {
		return fmt.Errorf("commit generation %d: %w: %w", gen, ErrNotPublished, err)
	}
	return nil
}

// putData is a publish's write of data (of hex SHA-256 sum, or "") to
// current.pgp.
func (s *Store) putData(data []byte, sum string) func(context.Context, PutOptions) (ObjectInfo, error) {
	return func(ctx context.Context, opts PutOptions) (ObjectInfo, error) {
		opts.SHA256 = sum
		return s.Backend.Put(ctx, s.CurrentKey(), data, opts)
	}
}

// publish points current.pgp at generation gen, writing it with put
// (given the condition and the generation), starting from current as
// last seen. On a lost race it looks again: a current.pgp at gen or newer
// is success; an older one is replaced, a bounded number of times. It
// returns current.pgp's info afterwards.
func (s *Store) publish(ctx context.Context, gen uint64, put func(context.Context, PutOptions) (ObjectInfo, error), current ObjectInfo) (ObjectInfo, error) {
	var lastErr error
	for range maxPublishAttempts {
		if current.ETag != "" && current.Generation >= gen {
			return current, nil
		}
		opts := PutOptions{Generation: gen}
		if current.ETag == "" {
			opts.IfNoneMatch = true
		} else {
			opts.IfMatch = current.ETag
		}
		info, err := put(ctx, opts)
		if err == nil {
			return info, nil
		}
		if !errors.Is(err, ErrConflict) {
			return ObjectInfo{}, err
		}
		lastErr = err
		current, err = s.Current(ctx)
		if errors.Is(err, ErrNotExist) {
			current = ObjectInfo{}
		} else if err != nil {
			return ObjectInfo{}, err
		}
	}
	return ObjectInfo{}, fmt.Errorf("current.pgp kept changing (%d attempts): %w", maxPublishAttempts, lastErr)
}

// Open reads generation gen, or current.pgp when gen is 0. An object over
// MaxSize is a *SizeError (see MaxSize); its info is still returned.
func (s *Store) Open(ctx context.Context, gen uint64) (io.ReadCloser, ObjectInfo, error) {
	key := s.CurrentKey()
	if gen != 0 {
		key = s.GenerationKey(gen)
	}
	rc, info, err := s.Backend.Get(ctx, key)
	if err != nil {
		return nil, info, err
	}
	rc, err = LimitObject(rc, info, s.MaxSize)
	return rc, info, err
}

// PollCurrent returns a Poll of current.pgp: each read returns the object
// unless its ETag is still the one given, in which case it returns
// ErrNotModified after one request that transfers no body. It is the poll
// of `vsync run --watch`; NewPoll says how the backend makes it. Objects
// over MaxSize are refused as Open refuses them.
func (s *Store) PollCurrent() Poll {
	p := NewPoll(s.Backend, s.CurrentKey())
	if s.MaxSize <= 0 {
		return p
	}
	return limitPoll{p: p, limit: s.MaxSize}
}
