package bundlecache

// OfflineError: the bucket did not answer (Cause) and the cache could not
// serve the start instead; Err says why: ErrNoCache (ErrOldCache), an
// *AgeError, or a failure to read the cache file. It matches both.
type OfflineError struct {
	Cause error
	Err   error
	msg   string
}

func (e *OfflineError) Error() string   { return e.msg }
func (e *OfflineError) Unwrap() []error { return []error{e.Cause, e.Err} }

// CachedBundleError: the cache file at Path does not open: Err is
// vault.ErrWrongPassphrase (written under another passphrase, such as
// before a rotation), or the bundle or its record is damaged or was
// tampered with (ErrMAC, vault.ErrIntegrity, vault.ErrManifest ...).
type CachedBundleError struct {
	Path string
	Err  error
}

func (e *CachedBundleError) Error() string { return e.Err.Error() }
func (e *CachedBundleError) Unwrap() error { return e.Err }
