package envops

import (
	"context"
	"testing"

	"vsync/internal/workspace"
)

// TestRotate rotates a pushed env to a given passphrase: every object is
// rewrapped, the pending entry is saved before the first write, the new
// passphrase is stored and the local state moves to the generation that
// records the rotation.
func TestRotate(t *testing.T) {
	ctx := context.Background()
	e := openTestEnv(t, map[string]string{".env.dev": "A=1\n"})
	if _, err := Push(ctx, e, PushOptions{Note: "first", Author: "tester", S2KCount: testS2K}); err != nil {
		t.Fatal(err)
	}
	newPass := []byte("another chosen test passphrase")
	var saved, rewrote int
	rot, err := Rotate(ctx, e, RotateOptions{
		Given: true,
		Choose: func(pending *workspace.PendingRotation) ([]byte, error) {
			if pending != nil {
				t.Errorf("a pending rotation before any: base %d", pending.Base)
			}
			return newPass, nil
		},
		Author: "tester", S2KCount: testS2K,
		Rewrote: func(string) { rewrote++ },
		Saved:   func() { saved++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	if rot.AlreadyComplete || rot.Gen != 2 || rot.Rewrapped != rewrote || rewrote == 0 || saved != 1 {
		t.Errorf("Rotate = %+v, %d rewrites told, saved %d times", *rot, rewrote, saved)
	}
	if !rot.EnvGivesOld {
		t.Error("VSYNC_PASSPHRASE gives the old passphrase, and Rotate does not say so")
	}
	path, err := e.Home.PassphrasePath(e.Location, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := workspace.ReadPassphraseFile(path); err != nil || string(stored) != string(newPass) {
		t.Errorf("the store does not hold the new passphrase (err %v)", err)
	}
	if p, err := e.Home.LoadPendingRotation(e.Location, "dev"); err != nil || p != nil {
		t.Errorf("a pending entry is left after a complete rotation (err %v)", err)
	}
	if st, err := e.Project.LoadState("dev"); err != nil || st.Generation != 2 {
		t.Errorf("local state after the rotation: %+v, %v", st, err)
	}
	e.Passphrase = newPass
	if got, err := Pull(ctx, e, PullOptions{}); err != nil || got.Gen != 2 {
		t.Errorf("Pull with the new passphrase = %+v, %v", got, err)
	}
}
