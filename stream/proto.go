package stream

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tetherhq/tether/capture"
)

// Version is the view-protocol version carried by every [Screen] message. A
// viewer that does not know the version must close the stream rather than
// guess, so any incompatible change bumps it.
const Version = 1

// MsgType is the first byte of every message. Agent-to-viewer types are
// 0x01..0x0F, viewer-to-agent types 0x10..0x1F, so a message arriving in the
// wrong direction is rejected by its type alone.
type MsgType byte

// Agent to viewer.
const (
	MsgScreen MsgType = 0x01 // display list, current display and its size
	MsgFrame  MsgType = 0x02 // changed rectangles of the current display
	MsgCursor MsgType = 0x03 // pointer position and optional shape
	MsgState  MsgType = 0x04 // control permission / pause / no-display flags
)

// Viewer to agent.
const (
	MsgAck         MsgType = 0x10 // frame displayed
	MsgMouseMove   MsgType = 0x11 // absolute pointer position
	MsgMouseButton MsgType = 0x12 // button press or release
	MsgWheel       MsgType = 0x13 // scroll
	MsgKey         MsgType = 0x14 // key press or release by KeyboardEvent.code
	MsgText        MsgType = 0x15 // text to type (IME, paste)
	MsgSelect      MsgType = 0x16 // switch to another display
	MsgRefresh     MsgType = 0x17 // ask for a full frame
	MsgQuality     MsgType = 0x18 // quality / frame-rate preference
)

// Codec says how the pixels of one rectangle are encoded.
type Codec byte

const (
	// CodecZstd is the pixels as three planes (all R bytes row by row, then
	// all G, then all B: 3*W*H bytes), zstd-compressed.
	CodecZstd Codec = 0
	// CodecXorZstd is the same planes XORed with what the viewer currently
	// shows in that rectangle, zstd-compressed. Unchanged pixels become zero
	// bytes, which compress to almost nothing.
	CodecXorZstd Codec = 1
	// CodecJPEG is a baseline JPEG of exactly the rectangle's size. Lossy:
	// the agent never XORs against pixels it sent as JPEG.
	CodecJPEG Codec = 2
	// CodecJPEGHalf is a baseline JPEG of the rectangle at half size in
	// each direction (rounded up), drawn scaled up to the rectangle. The
	// agent uses it while most of the screen is in photo-like motion, where
	// full-size JPEG cannot keep the frame rate on one core; the idle
	// refinement re-sends the region losslessly once the motion stops.
	CodecJPEGHalf Codec = 3
)

func (c Codec) String() string {
	switch c {
	case CodecZstd:
		return "zstd"
	case CodecXorZstd:
		return "xor-zstd"
	case CodecJPEG:
		return "jpeg"
	case CodecJPEGHalf:
		return "jpeg-half"
	}
	return fmt.Sprintf("codec(%d)", byte(c))
}

// Limits enforced by the decoders on both sides. They bound the memory a
// malicious or broken peer can make the other side allocate.
const (
	MaxDim          = 8192     // width or height of a display or rectangle
	MaxDisplays     = 16       // displays in a Screen message
	MaxNameLen      = 64       // bytes of a display name
	MaxRects        = 4096     // rectangles in one frame message
	MaxFrameMsg     = 64 << 20 // bytes of one agent-to-viewer message
	MaxViewerMsg    = 2048     // bytes of one viewer-to-agent message
	MaxTextLen      = 1024     // bytes of a Text message (UTF-8)
	MaxKeyCodeLen   = 32       // bytes of a KeyboardEvent.code
	MaxCursorDim    = 256      // width or height of a cursor image
	rectHeaderSize  = 13       // x, y, w, h (u16), codec (u8), len (u32)
	frameHeaderSize = 16       // type, seq u32, time u64, flags u8, n u16
)

// ErrMalformed is wrapped by every decoding error, so callers can tell a
// protocol violation (close the stream) from an I/O failure.
var ErrMalformed = errors.New("stream: malformed message")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Screen tells the viewer which displays exist and which one is streamed.
// Sent when the stream starts and whenever the list or the size changes;
// the frame that follows it is always a full frame.
type Screen struct {
	Version       int // Version of the sender; decoders reject others
	Current       int // index in Displays of the streamed display
	Width, Height int // size of the frames that follow (pixels)
	Displays      []capture.Display
}

// Frame is one update of the viewer's frame buffer.
type Frame struct {
	Seq    uint32 // increases by one per frame; echoed in [Ack]
	TimeUS uint64 // capture time, microseconds since the Unix epoch
	Full   bool   // rectangles cover the whole screen (join, refresh, resize)
	Rects  []Rect
}

// Rect is one encoded rectangle of a [Frame]. Data aliases the message
// buffer after decoding.
type Rect struct {
	capture.Rect
	Codec Codec
	Data  []byte
}

