package runtimevault

import (
	"context"
	"errors"
	"testing"

	"vsync/internal/childenv"
)

// TestListChild: outside a child nothing is listed; inside one whose
// parent does not answer, the child's environment sorted, scrubbed and
// masked but vsync's own; a flag that composes an environment lists what
// Prepare would.
func TestListChild(t *testing.T) {
	environ := []string{"VSYNC_PASSPHRASE=p", "B=2", "A=1"}
	if _, ok := ListChild(context.Background(), Options{}, "", false, environ, false); ok {
		t.Error("listed outside a child")
	}
	if _, ok := ListChild(context.Background(), Options{Env: "prod"}, "", true, environ, false); ok {
		t.Error("listed with --env")
	}
	vars, ok := ListChild(context.Background(), Options{}, "", true, environ, false)
	if !ok || len(vars) != 2 || vars[0].Key != "A" || vars[0].Value != Masked || vars[0].Source != childenv.SourceProcess {
		t.Errorf("inside a child: %+v, %v", vars, ok)
	}
	vars, _ = ListChild(context.Background(), Options{}, "", true, environ, true)
	if vars[1].Value != "2" {
		t.Errorf("--reveal: %+v", vars)
	}
}

// TestMask masks the vault's and the env files' values, every value but
// vsync's own with all, nothing with reveal.
func TestMask(t *testing.T) {
	vars := []childenv.Var{
		{Key: "V", Value: "v", Source: childenv.SourceVault},
		{Key: "F", Value: "f", Source: childenv.SourceFile},
		{Key: "P", Value: "p", Source: childenv.SourceProcess},
		{Key: "S", Value: "s", Source: childenv.SourceVsync},
	}
	got := func(vs []childenv.Var) (s string) {
		for _, v := range vs {
			s += v.Value + ","
		}
		return s
	}
	if g := got(Mask(vars, false, false)); g != Masked+","+Masked+",p,s," {
		t.Errorf("Mask = %s", g)
	}
	if g := got(Mask(vars, false, true)); g != Masked+","+Masked+","+Masked+",s," {
		t.Errorf("Mask all = %s", g)
	}
	if g := got(Mask(vars, true, true)); g != "v,f,p,s," {
		t.Errorf("Mask reveal = %s", g)
	}
}

// TestTokenStatusNothingToCheck: no runtime token, nothing to check.
func TestTokenStatusNothingToCheck(t *testing.T) {
	_, err := TokenStatus(context.Background(), func(string) string { return "" }, 0, nil)
	if !errors.Is(err, ErrNothingToCheck) {
		t.Errorf("TokenStatus without a token: %v", err)
	}
}
