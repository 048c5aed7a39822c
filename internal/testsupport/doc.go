// Package testsupport holds the helpers that the tests of several packages
// share: a real sealed bundle (SealedBundle), the redaction of canary
// values in failure messages (Redacted), a process's output read line by
// line with a deadline (Lines, NextLine), a directory's entries (Names)
// and the S3 backend of a MinIO bucket (MinioBackend). Only _test.go
// files import it. It imports vault, s3bundle, internal/miniotest and the
// standard library, so the tests of those three cannot use it.
package testsupport
