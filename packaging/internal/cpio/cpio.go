// Package cpio writes and reads the "odc" (POSIX.1 portable, magic 070707)
// cpio format, the one macOS Installer expects inside a flat package's
// Payload and Scripts archives (gzip-compressed by the caller). Each entry
// is a 76-byte ASCII-octal header, the NUL-terminated name and the data,
// with no padding; a "TRAILER!!!" entry ends the archive.
package cpio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

const (
	magic     = "070707"
	headerLen = 76
	trailer   = "TRAILER!!!"

	// File type bits of st_mode, as stored in the header.
	TypeDir     = 0o040000
	TypeRegular = 0o100000
	typeMask    = 0o170000

	maxSmall = 0o777777      // six octal digits: dev, ino, mode, uid, gid, nlink, namesize
	maxLarge = 0o77777777777 // eleven: mtime, filesize
)

// ErrFormat is returned for archives (or headers) odc cannot represent.
var ErrFormat = errors.New("cpio: invalid odc archive")

// Header describes one entry.
type Header struct {
	Name  string // e.g. "./tether"; "." for the root
	Mode  uint32 // st_mode: TypeDir or TypeRegular | permission bits
	UID   int
	GID   int
	MTime int64 // seconds since the epoch
	Size  int64 // regular files only
}

// IsDir reports whether the entry is a directory.
func (h *Header) IsDir() bool { return h.Mode&typeMask == TypeDir }

// FileMode converts Mode to an fs.FileMode.
func (h *Header) FileMode() fs.FileMode {
	m := fs.FileMode(h.Mode & 0o777)
	if h.IsDir() {
		m |= fs.ModeDir
	}
	return m
}

// Writer writes an odc archive.
type Writer struct {
	w    *bufio.Writer
	ino  int
	left int64 // data bytes still owed by the current entry
	err  error
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriterSize(w, 64<<10)} }

// WriteHeader starts an entry; for a regular file exactly h.Size bytes
// must follow through Write. Entries get distinct inode numbers, so no
// extractor mistakes two of them for hard links.
func (w *Writer) WriteHeader(h *Header) error {
	if w.err != nil {
		return w.err
	}
	if w.left != 0 {
		return fmt.Errorf("%w: previous entry is %d bytes short", ErrFormat, w.left)
	}
	size := h.Size
	nlink := 1
	switch h.Mode & typeMask {
	case TypeDir:
		size, nlink = 0, 2
	case TypeRegular:
	default:
		return fmt.Errorf("%w: %s: only directories and regular files are supported", ErrFormat, h.Name)
	}
	if h.Name == "" || strings.ContainsRune(h.Name, 0) || len(h.Name)+1 > maxSmall {
		return fmt.Errorf("%w: bad name %q", ErrFormat, h.Name)
	}
	w.ino++
	fields := []struct {
		v     int64
		width int
	}{
		{0, 6}, {int64(w.ino), 6}, {int64(h.Mode), 6}, {int64(h.UID), 6}, {int64(h.GID), 6},
		{int64(nlink), 6}, {0, 6}, {h.MTime, 11}, {int64(len(h.Name) + 1), 6}, {size, 11},
	}
	b := make([]byte, 0, headerLen+len(h.Name)+1)
	b = append(b, magic...)
	for _, f := range fields {
		if f.v < 0 || (f.width == 6 && f.v > maxSmall) || f.v > maxLarge {
			return fmt.Errorf("%w: %s: value %d does not fit %d octal digits", ErrFormat, h.Name, f.v, f.width)
		}
		s := strconv.FormatInt(f.v, 8)
		b = append(b, strings.Repeat("0", f.width-len(s))...)
		b = append(b, s...)
	}
	b = append(append(b, h.Name...), 0)
	if _, err := w.w.Write(b); err != nil {
		w.err = fmt.Errorf("cpio: %w", err)
		return w.err
	}
	w.left = size
	return nil
}

// Write writes data of the current entry.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if int64(len(p)) > w.left {
		return 0, fmt.Errorf("%w: %d bytes more than the header said", ErrFormat, int64(len(p))-w.left)
	}
	n, err := w.w.Write(p)
	w.left -= int64(n)
	if err != nil {
		w.err = fmt.Errorf("cpio: %w", err)
	}
	return n, w.err
}

// Close writes the trailer and flushes; it does not close the underlying
// writer.
func (w *Writer) Close() error {
	if err := w.WriteHeader(&Header{Name: trailer, Mode: TypeRegular}); err != nil {
		return err
	}
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("cpio: %w", err)
	}
	return nil
}

// Entry is one member read back by ReadAll.
type Entry struct {
	Header
	Nlink int
	Ino   int
	Data  []byte
}

// ReadAll reads a whole odc archive (tests and tools: the data is held in
// memory, at most limit bytes of it in total).
func ReadAll(r io.Reader, limit int64) ([]Entry, error) {
	br := bufio.NewReader(r)
	var out []Entry
	for {
		var hb [headerLen]byte
		if _, err := io.ReadFull(br, hb[:]); err != nil {
			return out, fmt.Errorf("%w: header: %w", ErrFormat, err)
		}
		if string(hb[:6]) != magic {
			return out, fmt.Errorf("%w: bad magic %q", ErrFormat, hb[:6])
		}
		var v [10]int64
		widths := [10]int{6, 6, 6, 6, 6, 6, 6, 11, 6, 11}
		off := 6
		for i, w := range widths {
			n, err := strconv.ParseInt(string(hb[off:off+w]), 8, 64)
			if err != nil || n < 0 {
				return out, fmt.Errorf("%w: field %d %q", ErrFormat, i, hb[off:off+w])
			}
			v[i], off = n, off+w
		}
		namesize, size := v[8], v[9]
		if namesize < 1 || size > limit {
			return out, fmt.Errorf("%w: name size %d, file size %d", ErrFormat, namesize, size)
		}
		name := make([]byte, namesize)
		if _, err := io.ReadFull(br, name); err != nil || name[namesize-1] != 0 {
			return out, fmt.Errorf("%w: name", ErrFormat)
		}
		e := Entry{Header: Header{Name: string(name[:namesize-1]), Mode: uint32(v[2]), UID: int(v[3]), GID: int(v[4]),
			MTime: v[7], Size: size}, Ino: int(v[1]), Nlink: int(v[5])}
		if e.Name == trailer {
			return out, nil
		}
		limit -= size
		e.Data = make([]byte, size)
		if _, err := io.ReadFull(br, e.Data); err != nil {
			return out, fmt.Errorf("%w: data of %s: %w", ErrFormat, e.Name, err)
		}
		out = append(out, e)
	}
}
