package proc

import (
	"slices"
	"testing"
)

const sampleSmaps = `00400000-00dc0000 r-xp 00000000 fd:01 4242                               /usr/bin/vsync
Size:               9984 kB
Rss:                7160 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
00dc0000-016c5000 r--p 009c0000 fd:01 4242                               /usr/bin/vsync
Rss:                6864 kB
Anonymous:             0 kB
VmFlags: rd mr mw me
016c5000-0173d000 rw-p 012c5000 fd:01 4242                               /usr/bin/vsync
Rss:                 320 kB
Anonymous:           120 kB
016d0000-016d1000 r--p 012d0000 fd:01 4242                               /usr/bin/vsync
Rss:                   4 kB
Anonymous:             4 kB
016e0000-016f0000 r--s 012e0000 fd:01 4242                               /usr/bin/vsync
Anonymous:             0 kB
7f0000000000-7f0000010000 r-xp 00000000 fd:01 4243                       /usr/lib/other.so
Anonymous:             0 kB
7f0000010000-7f0000020000 r-xp 00000000 fd:02 4242                       /mnt/same-inode-other-device
Anonymous:             0 kB
7f0000020000-7f0000030000 r--p 00000000 fd:01 4242                       /usr/bin/vsync
Rss:                   0 kB
7f0000030000-7f0000040000 rw-p 00000000 00:00 0
Anonymous:             0 kB
`

// Only the private, non-writable mappings of the executable that hold no
// anonymous (copy-on-write) page qualify: not data, not a relocated RELRO
// page, not a shared mapping, not another file or device, and not a
// mapping whose Anonymous line is missing.
func TestCleanReadOnlyMappings(t *testing.T) {
	got := cleanReadOnlyMappings([]byte(sampleSmaps), 0xfd, 0x01, 4242)
	want := []addrRange{{0x400000, 0xdc0000}, {0xdc0000, 0x16c5000}}
	if !slices.Equal(got, want) {
		t.Fatalf("cleanReadOnlyMappings = %x, want %x", got, want)
	}
}
