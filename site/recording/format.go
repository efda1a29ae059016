// Package recording writes and reads session recordings: one file per
// session holding what the site relayed — the view stream's messages as
// the agent encoded them (no re-encoding), the technician's input, shell
// output, chat and file-transfer events — as timestamped records, with an
// index of full frames for seeking. The format is documented in
// docs/RECORDING.md; this file is its single Go definition.
//
// The site records through a Manager (one per site), which hands out a
// Session per recorded support session and a Stream per relayed stream.
// Nothing here ever blocks the relay: records go into a bounded queue
// that a goroutine per session writes to disk, and what does not fit is
// dropped and marked by a gap record.
//
// In a cluster each node records into its own file the views it relays;
// Merge joins a session's files from several nodes into one recording of
// the same format for a download (merge.go).
package recording

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Version is the file format version in the header.
const Version = 1

// Magic opens every recording file. Like PNG's signature, the high byte
// and the CR LF / ^Z pair make transfers that mangle binary files fail
// loudly.
var Magic = [8]byte{0x89, 'T', 'R', 'E', 'C', '\r', '\n', 0x1a}

// TrailerMagic ends a cleanly closed file, after the index record's offset.
var TrailerMagic = [8]byte{'T', 'R', 'E', 'C', 'I', 'D', 'X', '\n'}

// Kind is a record's type.
type Kind byte

// Record kinds (docs/RECORDING.md "Records").
const (
	// KindStreamStart opens a stream: JSON StreamInfo.
	KindStreamStart Kind = 0x01
	// KindStreamEnd closes a stream: JSON {"reason"}.
	KindStreamEnd Kind = 0x02
	// KindViewOut is one agent→viewer message of docs/VIEW-PROTOCOL.md,
	// byte for byte as relayed.
	KindViewOut Kind = 0x10
	// KindViewIn is one viewer→agent input message (mouse, wheel, key,
	// text, display selection); acks, refreshes and quality are not kept.
	KindViewIn Kind = 0x11
	// KindShellOut is terminal output of a shell stream (agent→browser).
	KindShellOut Kind = 0x20
	// KindShellCtl is a shell stream's JSON text message, either way
	// (resize from the browser; ready and exit from the agent).
	KindShellCtl Kind = 0x21
	// KindChat is a chat message: JSON ChatEvent.
	KindChat Kind = 0x30
	// KindFile is a file transfer: JSON FileEvent (never the bytes).
	KindFile Kind = 0x31
	// KindGap marks records that were dropped (a slow disk) or lost (the
	// site stopped without closing the file): JSON Gap.
	KindGap Kind = 0x40
	// KindIndex is the index of a cleanly closed file, last before the
	// trailer.
	KindIndex Kind = 0x7f
)

func (k Kind) String() string {
	switch k {
	case KindStreamStart:
		return "stream_start"
	case KindStreamEnd:
		return "stream_end"
	case KindViewOut:
		return "view_out"
	case KindViewIn:
		return "view_in"
	case KindShellOut:
		return "shell_out"
	case KindShellCtl:
		return "shell_ctl"
	case KindChat:
		return "chat"
	case KindFile:
		return "file"
	case KindGap:
		return "gap"
	case KindIndex:
		return "index"
	}
	return fmt.Sprintf("kind_%#02x", byte(k))
}

// Sizes and limits of the format.
const (
	headerFixed = 8 + 2 + 4 // magic, version, meta length
	maxMeta     = 64 << 10
	recordHead  = 4 + 1 + 2 + 8 // length, kind, stream, time
	recordFixed = 1 + 2 + 8     // what the length counts besides the payload
	trailerSize = 16
	indexFixed  = 2 + 8 + 4 // next stream, last time, entries
	indexEntry  = 8 + 2 + 4*8
	maxPayload  = 64<<20 + 64 // a view message may be 64 MiB (VIEW-PROTOCOL)
	// maxTime bounds record times (µs): 2^53 keeps them exact in
	// JavaScript numbers and within time.Duration (285 years).
	maxTime = 1 << 53
)

// usTime converts a stored time; false when it is out of range.
func usTime(v uint64) (time.Duration, bool) {
	if v > maxTime {
		return 0, false
	}
	return time.Duration(v) * time.Microsecond, true
}

// Meta is the header's JSON: what the recording is of.
type Meta struct {
	Session    string `json:"session"`
	Code       string `json:"code,omitempty"`
	Technician string `json:"technician,omitempty"`
	Customer   string `json:"customer,omitempty"`
	Computer   string `json:"computer,omitempty"`
	JumpClient string `json:"jump_client,omitempty"`
	// Started is when the file was created; record times count from it.
	Started     time.Time `json:"started"`
	SiteVersion string    `json:"site_version,omitempty"`
	// Parts is how many files a download was merged from (Merge: a
	// session recorded on several nodes); absent in a file a site wrote.
	Parts int `json:"parts,omitempty"`
}

