package xar

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// MaxTOC bounds the uncompressed TOC the reader accepts.
const MaxTOC = 16 << 20

// Archive is an opened xar archive whose TOC checksum has been verified.
type Archive struct {
	TOC   []byte // the TOC XML
	Files []File // every member, depth first in TOC order
	r     io.ReaderAt
	size  int64
	heap  int64
}

// File is one member as the TOC describes it.
type File struct {
	ID   int
	Path string // slash-separated from the root
	Type string // "file", "directory"
	Mode string
	Data *tocData // nil for directories
}

// Open reads the header and TOC of the archive in r and checks the TOC's
// SHA-1 against the one stored in the heap.
func Open(r io.ReaderAt, size int64) (*Archive, error) {
	var h [headerSize]byte
	if _, err := r.ReadAt(h[:], 0); err != nil || string(h[:4]) != magic {
		return nil, fmt.Errorf("%w: no xar header", ErrFormat)
	}
	hs := int64(binary.BigEndian.Uint16(h[4:]))
	clen, ulen := binary.BigEndian.Uint64(h[8:]), binary.BigEndian.Uint64(h[16:])
	if hs < headerSize || clen > uint64(size) || int64(clen)+hs > size || ulen > MaxTOC {
		return nil, fmt.Errorf("%w: header sizes %d/%d/%d", ErrFormat, hs, clen, ulen)
	}
	if alg := binary.BigEndian.Uint32(h[24:]); alg != cksumSHA1 {
		return nil, fmt.Errorf("%w: checksum algorithm %d (only SHA-1)", ErrFormat, alg)
	}
	ztoc := make([]byte, clen)
	if _, err := r.ReadAt(ztoc, hs); err != nil {
		return nil, fmt.Errorf("%w: TOC: %w", ErrFormat, err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(ztoc))
	if err != nil {
		return nil, fmt.Errorf("%w: TOC: %w", ErrFormat, err)
	}
	toc, err := io.ReadAll(io.LimitReader(zr, MaxTOC+1))
	if err != nil || uint64(len(toc)) != ulen {
		return nil, fmt.Errorf("%w: TOC is %d bytes, header says %d (%v)", ErrFormat, len(toc), ulen, err)
	}
	var doc tocDoc
	if err := xml.Unmarshal(toc, &doc); err != nil {
		return nil, fmt.Errorf("%w: TOC XML: %w", ErrFormat, err)
	}
	a := &Archive{TOC: toc, r: r, size: size, heap: hs + int64(clen)}
	c := doc.TOC.Checksum
	sum := hashFor(c.Style)
	if sum == nil || c.Offset < 0 || c.Size != int64(sum.Size()) {
		return nil, fmt.Errorf("%w: TOC checksum %q at %d+%d", ErrFormat, c.Style, c.Offset, c.Size)
	}
	stored, err := a.heapBytes(c.Offset, c.Size)
	if err != nil {
		return nil, err
	}
	sum.Write(ztoc)
	if !bytes.Equal(sum.Sum(nil), stored) {
		return nil, fmt.Errorf("%w: TOC checksum mismatch", ErrFormat)
	}
	var walk func(prefix string, files []*tocFile) error
	walk = func(prefix string, files []*tocFile) error {
		for _, f := range files {
			if f.Name == "" || strings.ContainsAny(f.Name, "/\x00") || f.Name == "." || f.Name == ".." {
				return fmt.Errorf("%w: file name %q", ErrFormat, f.Name)
			}
			a.Files = append(a.Files, File{ID: f.ID, Path: prefix + f.Name, Type: f.Type, Mode: f.Mode, Data: f.Data})
			if err := walk(prefix+f.Name+"/", f.Files); err != nil {
				return err
			}
		}
		return nil
	}
	return a, walk("", doc.TOC.Files)
}

func (a *Archive) heapBytes(off, n int64) ([]byte, error) {
	if off < 0 || n < 0 || a.heap+off+n > a.size || n > a.size {
		return nil, fmt.Errorf("%w: %d bytes at heap offset %d past the end", ErrFormat, n, off)
	}
	b := make([]byte, n)
	if _, err := a.r.ReadAt(b, a.heap+off); err != nil {
		return nil, fmt.Errorf("%w: heap: %w", ErrFormat, err)
	}
	return b, nil
}

// Lookup returns the member at path.
func (a *Archive) Lookup(path string) (*File, bool) {
	for i := range a.Files {
		if a.Files[i].Path == path {
			return &a.Files[i], true
		}
	}
	return nil, false
}

// ReadFile returns the extracted content of the member at path after
// checking its archived and extracted checksums; limit bounds its size.
func (a *Archive) ReadFile(path string, limit int64) ([]byte, error) {
	f, ok := a.Lookup(path)
	if !ok || f.Data == nil {
		return nil, fmt.Errorf("%w: no file %q", ErrFormat, path)
	}
	d := f.Data
	if d.Length > limit || d.Size > limit {
		return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrFormat, path, limit)
	}
	archived, err := a.heapBytes(d.Offset, d.Length)
	if err != nil {
		return nil, err
	}
	if err := verify(path, "archived", d.Archived, archived); err != nil {
		return nil, err
	}
	out := archived
	switch d.Encoding.Style {
	case encStored:
	case encZlib:
		zr, err := zlib.NewReader(bytes.NewReader(archived))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFormat, path, err)
		}
		if out, err = io.ReadAll(io.LimitReader(zr, limit+1)); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrFormat, path, err)
		}
	default:
		return nil, fmt.Errorf("%w: %s: encoding %q", ErrFormat, path, d.Encoding.Style)
	}
	if int64(len(out)) != d.Size {
		return nil, fmt.Errorf("%w: %s extracts to %d bytes, TOC says %d", ErrFormat, path, len(out), d.Size)
	}
	return out, verify(path, "extracted", d.Extracted, out)
}

func verify(path, which string, c checksum, b []byte) error {
	h := hashFor(c.Style)
	if h == nil {
		return fmt.Errorf("%w: %s: %s checksum style %q", ErrFormat, path, which, c.Style)
	}
	h.Write(b)
	if hex.EncodeToString(h.Sum(nil)) != strings.ToLower(strings.TrimSpace(c.Value)) {
		return fmt.Errorf("%w: %s: %s checksum mismatch", ErrFormat, path, which)
	}
	return nil
}
