package recording

import "time"

// View-protocol bytes the index needs (docs/VIEW-PROTOCOL.md). The site
// never decodes a view message; it only peeks at these to know where full
// frames are.
const (
	msgScreen    = 0x01
	msgFrame     = 0x02
	msgCursor    = 0x03
	msgState     = 0x04
	frameFlagsAt = 1 + 4 + 8 // type, seq, time
	cursorFlagAt = 1 + 2 + 2 // type, x, y
)

// isFullFrame reports whether a view message is a full frame (flags bit 0),
// which a player can start from.
func isFullFrame(b []byte) bool {
	return len(b) > frameFlagsAt && b[0] == msgFrame && b[frameFlagsAt]&1 == 1
}

// indexer follows records as they are written (or scanned) and collects
// the index: every full frame of a view stream with the offsets of the
// stream's last screen, state and cursor shape before it.
type indexer struct {
	ix      Index
	context map[uint16]*[3]int64 // screen, state, cursor per stream
}

func newIndexer() *indexer {
	return &indexer{ix: Index{NextStream: 1}, context: map[uint16]*[3]int64{}}
}

func (x *indexer) add(off int64, k Kind, stream uint16, t time.Duration, p []byte) {
	x.ix.Last = max(x.ix.Last, t)
	if stream >= x.ix.NextStream {
		x.ix.NextStream = stream + 1
	}
	if k != KindViewOut || len(p) == 0 {
		return
	}
	c := x.context[stream]
	if c == nil {
		c = new([3]int64)
		x.context[stream] = c
	}
	switch {
	case p[0] == msgScreen:
		c[0] = off
	case p[0] == msgState:
		c[1] = off
	case p[0] == msgCursor && len(p) > cursorFlagAt && p[cursorFlagAt]&2 != 0:
		c[2] = off
	case isFullFrame(p):
		x.ix.Entries = append(x.ix.Entries, IndexEntry{Time: t, Stream: stream, Frame: off,
			Screen: c[0], State: c[1], Cursor: c[2]})
	}
}
