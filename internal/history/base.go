package history

import "fmt"

// Base is what a push starts from: the generation the env's folder is
// based on (its local record, which Record names in messages) and whether
// its files are those of that generation.
type Base struct {
	Gen       uint64
	Unchanged bool
	Record    string
}

// StaleBaseError: the folder to push is based on generation Base, not on
// the newest generation Tip of env Env: it is behind (pull first), or
// ahead when its record (Record) is not from this vault. Nothing was
// pushed.
type StaleBaseError struct {
	Env       string
	Base, Tip uint64
	Record    string
}

func (e *StaleBaseError) Error() string {
	if e.Base < e.Tip {
		return fmt.Sprintf("env %q is based on generation %d but the vault is at generation %d", e.Env, e.Base, e.Tip)
	}
	return fmt.Sprintf("env %q is based on generation %d but the vault has only %d", e.Env, e.Base, e.Tip)
}

// UnchangedError: the folder to push holds the files of generation Gen,
// the newest of env Env; nothing was pushed.
type UnchangedError struct {
	Env string
	Gen uint64
}

func (e *UnchangedError) Error() string {
	return fmt.Sprintf("nothing changed in env %q since generation %d; nothing pushed", e.Env, e.Gen)
}

// CheckBase refuses a push of env from base when tip, the newest
// generation, is not base's generation (*StaleBaseError), or when it is
// and the files are unchanged (*UnchangedError).
func CheckBase(env string, base Base, tip uint64) error {
	switch {
	case base.Gen != tip:
		return &StaleBaseError{Env: env, Base: base.Gen, Tip: tip, Record: base.Record}
	case tip > 0 && base.Unchanged:
		return &UnchangedError{Env: env, Gen: tip}
	}
	return nil
}
