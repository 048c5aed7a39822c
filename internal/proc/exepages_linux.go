package proc

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseExecutablePages drops from this process's page tables the pages of
// its own executable's code and read-only data that start-up faulted in, so
// that the `vsync run` wrapper stays small while its child runs: of the
// ~17 MB it is resident after start-up, ~14 MB are such pages (the SDK,
// OpenPGP and CLI code that ran once, pulled in 64 KiB at a time by the
// kernel's fault-around). It is an optimisation only: it does nothing when
// /proc cannot be read.
//
// Why it is safe: MADV_DONTNEED on a private file mapping only removes the
// page-table entries. A page that was never written is a clean page of the
// page cache; it stays there (shared with every other process running the
// binary), and the next access maps it again, unchanged, with a minor
// fault (madvise(2)). A written page of a private mapping would be an
// anonymous copy whose contents MADV_DONTNEED discards, so only mappings
// that are not writable and hold no anonymous page at all (smaps'
// "Anonymous: 0 kB") are advised: that excludes data and bss, and also a
// RELRO segment a dynamic loader relocated in a cgo build.
func releaseExecutablePages() {
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/exe", &st); err != nil {
		return
	}
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return
	}
	for _, m := range cleanReadOnlyMappings(smaps, uint64(unix.Major(st.Dev)), uint64(unix.Minor(st.Dev)), st.Ino) {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, m.start, m.end-m.start, unix.MADV_DONTNEED)
	}
}

// addrRange is the address range [start, end) of a mapping.
type addrRange struct{ start, end uintptr }

// cleanReadOnlyMappings returns, from the text of /proc/PID/smaps, the
// private mappings of the file major:minor/ino that are not writable and
// hold no anonymous page. A mapping whose Anonymous line is missing or
// malformed is left out.
func cleanReadOnlyMappings(smaps []byte, major, minor, ino uint64) []addrRange {
	var (
		out  []addrRange
		cand *addrRange // the current mapping, while it qualifies
	)
	sc := bufio.NewScanner(bytes.NewReader(smaps))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		if strings.HasSuffix(f[0], ":") { // "Key: value [kB]" of the current mapping
			if f[0] == "Anonymous:" && cand != nil {
				if len(f) >= 2 && f[1] == "0" {
					out = append(out, *cand)
				}
				cand = nil
			}
			continue
		}
		// A mapping: start-end perms offset major:minor inode [path].
		cand = nil
		if len(f) < 5 || len(f[1]) != 4 || f[1][1] != '-' || f[1][3] != 'p' {
			continue
		}
		if i, err := strconv.ParseUint(f[4], 10, 64); err != nil || i != ino {
			continue
		}
		maj, min, ok := strings.Cut(f[3], ":")
		if !ok || !hexIs(maj, major) || !hexIs(min, minor) {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		cand = &addrRange{uintptr(start), uintptr(end)}
	}
	return out
}

// hexIs reports whether s is the hexadecimal form of v.
func hexIs(s string, v uint64) bool {
	n, err := strconv.ParseUint(s, 16, 64)
	return err == nil && n == v
}
