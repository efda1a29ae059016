package stream

// Peeking at encoded messages without decoding them: what the site's
// recorder needs to index a view (where full frames and cursor shapes are).

const (
	frameFlagsAt  = 1 + 4 + 8 // type, seq, time
	cursorFlagsAt = 1 + 2 + 2 // type, x, y
)

// IsFullFrame reports whether b, an encoded message from the agent, is a
// full frame: one a decoder can start from.
func IsFullFrame(b []byte) bool {
	return len(b) > frameFlagsAt && MsgType(b[0]) == MsgFrame && b[frameFlagsAt]&frameFull != 0
}

// CursorHasShape reports whether b is a cursor message that carries the
// pointer's shape (not only its position).
func CursorHasShape(b []byte) bool {
	return len(b) > cursorFlagsAt && MsgType(b[0]) == MsgCursor && b[cursorFlagsAt]&cursorShape != 0
}

// IsInput reports whether b, an encoded message from the viewer, is input
// (pointer, keys, text, display switch) rather than flow control.
func IsInput(b []byte) bool {
	return len(b) > 0 && MsgType(b[0]) >= MsgMouseMove && MsgType(b[0]) <= MsgSelect
}
