package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"vsync/s3bundle"
	"vsync/vault"
)

const testPass = "correct horse battery staple, twice"

// newTestEnv is an env "prod" on a directory backend with n generations,
// generation g holding .env with N=g (and, from 2 on, a file extra).
func newTestEnv(t *testing.T, n int) *Env {
	t.Helper()
	be, err := s3bundle.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{
		Store:      &s3bundle.Store{Backend: be, Prefix: "app", Env: "prod", MaxSize: vault.DefaultMaxBundleSize},
		Passphrase: []byte(testPass),
		Location:   "dir:test/app/prod",
	}
	for range n {
		push(t, e, "generation")
	}
	return e
}

// push commits the next generation of e, with the files described at
// newTestEnv.
func push(t *testing.T, e *Env, note string) {
	t.Helper()
	ctx := context.Background()
	tip, cur, err := e.Store.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var parentSum string
	if tip > 0 {
		if _, parentSum, err = e.Fetch(ctx, tip); err != nil {
			t.Fatal(err)
		}
	}
	files := []vault.File{{Path: ".env", Data: fmt.Appendf(nil, "N=%d\n", tip+1), Mode: 0o600}}
	if tip > 0 {
		files = append(files, vault.File{Path: "extra", Data: []byte("x"), Mode: 0o600})
	}
	b := NewGeneration("prod", tip, parentSum, "ann@example.com", note, files)
	p, err := e.Push(ctx, b, cur, SealOptions(e.Passphrase, 1024, e.Store.MaxSize), t.TempDir(), 0)
	if err != nil || p.Gen != tip+1 || !p.Published {
		t.Fatalf("push: %+v %v", p, err)
	}
}

// TestPushRefused: a generation number taken meanwhile and a bundle over
// the limit push nothing.
func TestPushRefused(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 1)
	files := []vault.File{{Path: ".env", Data: []byte("A=1\n"), Mode: 0o600}}
	b := NewGeneration("prod", 0, "", "bob@example.com", "late", files)
	_, err := e.Push(ctx, b, s3bundle.ObjectInfo{}, SealOptions(e.Passphrase, 1024, 0), t.TempDir(), 0)
	var pc *PushConflictError
	if !errors.As(err, &pc) || pc.Gen != 1 || !errors.Is(err, s3bundle.ErrConflict) {
		t.Fatalf("conflict: %v", err)
	}
	big := []vault.File{{Path: "big", Data: make([]byte, 4096), Mode: 0o600}}
	_, cur, err := e.Store.Tip(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b = NewGeneration("prod", 1, "", "bob@example.com", "big", big)
	_, err = e.Push(ctx, b, cur, SealOptions(e.Passphrase, 1024, 1024), t.TempDir(), 0)
	var se *vault.SizeError
	if !errors.Is(err, ErrPushTooLarge) || !errors.As(err, &se) {
		t.Fatalf("too large: %v", err)
	}
	if gens, _ := e.Store.Generations(ctx); len(gens) != 1 {
		t.Errorf("generations %v", gens)
	}
}

func TestNothingPushed(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 0)
	_, _, err := e.FetchNewest(ctx)
	var np *NothingPushedError
	if !errors.As(err, &np) || !errors.Is(err, ErrNothingPushed) || np.Env != "prod" || np.Location != e.Location {
		t.Fatalf("FetchNewest: %v", err)
	}
	if err.Error() != `nothing was pushed to env "prod" yet (dir:test/app/prod)` {
		t.Errorf("message %q", err)
	}
	if _, _, err := e.Fetch(ctx, 0); !errors.Is(err, ErrNothingPushed) || !errors.Is(err, s3bundle.ErrNotExist) {
		t.Errorf("Fetch(0): %v", err)
	}
	if err := e.Log(ctx, 0, func(Entry) error { return nil }); !errors.Is(err, ErrNothingPushed) {
		t.Errorf("Log: %v", err)
	}
	if _, err := e.Verify(ctx, nil, nil); !errors.Is(err, ErrNothingPushed) {
		t.Errorf("Verify: %v", err)
	}
}

