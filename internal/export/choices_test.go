package export

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"vsync/procfile"
)

func TestNewOptions(t *testing.T) {
	pf, err := procfile.Parse(strings.NewReader("web: serve\nrelease: migrate\n"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	noVault := func(string) (bool, error) { return false, nil }
	o, err := NewOptions(Choices{Procfile: filepath.Join(root, "Procfile"), OneOff: []string{"release"}}, pf, noVault)
	if err != nil || o.Root != root || o.App != filepath.Base(root) || o.Token {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	vaultAt := func(r string) (bool, error) { return r == root, nil }
	if o, err := NewOptions(Choices{Procfile: filepath.Join(root, "Procfile"), App: "app"}, pf, vaultAt); err != nil || !o.Token {
		t.Errorf("a vault at the root: token %v, %v", o.Token, err)
	}
	no := false
	if o, err := NewOptions(Choices{Procfile: "Procfile", Root: root, App: "app", Token: &no}, pf, vaultAt); err != nil || o.Token {
		t.Errorf("--token=false: token %v, %v", o.Token, err)
	}
	_, err = NewOptions(Choices{Procfile: "Procfile", Root: root, App: "my app"}, pf, noVault)
	if !errors.Is(err, ErrBadAppName) || err.Error() != `app name "my app": use letters, digits, '_' and '-' (-a NAME)` {
		t.Errorf("bad app: %v", err)
	}
	_, err = NewOptions(Choices{Procfile: "Procfile", Root: root, App: "app", OneOff: []string{"relase"}, CheckOneOff: true}, pf, noVault)
	var oe *OneOffError
	if !errors.As(err, &oe) || err.Error() != `--one-off: no type "relase" in the Procfile "Procfile"` {
		t.Errorf("one-off typo: %v", err)
	}
}
