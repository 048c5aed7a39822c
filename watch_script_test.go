package main

import (
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"vsync/vault"
)

// Testscript commands of the watch scripts (run_watch*, start_watch*).
// They are registered in TestScripts' Cmds.

// waitforDeadline bounds waitfor: long enough for a poll, a restart and a
// slow CI machine, short enough to fail a broken watch quickly.
const waitforDeadline = 30 * time.Second

// waitfor FILE REGEXP: wait until FILE (written by a background command)
// has a match for REGEXP, in multi-line mode, checking every 20 ms; fail
// after waitforDeadline, showing what FILE holds. It polls a condition with
// a deadline; it never sleeps a fixed time.
func cmdWaitfor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor FILE REGEXP")
	}
	re, err := regexp.Compile("(?m)" + args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	deadline := time.Now().Add(waitforDeadline)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		data, _ := os.ReadFile(path)
		if re.Match(data) {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("waitfor: no match for %q in %s after %s; it holds:\n%s", args[1], args[0], waitforDeadline, data)
		}
		<-tick.C
	}
}

// foreignpush ROOT PREFIX ENV PASSPHRASE KEY=VALUE...: commit, as the next
// generation of the env in the directory backend at ROOT (or s3://BUCKET
// on $MINIO_ENDPOINT), a well-formed bundle whose .env.ENV holds the
// given lines, encrypted with PASSPHRASE: a teammate who pushed with
// another passphrase, or an attacker who can write to the bucket.
func cmdForeignpush(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 {
		ts.Fatalf("usage: foreignpush ROOT PREFIX ENV PASSPHRASE KEY=VALUE...")
	}
	env := args[2]
	files := []vault.File{{Path: ".env." + env, Mode: 0o600, Data: []byte(strings.Join(args[4:], "\n") + "\n")}}
	commitNext(ts, args[0], args[1], env, func(gen uint64) []byte {
		return sealFiles(ts, env, gen, files, args[3], "mallory", "foreign passphrase")
	})
}