// Cursor moves the viewer's rendering of the remote pointer. A zero-sized
// shape means "keep the previous shape".
type Cursor struct {
	X, Y       int    // hotspot position on the current display
	Visible    bool   // false hides the pointer (e.g. during video playback)
	HotX, HotY int    // hotspot inside the shape
	W, H       int    // shape size, 0 when no shape is included
	Pix        []byte // W*H*4 bytes RGBA (real alpha), when W, H > 0
}

// State flags sent to the viewer so it can show why input is ignored or why
// the picture is frozen.
type State struct {
	ControlAllowed bool // the technician may send input
	Paused         bool // the customer paused the session: no frames, no input
	NoDisplay      bool // nothing to capture (locked session, no monitor)
}

const (
	stateControl   = 1 << 0
	statePaused    = 1 << 1
	stateNoDisplay = 1 << 2
	frameFull      = 1 << 0
	cursorVisible  = 1 << 0
	cursorShape    = 1 << 1
	displayPrimary = 1 << 0
)

// Append encodes s after b. Values out of range are the caller's bug; they
// are clamped rather than producing a message the decoder would reject.
func (s *Screen) Append(b []byte) []byte {
	n := min(len(s.Displays), MaxDisplays)
	b = append(b, byte(MsgScreen), Version, byte(s.Current))
	b = binary.LittleEndian.AppendUint16(b, uint16(s.Width))
	b = binary.LittleEndian.AppendUint16(b, uint16(s.Height))
	b = append(b, byte(n))
	for _, d := range s.Displays[:n] {
		b = append(b, byte(d.ID))
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(d.X)))
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(d.Y)))
		b = binary.LittleEndian.AppendUint16(b, uint16(d.Width))
		b = binary.LittleEndian.AppendUint16(b, uint16(d.Height))
		var fl byte
		if d.Primary {
			fl |= displayPrimary
		}
		name := d.Name
		if len(name) > MaxNameLen {
			name = name[:MaxNameLen]
		}
		b = append(b, fl, byte(len(name)))
		b = append(b, name...)
	}
	return b
}

// AppendFrameHeader starts a frame message; append nrects rectangles with
// [AppendRect]. Splitting it this way lets the encoder compress straight
// into the message buffer.
func AppendFrameHeader(b []byte, seq uint32, timeUS uint64, full bool, nrects int) []byte {
	b = append(b, byte(MsgFrame))
	b = binary.LittleEndian.AppendUint32(b, seq)
	b = binary.LittleEndian.AppendUint64(b, timeUS)
	var fl byte
	if full {
		fl |= frameFull
	}
	b = append(b, fl)
	return binary.LittleEndian.AppendUint16(b, uint16(nrects))
}

// AppendRect appends one rectangle header followed by its data.
func AppendRect(b []byte, r capture.Rect, c Codec, data []byte) []byte {
	b = appendRectHeader(b, r, c, len(data))
	return append(b, data...)
}

func appendRectHeader(b []byte, r capture.Rect, c Codec, n int) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(r.X))
	b = binary.LittleEndian.AppendUint16(b, uint16(r.Y))
	b = binary.LittleEndian.AppendUint16(b, uint16(r.W))
	b = binary.LittleEndian.AppendUint16(b, uint16(r.H))
	b = append(b, byte(c))
	return binary.LittleEndian.AppendUint32(b, uint32(n))
}

// Append encodes f after b.
func (f *Frame) Append(b []byte) []byte {
	b = AppendFrameHeader(b, f.Seq, f.TimeUS, f.Full, len(f.Rects))
	for _, r := range f.Rects {
		b = AppendRect(b, r.Rect, r.Codec, r.Data)
	}
	return b
}

// Append encodes c after b. Pix is W*H*4 bytes of straight RGBA, sent
// uncompressed: shapes are small (32x32 typically) and change rarely.
func (c *Cursor) Append(b []byte) []byte {
	var fl byte
	if c.Visible {
		fl |= cursorVisible
	}
	if c.W > 0 && c.H > 0 {
		fl |= cursorShape
	}
	b = append(b, byte(MsgCursor))
	b = binary.LittleEndian.AppendUint16(b, uint16(int16(c.X)))
	b = binary.LittleEndian.AppendUint16(b, uint16(int16(c.Y)))
	b = append(b, fl)
	if fl&cursorShape != 0 {
		for _, v := range []int{c.HotX, c.HotY, c.W, c.H} {
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		}
		b = append(b, c.Pix...)
	}
	return b
}

// Append encodes s after b.
func (s State) Append(b []byte) []byte {
	var fl byte
	if s.ControlAllowed {
		fl |= stateControl
	}
	if s.Paused {
		fl |= statePaused
	}
	if s.NoDisplay {
		fl |= stateNoDisplay
	}
	return append(b, byte(MsgState), fl)
}
