package vault

// Var is one assignment of a dotenv file.
type Var struct {
	Key   string
	Value string
	Line  int // 1-based line where the assignment starts
}

// SyntaxError is a dotenv syntax error. It names the file and line, never
// the value.
type SyntaxError struct {
	File   string
	Line   int
	Reason string
}

func (e *SyntaxError) Error() string { return "" /* TODO: "%s:%d: %s" */ }

// ParseDotenv parses a dotenv file's content (grammar in the package doc of
// dotenv.go). lookup resolves ${VAR} that no earlier key defines (normally
// os.LookupEnv of the would-be child environment; nil means none). name is
// used only in errors. Later duplicates win, as in shells.
func ParseDotenv(name string, data []byte, lookup func(string) (string, bool)) ([]Var, error) {
	panic("TODO")
}
