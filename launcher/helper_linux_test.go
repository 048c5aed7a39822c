//go:build linux

package launcher_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"vsync/launcher"
)

// The test binary doubles as every child the tests need (the helper-process
// pattern of os/exec's own tests): LAUNCHER_HELPER names the role and
// LAUNCHER_ARG its argument.
//
//	exit N        exit with status N
//	trap          print "ready", then each forwarded signal's name, one a
//	              line, each after LAUNCHER_PREFIX; on TERM, INT or QUIT
//	              die of that very signal
//	family        start a "trap" grandchild in its own process group,
//	              printing with the prefix "grandchild ", then behave as
//	              trap (the two ready lines come in any order)
//	ignore-term   like trap but never dies of a signal it catches
//	segv          really die of SIGSEGV
//	printenv      print the environment, one entry a line
//	sleep         print "ready", then do nothing until killed
//	stopped       print its pid, stop itself (SIGSTOP), then idle
//	orphan        start a "sleep" grandchild (in a new session when
//	              LAUNCHER_ARG=setsid-ignore, ignoring TERM), print its pid,
//	              and exit 0 without waiting for it
//	spawn         start an "exit 0" child, print its pid, exit at once
//	pid1-child    spawn, wait until the orphaned grandchild is reaped by
//	              PID 1, report zombies, then behave as trap
//	privdir       create a PrivateDir under LAUNCHER_ARG, print its path,
//	              wait for stdin to close
//	wrap          act as a small vsync: Run(LAUNCHER_CHILD) with real
//	              signals and Subreaper (unless LAUNCHER_SUBREAPER=0), print
//	              what happened, exit with the child's code
func helperMain(mode string) int {
	arg := os.Getenv("LAUNCHER_ARG")
	switch mode {
	case "exit":
		n, _ := strconv.Atoi(arg)
		return n
	case "trap":
		return trap(false)
	case "family":
		return family()
	case "ignore-term":
		return trap(true)
	case "segv":
		dieOf(syscall.SIGSEGV)
	case "printenv":
		for _, kv := range os.Environ() {
			fmt.Println(kv)
		}
		return 0
	case "sleep":
		fmt.Println("ready")
		idle()
	case "stopped":
		fmt.Println(os.Getpid())
		_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
		idle()
	case "orphan":
		sub := "sleep"
		attr := &syscall.SysProcAttr{}
		if arg == "setsid-ignore" {
			sub, attr.Setsid = "ignore-term", true
		}
		cmd := helperCmd(sub, "")
		cmd.SysProcAttr = attr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return 2
		}
		if err := cmd.Start(); err != nil {
			fmt.Println("start:", err)
			return 2
		}
		// Print the pid only once the grandchild has set up its handlers.
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			return 2
		}
		fmt.Println(cmd.Process.Pid)
		return 0
	case "spawn":
		cmd := helperCmd("exit", "0")
		if err := cmd.Start(); err != nil {
			return 2
		}
		fmt.Println(cmd.Process.Pid)
		return 0
	case "pid1-child":
		return pid1Child()
	case "privdir":
		d, err := launcher.NewPrivateDir(arg)
		if err != nil {
			fmt.Println("error:", err)
			return 2
		}
		fmt.Println(d.Path())
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		_ = d.Remove()
		return 0
	case "wrap":
		return wrap()
	}
	fmt.Fprintln(os.Stderr, "unknown helper", mode)
	return 2
}

// helperCmd runs the test binary in a helper role, with nothing else in its
// environment.
func helperCmd(mode, arg string) *exec.Cmd {
	cmd := exec.Command(testExe)
	cmd.Env = []string{noRaceSleep, "LAUNCHER_HELPER=" + mode, "LAUNCHER_ARG=" + arg}
	return cmd
}

func idle() {
	for {
		time.Sleep(time.Hour)
	}
}

func trap(ignore bool) int {
	c := make(chan os.Signal, 16)
	signal.Notify(c, launcher.ForwardedSignals()...)
	if ignore {
		// Stubborn: outlive a closed stdout too, so that only SIGKILL
		// can end this process.
		signal.Ignore(syscall.SIGPIPE)
	}
	prefix := os.Getenv("LAUNCHER_PREFIX")
	fmt.Println(prefix + "ready")
	for s := range c {
		ss := s.(syscall.Signal)
		fmt.Println(prefix + sigName(ss))
		if !ignore && (ss == syscall.SIGTERM || ss == syscall.SIGINT || ss == syscall.SIGQUIT) {
			dieOf(ss)
		}
	}
	return 0
}

