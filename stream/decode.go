package stream

import (
	"encoding/binary"

	"github.com/tetherhq/tether/capture"
)

// reader walks a message. Every read checks the remaining length, so a
// truncated message becomes an error instead of a panic; the first failure
// sticks and later reads return zero values.
type reader struct {
	b   []byte
	err error
}

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if len(r.b) < n {
		r.err = malformed("truncated: need %d bytes, have %d", n, len(r.b))
		return false
	}
	return true
}

func (r *reader) u8() int {
	if !r.need(1) {
		return 0
	}
	v := r.b[0]
	r.b = r.b[1:]
	return int(v)
}

func (r *reader) u16() int {
	if !r.need(2) {
		return 0
	}
	v := binary.LittleEndian.Uint16(r.b)
	r.b = r.b[2:]
	return int(v)
}

func (r *reader) i16() int { return int(int16(r.u16())) }

func (r *reader) u32() uint32 {
	if !r.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) u64() uint64 {
	if !r.need(8) {
		return 0
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v
}

func (r *reader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// end reports the sticky error, or an error if bytes are left over: the
// decoders are strict so that two implementations cannot silently disagree
// about what a message means.
func (r *reader) end() error {
	if r.err == nil && len(r.b) != 0 {
		r.err = malformed("%d trailing bytes", len(r.b))
	}
	return r.err
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = malformed(format, args...)
	}
}

// header checks the type byte and returns a reader positioned after it.
func header(b []byte, t MsgType, maxLen int) (*reader, error) {
	if len(b) > maxLen {
		return nil, malformed("message of %d bytes exceeds %d", len(b), maxLen)
	}
	if len(b) == 0 || MsgType(b[0]) != t {
		return nil, malformed("not a message of type %#x", byte(t))
	}
	return &reader{b: b[1:]}, nil
}

func validDim(v int) bool { return v >= 1 && v <= MaxDim }

// DecodeScreen parses a [MsgScreen] message.
func DecodeScreen(b []byte) (*Screen, error) {
	r, err := header(b, MsgScreen, 4096)
	if err != nil {
		return nil, err
	}
	s := &Screen{Version: r.u8(), Current: r.u8(), Width: r.u16(), Height: r.u16()}
	n := r.u8()
	if r.err == nil && s.Version != Version {
		return nil, malformed("unsupported protocol version %d (want %d)", s.Version, Version)
	}
	if r.err == nil && (!validDim(s.Width) || !validDim(s.Height)) {
		r.fail("screen size %dx%d out of range", s.Width, s.Height)
	}
	if r.err == nil && (n < 1 || n > MaxDisplays || s.Current >= n) {
		r.fail("display count %d / current %d out of range", n, s.Current)
	}
	for i := 0; i < n && r.err == nil; i++ {
		d := capture.Display{ID: r.u8(), X: int(int32(r.u32())), Y: int(int32(r.u32())),
			Width: r.u16(), Height: r.u16()}
		fl := r.u8()
		d.Primary = fl&displayPrimary != 0
		name := r.bytes(r.u8())
		if r.err == nil && (fl&^displayPrimary != 0 || len(name) > MaxNameLen) {
			r.fail("display %d: bad flags or name", i)
		}
		d.Name = string(name)
		s.Displays = append(s.Displays, d)
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return s, nil
}

// DecodeFrame parses a [MsgFrame] message. Rectangle data aliases b. It
// checks the structure and the per-rectangle limits, not that rectangles
// lie inside the screen: that is the frame buffer's job ([Decoder]).
func DecodeFrame(b []byte) (*Frame, error) {
	r, err := header(b, MsgFrame, MaxFrameMsg)
	if err != nil {
		return nil, err
	}
	f := &Frame{Seq: r.u32(), TimeUS: r.u64()}
	fl := r.u8()
	n := r.u16()
	f.Full = fl&frameFull != 0
	if r.err == nil && (fl&^frameFull != 0 || n > MaxRects) {
		r.fail("bad flags %#x or %d rects", fl, n)
	}
	// Each rectangle needs at least its header: refuse counts the message
	// cannot hold before allocating for them.
	if r.err == nil && n*rectHeaderSize > len(r.b) {
		r.fail("%d rects cannot fit in %d bytes", n, len(r.b))
	}
	if r.err == nil && n > 0 {
		f.Rects = make([]Rect, 0, n)
	}
	for i := 0; i < n && r.err == nil; i++ {
		rc := Rect{Rect: capture.Rect{X: r.u16(), Y: r.u16(), W: r.u16(), H: r.u16()}, Codec: Codec(r.u8())}
		size := r.u32()
		if r.err != nil {
			break
		}
		if !validDim(rc.W) || !validDim(rc.H) || rc.X+rc.W > MaxDim || rc.Y+rc.H > MaxDim {
			r.fail("rect %d: %+v out of range", i, rc.Rect)
		} else if rc.Codec > CodecJPEGHalf {
			r.fail("rect %d: unknown codec %d", i, rc.Codec)
		} else if size == 0 || uint64(size) > uint64(len(r.b)) {
			r.fail("rect %d: data length %d", i, size)
		}
		rc.Data = r.bytes(int(size))
		f.Rects = append(f.Rects, rc)
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return f, nil
}

// DecodeCursor parses a [MsgCursor] message. Pix aliases b.
func DecodeCursor(b []byte) (*Cursor, error) {
	r, err := header(b, MsgCursor, 16+MaxCursorDim*MaxCursorDim*4)
	if err != nil {
		return nil, err
	}
	c := &Cursor{X: r.i16(), Y: r.i16()}
	fl := r.u8()
	c.Visible = fl&cursorVisible != 0
	if r.err == nil && fl&^(cursorVisible|cursorShape) != 0 {
		r.fail("bad cursor flags %#x", fl)
	}
	if fl&cursorShape != 0 {
		c.HotX, c.HotY, c.W, c.H = r.u16(), r.u16(), r.u16(), r.u16()
		if r.err == nil && (c.W < 1 || c.H < 1 || c.W > MaxCursorDim || c.H > MaxCursorDim ||
			c.HotX >= c.W || c.HotY >= c.H) {
			r.fail("bad cursor shape %dx%d hot %d,%d", c.W, c.H, c.HotX, c.HotY)
		}
		if r.err == nil {
			c.Pix = r.bytes(c.W * c.H * 4)
		}
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return c, nil
}

// DecodeState parses a [MsgState] message.
func DecodeState(b []byte) (State, error) {
	r, err := header(b, MsgState, 2)
	if err != nil {
		return State{}, err
	}
	fl := r.u8()
	if r.err == nil && fl&^(stateControl|statePaused|stateNoDisplay) != 0 {
		r.fail("bad state flags %#x", fl)
	}
	if err := r.end(); err != nil {
		return State{}, err
	}
	return State{ControlAllowed: fl&stateControl != 0, Paused: fl&statePaused != 0,
		NoDisplay: fl&stateNoDisplay != 0}, nil
}

// DecodeAgentMessage parses any agent-to-viewer message and returns a
// *Screen, *Frame, *Cursor or State.
func DecodeAgentMessage(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, malformed("empty message")
	}
	switch MsgType(b[0]) {
	case MsgScreen:
		return DecodeScreen(b)
	case MsgFrame:
		return DecodeFrame(b)
	case MsgCursor:
		return DecodeCursor(b)
	case MsgState:
		return DecodeState(b)
	}
	return nil, malformed("unknown agent message type %#x", b[0])
}
