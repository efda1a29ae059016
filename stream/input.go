package stream

import (
	"encoding/binary"
	"unicode/utf8"
)

// Viewer-to-agent messages. They are tiny fixed layouts (a type byte and a
// few little-endian fields) so that the JavaScript side can build them with
// a DataView and the agent can parse them without allocation.

// Button is a mouse button, numbered like DOM MouseEvent.button so the
// browser can send the value unchanged.
type Button uint8

const (
	ButtonLeft    Button = 0
	ButtonMiddle  Button = 1
	ButtonRight   Button = 2
	ButtonBack    Button = 3
	ButtonForward Button = 4
	maxButton            = ButtonForward
)

// Ack tells the agent that frame Seq is on screen. DecodeUS is how long the
// viewer spent decoding and painting it, so the agent can separate network
// time from viewer time when it measures round trips.
type Ack struct {
	Seq      uint32
	DecodeUS uint32
}

// MouseMove is an absolute pointer position in pixels of the current display.
type MouseMove struct{ X, Y int }

// MouseButton presses (Down) or releases a button.
type MouseButton struct {
	Button Button
	Down   bool
}

// Wheel scrolls by DX, DY notches (positive: right, down); the viewer
// converts pixel deltas to notches.
type Wheel struct{ DX, DY int }

// Key presses or releases the key with KeyboardEvent.code Code ("KeyA",
// "ShiftLeft", ...): the physical key, independent of keyboard layout.
type Key struct {
	Code string
	Down bool
}

// Text types a string (IME composition, paste); the agent injects it as
// Unicode characters rather than key codes.
type Text struct{ S string }

// SelectDisplay asks to stream another display ([capture.Display.ID]).
type SelectDisplay struct{ ID int }

// Refresh asks for a full frame, e.g. after the viewer lost its canvas.
type Refresh struct{}

// Quality sets the viewer's preference. Quality 0 lets the agent adapt,
// 1..100 caps the JPEG quality, [QualityLossless] forbids JPEG. MaxFPS 0
// means the agent's default.
type Quality struct {
	Quality int
	MaxFPS  int
}

// QualityLossless in [Quality.Quality] asks the agent never to use JPEG.
const QualityLossless = 255

// MaxFPS bounds Quality.MaxFPS.
const MaxFPS = 60

func (m Ack) Append(b []byte) []byte {
	b = append(b, byte(MsgAck))
	b = binary.LittleEndian.AppendUint32(b, m.Seq)
	return binary.LittleEndian.AppendUint32(b, m.DecodeUS)
}

func (m MouseMove) Append(b []byte) []byte {
	b = append(b, byte(MsgMouseMove))
	b = binary.LittleEndian.AppendUint16(b, uint16(m.X))
	return binary.LittleEndian.AppendUint16(b, uint16(m.Y))
}

func (m MouseButton) Append(b []byte) []byte {
	return append(b, byte(MsgMouseButton), byte(m.Button), boolByte(m.Down))
}

func (m Wheel) Append(b []byte) []byte {
	b = append(b, byte(MsgWheel))
	b = binary.LittleEndian.AppendUint16(b, uint16(int16(m.DX)))
	return binary.LittleEndian.AppendUint16(b, uint16(int16(m.DY)))
}

func (m Key) Append(b []byte) []byte {
	b = append(b, byte(MsgKey), boolByte(m.Down))
	return append(b, m.Code...)
}

func (m Text) Append(b []byte) []byte { return append(append(b, byte(MsgText)), m.S...) }

func (m SelectDisplay) Append(b []byte) []byte { return append(b, byte(MsgSelect), byte(m.ID)) }

func (m Refresh) Append(b []byte) []byte { return append(b, byte(MsgRefresh)) }

func (m Quality) Append(b []byte) []byte {
	return append(b, byte(MsgQuality), byte(m.Quality), byte(m.MaxFPS))
}

func boolByte(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// readBool accepts only 0 and 1, keeping encodings canonical.
func (r *reader) bool() bool {
	v := r.u8()
	if v > 1 {
		r.fail("bad boolean %d", v)
	}
	return v == 1
}

func validKeyCode(s []byte) bool {
	if len(s) < 1 || len(s) > MaxKeyCodeLen {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// DecodeViewerMessage parses any viewer-to-agent message and returns one of
// Ack, MouseMove, MouseButton, Wheel, Key, Text, SelectDisplay, Refresh or
// Quality (values, not pointers).
func DecodeViewerMessage(b []byte) (any, error) {
	if len(b) == 0 {
		return nil, malformed("empty message")
	}
	if len(b) > MaxViewerMsg {
		return nil, malformed("viewer message of %d bytes exceeds %d", len(b), MaxViewerMsg)
	}
	r := &reader{b: b[1:]}
	var m any
	switch MsgType(b[0]) {
	case MsgAck:
		m = Ack{Seq: r.u32(), DecodeUS: r.u32()}
	case MsgMouseMove:
		m = MouseMove{X: r.u16(), Y: r.u16()}
	case MsgMouseButton:
		bt := Button(r.u8())
		if bt > maxButton {
			r.fail("unknown button %d", bt)
		}
		m = MouseButton{Button: bt, Down: r.bool()}
	case MsgWheel:
		m = Wheel{DX: r.i16(), DY: r.i16()}
	case MsgKey:
		down := r.bool()
		code := r.bytes(len(r.b))
		if r.err == nil && !validKeyCode(code) {
			r.fail("bad key code %q", code)
		}
		m = Key{Code: string(code), Down: down}
	case MsgText:
		s := r.bytes(len(r.b))
		if len(s) == 0 || len(s) > MaxTextLen || !utf8.Valid(s) {
			r.fail("bad text of %d bytes", len(s))
		}
		m = Text{S: string(s)}
	case MsgSelect:
		m = SelectDisplay{ID: r.u8()}
	case MsgRefresh:
		m = Refresh{}
	case MsgQuality:
		q := Quality{Quality: r.u8(), MaxFPS: r.u8()}
		if r.err == nil && (q.Quality > 100 && q.Quality != QualityLossless || q.MaxFPS > MaxFPS) {
			r.fail("bad quality %d / fps %d", q.Quality, q.MaxFPS)
		}
		m = q
	default:
		return nil, malformed("unknown viewer message type %#x", b[0])
	}
	if err := r.end(); err != nil {
		return nil, err
	}
	return m, nil
}