// dieOf makes the process die of sig, as a C program with default
// handlers would. The Go runtime turns SIGQUIT and SIGSEGV into a traceback
// and exit status 2, so the kernel's default action is put back first (a
// zeroed kernel sigaction is SIG_DFL), without a core file.
func dieOf(sig syscall.Signal) {
	signal.Reset(sig)
	_ = unix.Setrlimit(unix.RLIMIT_CORE, &unix.Rlimit{})
	var act [4]uintptr
	if _, _, e := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, uintptr(sig),
		uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0); e != 0 {
		fmt.Println("rt_sigaction:", e)
		os.Exit(2)
	}
	_ = syscall.Kill(os.Getpid(), sig)
	idle()
}

// sigName is "TERM" for SIGTERM, "35" for a signal without a name.
func sigName(s syscall.Signal) string {
	if n := unix.SignalName(s); n != "" {
		return strings.TrimPrefix(n, "SIG")
	}
	return strconv.Itoa(int(s))
}

// family starts a trap grandchild in its own process group, writing
// straight to the same stdout, then traps signals itself.
func family() int {
	cmd := helperCmd("trap", "")
	cmd.Env = append(cmd.Env, "LAUNCHER_PREFIX=grandchild ")
	cmd.Stdout = os.Stdout
	if err := cmd.Start(); err != nil {
		fmt.Println("start:", err)
		return 2
	}
	return trap(false)
}

// pid1Child runs under a PID-1 vsync: it makes an orphan that exits, checks
// that PID 1 reaped it, reports zombies, then traps signals.
func pid1Child() int {
	cmd := helperCmd("spawn", "")
	out, err := cmd.Output()
	if err != nil {
		fmt.Println("spawn:", err)
		return 2
	}
	orphan, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	// The orphan exits at once; wait (bounded) until its zombie is gone.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := os.Stat("/proc/" + strconv.Itoa(orphan))
		if err != nil {
			fmt.Println("orphan reaped")
			break
		}
		if time.Now().After(deadline) {
			fmt.Println("orphan not reaped:", procState(orphan))
			break
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, with a deadline
	}
	fmt.Printf("zombies: %v\n", zombies())
	return trap(false)
}

// procState returns the state letter of pid, or "" when it is gone.
func procState(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return "?"
	}
	return s[i+2 : i+3]
}

// pids lists every process visible in /proc.
func pids() []int {
	ents, _ := os.ReadDir("/proc")
	var ps []int
	for _, e := range ents {
		if p, err := strconv.Atoi(e.Name()); err == nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// zombies lists the processes in state Z.
func zombies() []int {
	var zs []int
	for _, p := range pids() {
		if procState(p) == "Z" {
			zs = append(zs, p)
		}
	}
	return zs
}

// wrap is a small vsync: Run with the process's real signals.
func wrap() int {
	var env []string
	for _, kv := range os.Environ() {
		switch {
		case strings.HasPrefix(kv, "LAUNCHER_HELPER="):
		case strings.HasPrefix(kv, "LAUNCHER_CHILD="):
			env = append(env, "LAUNCHER_HELPER="+strings.TrimPrefix(kv, "LAUNCHER_CHILD="))
		default:
			env = append(env, kv)
		}
	}
	in := make(chan os.Signal, 16)
	signal.Notify(in, launcher.ForwardedSignals()...)
	out := make(chan os.Signal, 16)
	var mu sync.Mutex
	var got []string
	go func() {
		for s := range in {
			mu.Lock()
			got = append(got, sigName(s.(syscall.Signal)))
			mu.Unlock()
			out <- s
		}
	}()
	code, err := launcher.Run(context.Background(), launcher.Config{
		Path:        testExe,
		Args:        []string{"child"},
		Env:         env,
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		KillTimeout: 5 * time.Second,
		Signals:     out,
		Subreaper:   os.Getenv("LAUNCHER_SUBREAPER") != "0",
	})
	signal.Stop(in)
	mu.Lock()
	fmt.Printf("wrapper-signals: %v\n", got)
	mu.Unlock()
	if os.Getpid() == 1 {
		var left []string
		for _, p := range pids() {
			if p != 1 {
				left = append(left, fmt.Sprintf("%d(%s)", p, procState(p)))
			}
		}
		sort.Strings(left)
		fmt.Printf("leftover: %v\n", left)
	}
	fmt.Printf("code=%d err=%v\n", code, err)
	return code
}
