package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"vsync/launcher"
)

// childMain is the helper child of the runtime tests, the way dumb-init's
// print_signals.py and os/exec's helper process are used. It is reached as
// "vsynchild MODE ARGS" from scripts and as "TESTBIN __child MODE ARGS" from
// Go tests. Modes:
//
//	printenv KEY...      print KEY=value, or KEY unset, one per line
//	echo                 print "ready", then "echo: LINE" for each line of
//	                     stdin; exit 0 at its end
//	exit N               exit with N
//	kill SIG             kill itself with signal SIG (TERM, KILL, SEGV ...)
//	trap [ignore] [FILE] print "ready" (and create FILE), then the name of
//	                     each signal it gets (launcher.ForwardedSignals:
//	                     not those inherited as ignored), one per line;
//	                     exit 128+N on TERM or INT unless "ignore"
//	termcount [FILE]     print "ready" (and append "ready gen=G" to FILE, G
//	                     $VSYNC_GENERATION); at the first TERM
//	                     shut down for a second, as a server finishing its
//	                     requests, counting the TERMs that come meanwhile,
//	                     then print "got N SIGTERM" and exit 0; HUP, USR1
//	                     and USR2 are ignored (a reload)
//	fileinfo VAR         print the mode of $VAR, of its directory, and its
//	                     content's length and first line
//	orphan FILE          start a grandchild that outlives it (sleep 300),
//	                     write its pid to FILE, exit 0
//	spew N SEED          print the N lines spewLine(SEED, 0..N-1) as fast as
//	                     it can, the last one without a newline when SEED
//	                     is odd
//	watch LOG VAR FVAR   append to LOG (one write per line) "start pid=P
//	                     gen=$VSYNC_GENERATION VAR=value file=L", L the
//	                     first line of the file $FVAR names, then on each
//	                     HUP or USR1 "HUP pid=P file=L" with L read again;
//	                     on TERM "TERM pid=P" and exit 143 (with "ignore"
//	                     before LOG: stay)
//
// and those of childPlatformModes (harden_linux_test.go on Linux).
func childMain(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "vsynchild: no mode")
		return 2
	}
	switch mode, rest := args[0], args[1:]; mode {
	case "printenv":
		for _, k := range rest {
			if v, ok := os.LookupEnv(k); ok {
				fmt.Printf("%s=%s\n", k, v)
			} else {
				fmt.Printf("%s unset\n", k)
			}
		}
		return 0
	case "echo":
		fmt.Println("ready")
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Println("echo: " + sc.Text())
		}
		return 0
	case "exit":
		n, _ := strconv.Atoi(rest[0])
		return n
	case "kill":
		// A shell that kills itself: the Go runtime would turn a SIGSEGV
		// into a panic exit (2) instead of dying of it.
		err := syscall.Exec("/bin/sh", []string{"sh", "-c", "kill -" + rest[0] + " $$"}, os.Environ())
		fmt.Println(err)
		return 99
	case "trap":
		return childTrap(rest)
	case "termcount":
		return childTermCount(rest)
	case "watch":
		return childWatch(rest)
	case "fileinfo":
		p := os.Getenv(rest[0])
		fi, err := os.Stat(p)
		if err != nil {
			fmt.Println("stat:", err)
			return 1
		}
		di, _ := os.Stat(filepath.Dir(p))
		data, _ := os.ReadFile(p)
		first, _, _ := strings.Cut(string(data), "\n")
		fmt.Printf("file %#o dir %#o len %d first %s\n", fi.Mode().Perm(), di.Mode().Perm(), len(data), first)
		return 0
	case "orphan":
		attr := &os.ProcAttr{Files: []*os.File{nil, nil, nil}}
		p, err := os.StartProcess("/bin/sleep", []string{"sleep", "300"}, attr)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		_ = os.WriteFile(rest[0], []byte(strconv.Itoa(p.Pid)), 0o600)
		return 0
	case "spew":
		n, _ := strconv.Atoi(rest[0])
		seed, _ := strconv.Atoi(rest[1])
		out := bufio.NewWriterSize(os.Stdout, 64<<10)
		var line []byte
		for i := range n {
			line = spewLine(line[:0], seed, i)
			out.Write(line)
			if i < n-1 || seed%2 == 0 {
				out.WriteByte('\n')
			}
		}
		if err := out.Flush(); err != nil {
			return 1
		}
		return 0
	}
	if f, ok := childPlatformModes[args[0]]; ok {
		return f(args[1:])
	}
	fmt.Fprintf(os.Stderr, "vsynchild: unknown mode %q\n", args[0])
	return 2
}

