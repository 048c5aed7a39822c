//go:build !unix

package s3bundle

import "errors"

// lock is unavailable without flock: the directory backend cannot promise
// atomic conditional puts there, so it refuses to run.
func (d *Dir) lock(op, key string, exclusive bool) (func(), error) {
	return nil, d.opErr(op, key, nil, errors.New("the directory backend needs flock (unix only)"))
}

func isNotDir(err error) bool { return false }
