package childenv

import "fmt"

// ArgsTooLargeError is execve's E2BIG (Err) with what made the child's
// arguments and environment too large: their total size and the largest
// variable, by name, never its value.
type ArgsTooLargeError struct {
	Err     error
	Total   int    // bytes of arguments and variables, NULs included
	Vars    int    // how many variables
	Largest int    // bytes of the largest "KEY=VALUE"
	Key     string // its key
}

func (e *ArgsTooLargeError) Error() string {
	return fmt.Sprintf("%v (%d bytes of arguments and %d variables; the largest, %s, is %d bytes, and execve takes at most %d for one)",
		e.Err, e.Total, e.Vars, e.Key, e.Largest, maxArgStrlen)
}

func (e *ArgsTooLargeError) Unwrap() error { return e.Err }

// ArgsTooLarge is err, execve's E2BIG for args and vars, as an
// *ArgsTooLargeError.
func ArgsTooLarge(err error, args []string, vars []Var) error {
	e := &ArgsTooLargeError{Err: err, Vars: len(vars)}
	for _, a := range args {
		e.Total += len(a) + 1
	}
	for _, v := range vars {
		n := len(v.Key) + 1 + len(v.Value) + 1
		e.Total += n
		if n > e.Largest {
			e.Largest, e.Key = n, v.Key
		}
	}
	return e
}