// StreamInfo is the payload of KindStreamStart.
type StreamInfo struct {
	Kind       string `json:"kind"` // "view" or "shell"
	ID         string `json:"id"`   // the site's stream ID
	Technician string `json:"technician,omitempty"`
	Addr       string `json:"addr,omitempty"`
}

// ChatEvent is the payload of KindChat.
type ChatEvent struct {
	ID   int64  `json:"id"`
	From string `json:"from"` // "technician" or "customer"
	Name string `json:"name"`
	Text string `json:"text"`
}

// FileEvent is the payload of KindFile.
type FileEvent struct {
	Op     string `json:"op"` // "upload" or "download"
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	Offset int64  `json:"offset,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
	// Result is "done", "refused" (with Code) or "failed".
	Result     string `json:"result"`
	Code       string `json:"code,omitempty"`
	Technician string `json:"technician,omitempty"`
}

// Gap is the payload of KindGap.
type Gap struct {
	Records int64    `json:"records,omitempty"`
	Bytes   int64    `json:"bytes,omitempty"`
	Streams []uint16 `json:"streams,omitempty"`
	// Reason is "disk" (the queue was full) or "interrupted" (the file was
	// not closed: the site stopped; what was buffered is lost).
	Reason string `json:"reason"`
}

// Record is one record of a file.
type Record struct {
	Offset  int64         // of the record's length field
	Kind    Kind          //
	Stream  uint16        // 0: the session itself (chat, files, gaps)
	Time    time.Duration // since Meta.Started
	Payload []byte
}

// End is the offset just after the record.
func (r Record) End() int64 { return r.Offset + recordHead + int64(len(r.Payload)) }

// IndexEntry locates a full frame of a view stream and the records a
// player applies before it: the stream's last screen, state and cursor
// shape (0 when there was none).
type IndexEntry struct {
	Time                         time.Duration
	Stream                       uint16
	Frame, Screen, State, Cursor int64
}

// Index is the payload of KindIndex.
type Index struct {
	NextStream uint16        // first stream number not used yet
	Last       time.Duration // time of the last record before the index
	Entries    []IndexEntry  // by offset
}

var le = binary.LittleEndian

func appendHeader(b []byte, m Meta) ([]byte, error) {
	js, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("recording header: %w", err)
	}
	if len(js) > maxMeta {
		return nil, errors.New("recording header: metadata too long")
	}
	b = append(b, Magic[:]...)
	b = le.AppendUint16(b, Version)
	b = le.AppendUint32(b, uint32(len(js)))
	return append(b, js...), nil
}

func appendRecordHead(b []byte, k Kind, stream uint16, t time.Duration, n int) []byte {
	b = le.AppendUint32(b, uint32(recordFixed+n))
	b = append(b, byte(k))
	b = le.AppendUint16(b, stream)
	return le.AppendUint64(b, uint64(t/time.Microsecond))
}

func (ix *Index) appendPayload(b []byte) []byte {
	b = le.AppendUint16(b, ix.NextStream)
	b = le.AppendUint64(b, uint64(ix.Last/time.Microsecond))
	b = le.AppendUint32(b, uint32(len(ix.Entries)))
	for _, e := range ix.Entries {
		b = le.AppendUint64(b, uint64(e.Time/time.Microsecond))
		b = le.AppendUint16(b, e.Stream)
		for _, o := range []int64{e.Frame, e.Screen, e.State, e.Cursor} {
			b = le.AppendUint64(b, uint64(o))
		}
	}
	return b
}

// ErrFormat is wrapped by every error about a malformed file.
var ErrFormat = errors.New("recording: malformed file")

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, args...))
}

func parseIndex(p []byte, end int64) (*Index, error) {
	if len(p) < indexFixed {
		return nil, formatErr("short index")
	}
	last, ok := usTime(le.Uint64(p[2:]))
	if !ok {
		return nil, formatErr("index time out of range")
	}
	ix := &Index{NextStream: le.Uint16(p), Last: last}
	n := int(le.Uint32(p[10:]))
	if len(p) != indexFixed+n*indexEntry {
		return nil, formatErr("index of %d entries has %d bytes", n, len(p))
	}
	ix.Entries = make([]IndexEntry, n)
	for i := range ix.Entries {
		q := p[indexFixed+i*indexEntry:]
		t, ok := usTime(le.Uint64(q))
		e := IndexEntry{Time: t, Stream: le.Uint16(q[8:]),
			Frame: int64(le.Uint64(q[10:])), Screen: int64(le.Uint64(q[18:])),
			State: int64(le.Uint64(q[26:])), Cursor: int64(le.Uint64(q[34:]))}
		for _, o := range []int64{e.Frame, e.Screen, e.State, e.Cursor} {
			if o < 0 || o >= end {
				return nil, formatErr("index entry %d points outside the records", i)
			}
		}
		if !ok || e.Frame == 0 || e.Time > ix.Last {
			return nil, formatErr("index entry %d is not a frame before the index", i)
		}
		ix.Entries[i] = e
	}
	return ix, nil
}