func TestFetch(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 3)
	b, _, err := e.FetchNewest(ctx)
	if err != nil || b.Manifest.Generation != 3 {
		t.Fatalf("FetchNewest: %v", err)
	}
	_, _, err = e.Fetch(ctx, 7)
	var ng *NoGenerationError
	if !errors.As(err, &ng) || ng.Gen != 7 || !errors.Is(err, s3bundle.ErrNotExist) {
		t.Fatalf("Fetch(7): %v", err)
	}
	wrong := &Env{Store: e.Store, Passphrase: []byte("not the passphrase at all, no"), Location: e.Location}
	_, _, err = wrong.Fetch(ctx, 1)
	var ee *EnvError
	if !errors.As(err, &ee) || ee.Env != "prod" || !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
}

func TestLogAndVerify(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 3)
	var gens []uint64
	err := e.Log(ctx, 2, func(en Entry) error {
		gens = append(gens, en.Gen)
		if en.Gen == 2 {
			want := []FileChange{{Op: '~', Path: ".env", Keys: []KeyChange{{Op: '~', Key: "N"}}}, {Op: '+', Path: "extra"}} // no values
			if fmt.Sprint(en.Changes) != fmt.Sprint(want) {
				t.Errorf("changes of 2: %v", en.Changes)
			}
		}
		return nil
	})
	if err != nil || !slices.Equal(gens, []uint64{3, 2}) {
		t.Fatalf("Log: %v %v", gens, err)
	}
	var mu sync.Mutex // check runs in the fetching goroutines
	var checked, verified []uint64
	last, err := e.Verify(ctx,
		func(g uint64, _ *vault.Bundle) error {
			mu.Lock()
			checked = append(checked, g)
			mu.Unlock()
			return nil
		},
		func(g uint64, _ *vault.Bundle) error { verified = append(verified, g); return nil })
	slices.Sort(checked)
	if err != nil || last != 3 || !slices.Equal(checked, []uint64{1, 2, 3}) || !slices.Equal(verified, []uint64{1, 2, 3}) {
		t.Fatalf("Verify: %d %v %v %v", last, checked, verified, err)
	}
}

// TestVerifyCheckFails: the error check gives for a generation is
// returned once Verify reaches it, the generations before it verified,
// none after it, whatever the order check ran in.
func TestVerifyCheckFails(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 6)
	refused := errors.New("refused")
	var verified []uint64
	_, err := e.Verify(ctx,
		func(g uint64, _ *vault.Bundle) error {
			if g == 3 || g == 5 {
				return fmt.Errorf("generation %d: %w", g, refused)
			}
			return nil
		},
		func(g uint64, _ *vault.Bundle) error { verified = append(verified, g); return nil })
	if !errors.Is(err, refused) || err.Error() != "generation 3: refused" || !slices.Equal(verified, []uint64{1, 2}) {
		t.Fatalf("Verify: %v, verified %v", err, verified)
	}
}

// TestVerifyCurrentBehind: current.pgp that holds an older generation is
// a *CurrentError, which is ErrChain.
func TestVerifyCurrentBehind(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 2)
	old, err := readGeneration(ctx, e, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Store.Backend.Put(ctx, e.Store.CurrentKey(), old, s3bundle.PutOptions{Generation: 1}); err != nil {
		t.Fatal(err)
	}
	ok := func(uint64, *vault.Bundle) error { return nil }
	_, err = e.Verify(ctx, ok, ok)
	var ce *CurrentError
	if !errors.As(err, &ce) || ce.Missing || !errors.Is(err, ErrChain) {
		t.Fatalf("Verify: %v", err)
	}
	if err.Error() != `env "prod": current.pgp holds generation 1, not the newest, 2: history check failed` {
		t.Errorf("message %q", err)
	}
}

