//go:build unix

package launcher

import (
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// watchdogShell runs the watchdog; without it there is none (see
// startWatchdog).
const watchdogShell = "/bin/sh"

// watchdogScript is the watchdog's whole program. Its stdin is a pipe whose
// only write end vsync holds, on which vsync writes the process group of
// each process it starts, one per line, and "done" when the group is gone:
// then it exits. End of file means vsync died without stopping the group
// (SIGKILL, a crash): it sends SIGKILL to every process group it was given.
const watchdogScript = `while read -r g; do [ "$g" = done ] && exit 0; set -- "$@" "-$g"; done; kill -s KILL -- "$@" 2>/dev/null`

// watchdog is the process that kills a group's process groups should vsync
// die without stopping them. The parent-death signal kills only the
// processes vsync started; the watchdog also reaches what they started in
// their process group (a shell's "sleep 100 &"), which would otherwise be
// re-parented to init and live on.
type watchdog struct {
	pid int
	w   *os.File // the write end; nil once released
}

// startWatchdog starts the watchdog, before the first process, in its own
// process group (so that a Ctrl-C at the terminal does not reach it) and
// with no parent-death signal (it must outlive vsync). It is best effort:
// nil when it cannot be started (no /bin/sh), and the processes then only
// have their parent-death signal. The watchdog is a child of vsync:
// RunGroup reaps it once released.
func startWatchdog(null *os.File) *watchdog {
	r, w, err := os.Pipe()
	if err != nil {
		return nil
	}
	args := []string{"vsync-watchdog", "-c", watchdogScript, "vsync-watchdog"}
	proc, err := os.StartProcess(watchdogShell, args, &os.ProcAttr{
		Env:   []string{},
		Files: []*os.File{r, null, null},
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	})
	_ = r.Close()
	if err != nil {
		_ = w.Close()
		return nil
	}
	pid := proc.Pid
	_ = proc.Release() // reaped with wait4(-1)
	return &watchdog{pid: pid, w: w}
}

// watch gives the watchdog the process group pgid, right after its leader
// is started.
func (wd *watchdog) watch(pgid int) {
	if wd == nil || wd.w == nil {
		return
	}
	_, _ = wd.w.Write([]byte(strconv.Itoa(pgid) + "\n"))
}

// release lets the watchdog exit without killing anything; it is called
// once vsync has no other child left, and again harmlessly.
func (wd *watchdog) release() {
	if wd == nil || wd.w == nil {
		return
	}
	_, _ = wd.w.Write([]byte("done\n"))
	_ = wd.w.Close()
	wd.w = nil
}

// stop releases the watchdog and reaps it, for when no reaper runs (no
// process could be started).
func (wd *watchdog) stop() {
	if wd == nil {
		return
	}
	wd.release()
	_, _ = unix.Wait4(wd.pid, nil, 0, nil)
}

// is reports whether pid is the watchdog's.
func (wd *watchdog) is(pid int) bool {
	return wd != nil && wd.pid == pid
}
