package history

import (
	"context"
	"errors"
	"testing"

	"vsync/vault"
)

// TestNewRotation: the same passphrase is refused; a rotation from a
// passphrase that opens nothing stops before writing, saying so; Base is
// the newest generation unless resumed.
func TestNewRotation(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, 2)
	if _, err := e.NewRotation(ctx, e.Passphrase, 1024, nil); !errors.Is(err, ErrSamePassphrase) {
		t.Errorf("same passphrase: %v", err)
	}
	r, err := e.NewRotation(ctx, []byte("a brand new passphrase for prod"), 1024, nil)
	if err != nil || r.Base != 2 || len(r.NewOpts.Salt) == 0 {
		t.Fatalf("NewRotation: %+v, %v", r, err)
	}
	if r, _ := e.NewRotation(ctx, []byte("a brand new passphrase for prod"), 1024, &Resume{Base: 1}); r.Base != 1 {
		t.Errorf("resumed Base %d, want 1", r.Base)
	}
	wrong := &Env{Store: e.Store, Location: e.Location, Passphrase: []byte("not the passphrase of prod at all")}
	r, err = wrong.NewRotation(ctx, []byte("a brand new passphrase for prod"), 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Run(ctx, "ann@example.com", nil)
	var nc *NothingChangedError
	if !errors.As(err, &nc) || !errors.Is(err, vault.ErrWrongPassphrase) || r.Rewrapped != 0 {
		t.Errorf("wrong passphrase: %v", err)
	}
}
