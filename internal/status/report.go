package status

import (
	"errors"

	"vsync/s3bundle"
)

// The statuses of a Report.
const (
	// Fresh: the bucket has no newer generation than the running one.
	Fresh = "fresh"
	// Stale: the bucket has a newer generation; a restart would read it.
	Stale = "stale"
	// Rotated: the bucket has a newer generation that the running
	// passphrase does not open (a passphrase rotation, or a push under
	// another passphrase). The app keeps running with the generation it
	// has, and a restart could not help: it would fail until the new
	// passphrase is deployed.
	Rotated = "rotated"
	// Unknown: the bucket did not answer (Reason says why).
	Unknown = "unknown"
)

// Report is what `vsync status` prints, and what a running vsync answers
// on its status socket.
type Report struct {
	Status           string `json:"status"` // Fresh, Stale, Rotated, Unknown
	Env              string `json:"env"`
	Generation       uint64 `json:"generation"`                  // what the app runs with (or the local folder has)
	RemoteGeneration uint64 `json:"remote_generation,omitempty"` // current.pgp's, when known
	Reason           string `json:"reason,omitempty"`            // why unknown, or why a --watch keeps an older generation; never a secret
}

// Reason says why the bucket could not be asked, from the error the
// store gave, without secrets.
func Reason(err error) string {
	switch {
	case errors.Is(err, s3bundle.ErrNotExist):
		return "nothing pushed to the env"
	case errors.Is(err, s3bundle.ErrAccessDenied):
		return "credentials refused"
	case errors.Is(err, s3bundle.ErrNoCredentials):
		return "no AWS credentials"
	case errors.As(err, new(*s3bundle.NoDirError)):
		return "directory missing"
	case errors.Is(err, s3bundle.ErrNoBucket):
		return "bucket missing"
	default:
		return "bucket unreachable"
	}
}
