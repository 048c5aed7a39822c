package export

import (
	"errors"
	"fmt"
	"path/filepath"

	"vsync/procfile"
)

// ErrBadAppName is wrapped by the error of an app name that is not
// letters, digits, '_' and '-' (procfile.ValidName).
var ErrBadAppName = errors.New("app name")

// OneOffError: a one-off type named on purpose (Choices.CheckOneOff) is
// not a type of the Procfile: a typo must not leave a migration
// restarting forever.
type OneOffError struct{ Type, Procfile string }

func (e *OneOffError) Error() string {
	return fmt.Sprintf("--one-off: no type %q in the Procfile %q", e.Type, e.Procfile)
}

// Choices are what the operator chose of Options; NewOptions completes
// and checks them.
type Choices struct {
	Procfile                            string // the Procfile's path
	Root                                string // empty: the Procfile's directory
	App                                 string // empty: the root's base name
	User, Vsync, CredDir, Image, Secret string
	Token                               *bool // nil: when the root has a vault (NewOptions' hasVault)
	OneOff                              []string
	CheckOneOff                         bool // each of OneOff must be a type of the Procfile
}

// NewOptions are the Options of c for pf, the Procfile c names: the root
// made absolute, the app named after it unless chosen, each one-off type
// checked (*OneOffError), and the token passed as chosen, else when
// hasVault(root) says the project has a vault. Without one, vsync run
// reads the root's .env, and a credential naming a file that never
// exists would keep a systemd unit from starting at all.
func NewOptions(c Choices, pf *procfile.Procfile, hasVault func(root string) (bool, error)) (Options, error) {
	root := c.Root
	if root == "" {
		root = filepath.Dir(c.Procfile)
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return Options{}, err
	}
	app := c.App
	if app == "" {
		app = filepath.Base(root)
	}
	if !procfile.ValidName(app) {
		return Options{}, fmt.Errorf("%w %q: use letters, digits, '_' and '-' (-a NAME)", ErrBadAppName, app)
	}
	for _, t := range c.OneOff {
		if _, i := pf.Lookup(t); c.CheckOneOff && i < 0 {
			return Options{}, &OneOffError{Type: t, Procfile: c.Procfile}
		}
	}
	token := c.Token != nil && *c.Token
	if c.Token == nil {
		if token, err = hasVault(root); err != nil {
			return Options{}, err
		}
	}
	return Options{App: app, Root: root, User: c.User, Vsync: c.Vsync, CredDir: c.CredDir,
		Image: c.Image, Secret: c.Secret, Token: token, OneOff: c.OneOff}, nil
}
