package recording

import (
	"time"

	"github.com/tetherhq/tether/stream"
)

// The site never decodes a view message; it only peeks at it (package
// stream's IsFullFrame and CursorHasShape) to know where full frames are.

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

func (x *indexer) add(off int64, k Kind, sn uint16, t time.Duration, p []byte) {
	x.ix.Last = max(x.ix.Last, t)
	if sn >= x.ix.NextStream {
		x.ix.NextStream = sn + 1
	}
	if k != KindViewOut || len(p) == 0 {
		return
	}
	c := x.context[sn]
	if c == nil {
		c = new([3]int64)
		x.context[sn] = c
	}
	switch {
	case stream.MsgType(p[0]) == stream.MsgScreen:
		c[0] = off
	case stream.MsgType(p[0]) == stream.MsgState:
		c[1] = off
	case stream.CursorHasShape(p):
		c[2] = off
	case stream.IsFullFrame(p):
		x.ix.Entries = append(x.ix.Entries, IndexEntry{Time: t, Stream: sn, Frame: off,
			Screen: c[0], State: c[1], Cursor: c[2]})
	}
}
