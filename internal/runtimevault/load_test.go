package runtimevault

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vsync/internal/childenv"
	"vsync/internal/history"
	"vsync/s3bundle"
	"vsync/vault"
)

// options are Options reading env (a map) as the environment, with dir
// as the working directory and no project to open.
func options(env map[string]string, dir string) Options {
	return Options{
		Getenv:   func(k string) string { return env[k] },
		Getwd:    func() (string, error) { return dir, nil },
		Projects: noProjects{},
		Messages: &strings.Builder{},
	}
}

// noProjects opens no project env: a test that reaches it fails.
type noProjects struct{}

func (noProjects) OpenProjectEnv(context.Context, string, string) (*history.Env, error) {
	return nil, errors.New("no project env in this test")
}

// Without a token and without Env there is no vault (the dotenv-only
// mode); the token's mistakes are errors of their own, none quoting it.
func TestLoadDiscovery(t *testing.T) {
	ctx := context.Background()
	tok, err := s3bundle.Token{Bucket: "b", Env: "prod", Prefix: "app"}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		opts func(*Options)
		want func(error) bool
	}{
		{"dotenv-only", nil, nil, func(err error) bool { return err == nil }},
		{"local without env", nil, func(o *Options) { o.Local = true }, is(ErrLocalNeedsEnv)},
		{"not a token", map[string]string{"VSYNC_CONFIG": "CANARY_not_a_token"}, nil, func(err error) bool {
			var te *TokenError
			return errors.As(err, &te) && te.Var == "VSYNC_CONFIG" && errors.Is(err, s3bundle.ErrToken) && !strings.Contains(err.Error(), "CANARY")
		}},
		{"no token file", map[string]string{"VSYNC_CONFIG_FILE": filepath.Join(dir, "missing")}, nil, func(err error) bool {
			var fe *TokenFileError
			return errors.As(err, &fe) && errors.Is(err, os.ErrNotExist)
		}},
		{"token file, no passphrase", map[string]string{"VSYNC_CONFIG_FILE": file}, nil, is(ErrNoPassphrase)},
		{"another env", map[string]string{"VSYNC_CONFIG": tok}, func(o *Options) { o.Env = "staging" }, func(err error) bool {
			var me *EnvMismatchError
			return errors.As(err, &me) && me.Env == "staging" && me.TokenEnv == "prod" &&
				err.Error() == `--env "staging" does not match the runtime token's env "prod"`
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := options(tc.env, dir)
			if tc.opts != nil {
				tc.opts(&o)
			}
			lv, err := Load(ctx, o)
			if lv != nil || !tc.want(err) {
				t.Errorf("Load: vault %v, error %v", lv != nil, err)
			}
		})
	}
}

// is matches the errors that errors.Is finds target in.
func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// A bundle no child may start from is a *NotStartedError that says why.
func TestSplitRefuses(t *testing.T) {
	_, err := Split("prod", 1, nil)
	if err != nil {
		t.Fatalf("an empty bundle: %v", err)
	}
	_, err = Split("prod", 1, []vault.File{{Path: ".vsync-status.sock", Mode: 0o600, Data: []byte("x")}})
	var ns *NotStartedError
	if !errors.As(err, &ns) || !errors.Is(err, childenv.ErrNotStartable) {
		t.Errorf("an unstartable bundle: %v, want a *NotStartedError", err)
	}
}
