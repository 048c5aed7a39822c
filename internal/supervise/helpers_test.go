package supervise

import (
	"vsync/s3bundle"
)

// fakeCache records what the poller keeps and confirms.
type fakeCache struct {
	kept      *[][]byte
	confirmed *[]string
}

func (c *fakeCache) Keep(raw []byte, _ s3bundle.ObjectInfo, _ uint64) {
	*c.kept = append(*c.kept, raw)
}

func (c *fakeCache) KeepUnchanged(etag string) {
	*c.confirmed = append(*c.confirmed, etag)
}
