package childenv

import (
	"fmt"
	"os"
)

// DotenvFile is a dotenv file given with -e (or the default .env), read
// but not yet parsed.
type DotenvFile struct {
	Path string
	Data []byte
}

// ReadDotenvFiles reads each -e file; a named file that is missing is an
// error (unlike Honcho, which skips it silently). With no -e and a
// default path (such as ".env"), that file is read when it exists.
func ReadDotenvFiles(paths []string, dflt string) ([]DotenvFile, error) {
	if len(paths) == 0 && dflt != "" {
		data, err := os.ReadFile(dflt)
		if err == nil {
			return []DotenvFile{{Path: dflt, Data: data}}, nil
		}
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, err
	}
	files := make([]DotenvFile, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("env file %q: %w", p, err)
		}
		files = append(files, DotenvFile{Path: p, Data: data})
	}
	return files, nil
}
