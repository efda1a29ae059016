package embedcfg

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
)

// A record lives in a slot of the download:
//
//   - appended: the slot starts at the end of the agent build;
//   - in an Authenticode signature's unauthenticated blob (osslsigncode
//     -addUnauthenticatedBlob): the slot is the run of zero bytes after the
//     blob's begin marker. Writing the record there leaves the signature
//     valid, since that attribute is outside what Authenticode signs.
//
// The digest that the record's signature covers (Config.BinarySHA256) is
// the SHA-256 of every byte outside the slot, where the slot is the record
// plus the zero bytes that follow it. The unstamped build, with an empty
// slot, has the same digest, so the site computes it once per build.

// blobBegin opens osslsigncode's reserved blob (an ASN.1 UTF8String of 1024
// bytes, then its marker); the zero bytes after it (up to "---END_BLOB---")
// are the slot. Like magic it is kept inverted, so that an agent build,
// which contains this package, never contains the marker itself.
func blobBegin() []byte { return invert(invertedBlobBegin[:]) }

var invertedBlobBegin = [20]byte{0xf3, 0x7d, 0xfb, 0xff, 0xd2, 0xd2, 0xd2, 0xbd, 0xba, 0xb8, 0xb6, 0xb1, 0xa0, 0xbd, 0xb3, 0xb0, 0xbd, 0xd2, 0xd2, 0xd2}

func invert(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		out[i] = ^c
	}
	return out
}

// ErrTooLarge means a record does not fit the build's slot.
var ErrTooLarge = errors.New("config record does not fit the reserved space of this build")

// Digest is the hex SHA-256 of data outside the slot that starts at start
// and holds a record of recLen bytes (0 for an empty slot).
func Digest(data []byte, start, recLen int) string {
	end := start + recLen
	for end < len(data) && data[end] == 0 {
		end++
	}
	h := sha256.New()
	h.Write(data[:start])
	h.Write(data[end:])
	return hex.EncodeToString(h.Sum(nil))
}

// Layout is where a build's slot lies, found once per build (Inspect).
type Layout struct {
	Size   int64  // bytes of the build
	Start  int64  // slot start: after the blob marker, or Size (appended)
	Room   int64  // zero bytes available in the blob; 0 when appended (unbounded)
	Digest string // what Config.BinarySHA256 must say for this build
}

// InBlob reports whether records go into an Authenticode blob.
func (l *Layout) InBlob() bool { return l.Start < l.Size }

// Inspect finds the slot of an agent build. A signed Windows build reserves
// it in the signature's blob; everything else gets the record appended.
func Inspect(build []byte) (*Layout, error) {
	if bytes.Contains(build, magic()) {
		return nil, errors.New("the agent build already carries a config record")
	}
	l := &Layout{Size: int64(len(build)), Start: int64(len(build))}
	if start, room, ok := blobSlot(build); ok {
		l.Start, l.Room = int64(start), int64(room)
	}
	l.Digest = Digest(build, int(l.Start), 0)
	return l, nil
}

// blobSlot finds the zeros osslsigncode -addUnauthenticatedBlob reserved
// after the last blob marker in b: at least 64 of them, so that a stray
// marker string is not taken for a slot.
func blobSlot(b []byte) (start, room int, ok bool) {
	i := bytes.LastIndex(b, blobBegin())
	if i < 0 {
		return 0, 0, false
	}
	start = i + len(blobBegin())
	end := start
	for end < len(b) && b[end] == 0 {
		end++
	}
	return start, end - start, end-start >= 64
}

// Fits reports whether rec can be stamped into builds of this layout.
func (l *Layout) Fits(rec []byte) error {
	if l.InBlob() && int64(len(rec)) > l.Room {
		return fmt.Errorf("%w: %d bytes, room for %d", ErrTooLarge, len(rec), l.Room)
	}
	return nil
}

// Stamped streams build (size l.Size, read through r) with rec in its
// slot, and returns the total size.
func (l *Layout) Stamped(r io.ReaderAt, rec []byte) (io.Reader, int64, error) {
	if err := l.Fits(rec); err != nil {
		return nil, 0, err
	}
	if !l.InBlob() {
		return io.MultiReader(io.NewSectionReader(r, 0, l.Size), bytes.NewReader(rec)), l.Size + int64(len(rec)), nil
	}
	after := l.Start + int64(len(rec))
	return io.MultiReader(io.NewSectionReader(r, 0, l.Start), bytes.NewReader(rec),
		io.NewSectionReader(r, after, l.Size-after)), l.Size, nil
}

// Restamp returns data (a download or a plain build) with rec in place of
// the record it carries, or in its empty slot: how a support app turns
// itself into a pinned jump client, and how an update gets its config.
func Restamp(data []byte, rec []byte) ([]byte, error) {
	if i := bytes.LastIndex(data, magic()); i >= 0 {
		payload, _, err := split(data[i:])
		if err != nil {
			return nil, err
		}
		n := 20 + len(payload) + sigSize
		end := i + n
		for end < len(data) && data[end] == 0 {
			end++
		}
		if end == len(data) { // appended (maybe zero-padded): cut and append
			return append(bytes.Clone(data[:i]), rec...), nil
		}
		if len(rec) > end-i {
			return nil, fmt.Errorf("%w: %d bytes, room for %d", ErrTooLarge, len(rec), end-i)
		}
		out := bytes.Clone(data)
		clear(out[i:end])
		copy(out[i:], rec)
		return out, nil
	}
	l, err := Inspect(data)
	if err != nil {
		return nil, err
	}
	if err := l.Fits(rec); err != nil {
		return nil, err
	}
	if !l.InBlob() {
		return append(bytes.Clone(data), rec...), nil
	}
	out := bytes.Clone(data)
	copy(out[l.Start:], rec)
	return out, nil
}
