package envops

import (
	"context"
	"errors"
	"testing"

	"vsync/internal/workspace"
	"vsync/vault"
)

// TestInit sets up a new env with the passphrase given, then refuses,
// for a vault with generations, a passphrase that opens none.
func TestInit(t *testing.T) {
	ctx := context.Background()
	e := openTestEnv(t, nil)
	in, err := Init(ctx, e, InitOptions{Profile: "local"})
	if err != nil || in.Generated || in.Generations != 0 || string(in.Pass) != testPass {
		t.Fatalf("Init of a new env = %+v, %v", in, err)
	}
	if _, err := Push(ctx, e, PushOptions{Note: "n", Author: "a", S2KCount: testS2K}); err != nil {
		t.Fatal(err)
	}
	if in, err = Init(ctx, e, InitOptions{Profile: "local"}); err != nil || in.Generations != 1 {
		t.Errorf("Init again with the right passphrase = %+v, %v", in, err)
	}
	base := e.Home
	e.Home = workspace.Home{Getenv: func(k string) string {
		if k == "VSYNC_PASSPHRASE" {
			return "a wrong chosen passphrase"
		}
		return base.Getenv(k)
	}}
	if _, err := Init(ctx, e, InitOptions{Profile: "local"}); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Errorf("Init with a passphrase that opens nothing = %v, want vault.ErrWrongPassphrase", err)
	}
}