// TestVerifyListDiffers: generations are fetched from what current.pgp
// names before the LIST answers (verifyStart); when the LIST gives other
// generations, what Verify checks and reports is what it did before: a
// gap in the history, a current.pgp that names a generation the history
// does not have, or none, or one far beyond any history.
func TestVerifyListDiffers(t *testing.T) {
	ctx := context.Background()
	ok := func(uint64, *vault.Bundle) error { return nil }
	verify := func(e *Env) ([]uint64, uint64, error) {
		var verified []uint64
		last, err := e.Verify(ctx, ok, func(g uint64, _ *vault.Bundle) error { verified = append(verified, g); return nil })
		return verified, last, err
	}
	// A gap: current.pgp names 3, the LIST gives 1 and 3.
	e := newTestEnv(t, 3)
	dir := e.Store.Backend.(*s3bundle.Dir)
	if err := os.Remove(filepath.Join(dir.Root(), filepath.FromSlash(e.Store.GenerationKey(2)))); err != nil {
		t.Fatal(err)
	}
	verified, _, err := verify(e)
	if !errors.Is(err, ErrChain) || err.Error() != `env "prod": generation 2 is missing: history check failed` || !slices.Equal(verified, []uint64{1}) {
		t.Errorf("gap: %v, verified %v", err, verified)
	}
	// current.pgp's metadata names another generation than the one it
	// holds (3): 5, 2, and more than verifyStart reads ahead for, each
	// refused once the history checked out; or none, which verifies.
	for _, named := range []uint64{5, 2, maxGuessed + 1, 0} {
		e := newTestEnv(t, 3)
		data, err := readGeneration(ctx, e, 3)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.Backend.Put(ctx, e.Store.CurrentKey(), data, s3bundle.PutOptions{Generation: named}); err != nil {
			t.Fatal(err)
		}
		verified, last, err := verify(e)
		want := fmt.Sprintf(`current.pgp of env "prod" is labelled generation %d but holds 3: %v`, named, vault.ErrManifest)
		if named == 0 {
			if err != nil || last != 3 {
				t.Errorf("current.pgp named no generation: %d %v", last, err)
			}
		} else if !errors.Is(err, vault.ErrManifest) || err.Error() != want {
			t.Errorf("current.pgp named %d: %v", named, err)
		}
		if !slices.Equal(verified, []uint64{1, 2, 3}) {
			t.Errorf("current.pgp named %d: verified %v", named, verified)
		}
	}
}

// readGeneration is generation gen's object as stored.
func readGeneration(ctx context.Context, e *Env, gen uint64) ([]byte, error) {
	data, _, err := ReadObject(ctx, e.Store.Backend, e.Store.GenerationKey(gen), 0)
	return data, err
}

// TestRotation: every object opens with the new passphrase only, the
// record holds the newest files, and a second run finds nothing to do.
func TestRotation(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 2)
	newPass := []byte("a brand new passphrase for prod")
	opts := SealOptions(newPass, 1024, 0)
	opts.Keys = &e.Keys
	var rewrote []string
	r := &Rotation{Store: e.Store, Location: e.Location, OldPass: e.Passphrase, NewPass: newPass, NewOpts: opts,
		Rewrote: func(what string) { rewrote = append(rewrote, what) }}
	rec, err := r.Run(ctx, "ann@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Gen != 3 || !rec.Published || !slices.Equal(rewrote, []string{"generation 1", "generation 2", "current.pgp"}) {
		t.Fatalf("record %+v, rewrote %v", rec, rewrote)
	}
	rotated := &Env{Store: e.Store, Passphrase: newPass, Location: e.Location}
	b, _, err := rotated.FetchNewest(ctx)
	if err != nil || b.Manifest.Note != RotationNote || b.Manifest.Generation != 3 {
		t.Fatalf("record: %v", err)
	}
	if _, _, err := e.Fetch(ctx, 1); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("old passphrase still opens generation 1: %v", err)
	}
	again := &Rotation{Store: e.Store, Location: e.Location, OldPass: e.Passphrase, NewPass: newPass, NewOpts: opts}
	_, err = again.Run(ctx, "ann@example.com", nil)
	if !errors.Is(err, ErrAlreadyRotated) || !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("second run: %v", err)
	}
}
