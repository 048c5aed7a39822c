package history

import (
	"vsync/s3bundle"
)

// LogCache keeps the entries Log worked out, by what they were worked out
// from. Generation objects are written once (If-None-Match) and never
// change, so an entry stored under the ETag and size that the listing
// gives for its generation and its parent describes those same bytes
// again: Log shows it without reading either object. Log keeps an entry
// only when the GETs it was worked out from named the objects (ETag and
// size) as the listing did: an object written again between the LIST and
// the GET leaves its entry out. Implementations authenticate what they
// keep (internal/logcache); Log calls them from one goroutine.
type LogCache interface {
	// Entry returns the entry kept under id, if any.
	Entry(id EntryID) (Entry, bool)
	// Keep keeps e, worked out from the objects id names.
	Keep(id EntryID, e Entry)
}

// EntryID names the objects a log entry is worked out from: generation
// Gen's object and its parent's (generation Gen-1), each by the ETag and
// size the listing gave (Parent zero when there is no generation Gen-1).
type EntryID struct {
	Gen    uint64
	Object ObjectID
	Parent ObjectID
}

// ObjectID is an object as a listing names it.
type ObjectID struct {
	ETag string
	Size int64
}

// listedID is the id of object o.
func listedID(o s3bundle.ListedGeneration) ObjectID { return ObjectID{ETag: o.ETag, Size: o.Size} }

// readID is the id of the object a GET read, as its answer named it.
func readID(info s3bundle.ObjectInfo) ObjectID { return ObjectID{ETag: info.ETag, Size: info.Size} }
