package logcache

import (
	"slices"

	"vsync/internal/history"
)

// newRecord is entry e worked out from the objects id names. Key changes
// keep the key's name only: an Entry holds no value.
func newRecord(id history.EntryID, e history.Entry) record {
	r := record{
		Gen: id.Gen, ETag: id.Object.ETag, Size: id.Object.Size,
		ParentETag: id.Parent.ETag, ParentSize: id.Parent.Size,
		Parent: e.Parent, Created: e.Created.UTC(), Author: e.Author, Note: e.Note,
	}
	for _, fc := range e.Changes {
		c := change{Op: string(fc.Op), Path: fc.Path, Mode: fc.Mode}
		for _, k := range fc.Keys {
			c.Keys = append(c.Keys, keyChange{Op: string(k.Op), Key: k.Key})
		}
		r.Changes = append(r.Changes, c)
	}
	return r
}

// entry is the history.Entry r holds.
func (r record) entry() history.Entry {
	e := history.Entry{Gen: r.Gen, Parent: r.Parent, Created: r.Created, Author: r.Author, Note: r.Note}
	for _, c := range r.Changes {
		fc := history.FileChange{Op: op(c.Op), Path: c.Path, Mode: c.Mode}
		for _, k := range c.Keys {
			fc.Keys = append(fc.Keys, history.KeyChange{Op: op(k.Op), Key: k.Key})
		}
		e.Changes = append(e.Changes, fc)
	}
	return e
}

// op is the byte of an operation written as a string ("+", "-", "~").
func op(s string) byte {
	if len(s) != 1 {
		return '?'
	}
	return s[0]
}

// sortRecords sorts records by generation, oldest first.
func sortRecords(recs []record) {
	slices.SortFunc(recs, func(a, b record) int {
		switch {
		case a.Gen < b.Gen:
			return -1
		case a.Gen > b.Gen:
			return 1
		}
		return 0
	})
}
