package main

// Exit codes of vsync's own failures. They sit in 64–78 (the BSD sysexits
// range) so that a wrapper's failure is not mistaken for a child's usual
// codes (0–3) or a shell's (126, 127, 128+N). `vsync run` otherwise exits
// with its child's code. README.md and `vsync run --help` list them.
const (
	exitOK          = 0
	exitFailure     = 1  // anything not listed below
	exitUsage       = 64 // bad flags or arguments, empty command
	exitDataErr     = 65 // malformed input: dotenv, Procfile, token
	exitNotFound    = 66 // env, generation, file or -e file that does not exist; nothing pushed yet
	exitPassphrase  = 67 // wrong passphrase
	exitTampered    = 68 // bundle failed integrity or manifest checks, unsafe paths
	exitUnreachable = 69 // bucket or endpoint did not answer, bucket missing
	exitInternal    = 70 // a bug in vsync
	exitDenied      = 71 // credentials refused (403)
	exitConflict    = 72 // lost a push race, or pushed from a base older than the remote
	exitLocalEdits  = 73 // pull would overwrite local edits that were never pushed
	exitUnchanged   = 74 // push found nothing changed since the base generation; nothing pushed
	exitTooBig      = 76 // run: the child's arguments and environment are too large for execve (E2BIG)
	exitConfig      = 78 // malformed vsync.toml / profiles.toml, missing profile, passphrase or AWS credentials, unsafe --cache directory
	exitNotExec     = 126
	exitNoCommand   = 127
)