func childTrap(args []string) int {
	ignore := false
	if len(args) > 0 && args[0] == "ignore" {
		ignore, args = true, args[1:]
	}
	sigs := make(chan os.Signal, 16)
	// Every signal vsync forwards, except one inherited as ignored.
	signal.Notify(sigs, launcher.ForwardedSignals()...)
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()
	if len(args) > 0 {
		_ = os.WriteFile(args[0], []byte("ready\n"), 0o600)
	}
	for s := range sigs {
		sig := s.(syscall.Signal)
		fmt.Fprintln(out, signalName(sig))
		out.Flush()
		if !ignore && (sig == syscall.SIGTERM || sig == syscall.SIGINT) {
			return 128 + int(sig)
		}
	}
	return 0
}

func childTermCount(args []string) int {
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
	fmt.Println("ready")
	if len(args) > 0 {
		f, err := os.OpenFile(args[0], os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Fprintf(f, "ready gen=%s\n", os.Getenv("VSYNC_GENERATION"))
		f.Close()
	}
	for s := <-sigs; s != syscall.SIGTERM; s = <-sigs {
	}
	n := 1
	shutdown := time.After(time.Second) // the app's own shutdown, not a synchronisation
	for {
		select {
		case s := <-sigs:
			if s == syscall.SIGTERM {
				n++
			}
		case <-shutdown:
			fmt.Printf("got %d SIGTERM\n", n)
			return 0
		}
	}
}

var signalNames = map[string]syscall.Signal{
	"TERM": syscall.SIGTERM, "INT": syscall.SIGINT, "HUP": syscall.SIGHUP, "QUIT": syscall.SIGQUIT,
	"USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2, "WINCH": syscall.SIGWINCH,
	"KILL": syscall.SIGKILL, "SEGV": syscall.SIGSEGV,
}

func signalByName(n string) syscall.Signal { return signalNames[strings.TrimPrefix(n, "SIG")] }

// signalName is "TERM" for SIGTERM, "35" for a signal with no name.
func signalName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return strings.TrimPrefix(n, "SIG")
	}
	return strconv.Itoa(int(s))
}

// spewLine appends line i of the spew mode for seed to b: mostly short
// lines of varying length, and every 50,000th (from the 7th) 1 MiB long.
func spewLine(b []byte, seed, i int) []byte {
	b = fmt.Appendf(b, "%d:%d:", seed, i)
	n := (i*7 + seed*13) % 120
	if i%50000 == 7 {
		n = 1 << 20
	}
	for j := 0; j < n; j++ {
		b = append(b, byte('a'+(i+j+seed)%26))
	}
	return b
}

// childWatch is the watch mode: a stand-in for an app that reads its
// environment once and re-reads its files on HUP.
func childWatch(args []string) int {
	ignore := len(args) > 0 && args[0] == "ignore"
	if ignore {
		args = args[1:]
	}
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "vsynchild: watch [ignore] LOG VAR FVAR")
		return 2
	}
	logPath, key, fileVar := args[0], args[1], args[2]
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGUSR1)
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer log.Close()
	firstLine := func() string {
		data, err := os.ReadFile(os.Getenv(fileVar))
		if err != nil {
			return "unreadable"
		}
		l, _, _ := strings.Cut(string(data), "\n")
		return l
	}
	pid := os.Getpid()
	fmt.Fprintf(log, "start pid=%d gen=%s %s=%s file=%s\n", pid, os.Getenv("VSYNC_GENERATION"), key, os.Getenv(key), firstLine())
	for s := range sigs {
		switch s {
		case syscall.SIGTERM:
			fmt.Fprintf(log, "TERM pid=%d\n", pid)
			if !ignore {
				return 143
			}
		default:
			fmt.Fprintf(log, "%s pid=%d file=%s\n", signalName(s.(syscall.Signal)), pid, firstLine())
		}
	}
	return 0
}
