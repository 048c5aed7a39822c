// Package proc is what vsync does to its own process, as opposed to its
// child's: the hardening that hides its secrets from other processes of the
// same user (PR_SET_DUMPABLE, the wiped environment block), the start-up
// tuning (a main goroutine that starts on a grown stack, the SIGINT/SIGTERM
// that cancel its context unless inherited as ignored), and the tuning of
// a vsync that from some point on only supervises (its executable's
// start-up pages given back, a single P).
//
// Start does all of the start-up part, once, first of all in main: the
// order matters (nothing may read a secret before the hardening) and is
// Start's, not its callers'. What comes later is a method of the Process
// Start returns, which the commands call at the moment they know of (the
// child started, the supervision begun) without knowing the mechanism.
//
// Tuning and hardening are one package because they happen at the same
// single moment in a fixed order and share the /proc plumbing; apart, main
// would again have to know the order.
//
// It touches nothing but the process itself (/proc/self, prctl, madvise,
// the Go runtime's settings) and imports nothing of vsync.
package proc
