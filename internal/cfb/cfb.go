// Package cfb reads Compound File Binary files ([MS-CFB], "OLE structured
// storage"), the container of Windows Installer databases (.msi), far
// enough to find a stream and where its bytes lie in the file.
//
// Why offsets and not just contents: an MSI's Authenticode signature is
// the stream "\x05DigitalSignature". The site writes each installer's
// config into the unauthenticated blob inside that signature, in place,
// so the signature stays valid (embedcfg). A stream under the mini-stream
// cutoff (4096 bytes, which a signature with a self-signed certificate
// is) lives in 64-byte mini sectors that need not be adjacent, and a
// larger one in sectors that need not be either; so writing "the blob"
// means writing through the stream's map of file extents (Extents).
//
// Only reading is implemented: stamping never changes a stream's size or
// the file's structure.
package cfb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"
)

// Sector chain markers ([MS-CFB] 2.1).
const (
	maxRegSect = 0xFFFFFFFA
	difSect    = 0xFFFFFFFC
	fatSect    = 0xFFFFFFFD
	endOfChain = 0xFFFFFFFE
	freeSect   = 0xFFFFFFFF
	noStream   = 0xFFFFFFFF
)

// Object types of directory entries.
const (
	TypeStorage = 1
	TypeStream  = 2
	TypeRoot    = 5
)

const (
	headerSize   = 512
	dirEntrySize = 128
	// maxFileSize bounds what Open accepts; MSIs of Tether are tens of MB.
	maxFileSize = 4 << 30
)

var signature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// ErrFormat means the data is not a well-formed compound file.
var ErrFormat = errors.New("not a valid compound file")

// ErrNotFound means no stream of that name exists.
var ErrNotFound = errors.New("stream not found")

func bad(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, a...))
}

// Entry is a directory entry: a storage, a stream or the root.
type Entry struct {
	Name  string // decoded from UTF-16
	Type  byte
	Left  uint32
	Right uint32
	Child uint32
	Start uint32 // first sector (or mini sector) of a stream
	Size  uint64
}

// Extent is a run of bytes of a stream in the file.
type Extent struct {
	Offset int64 // in the file
	Len    int64
}

// File is an opened compound file.
type File struct {
	r          io.ReaderAt
	size       int64
	sectorSize int64
	miniSize   int64
	cutoff     uint64
	fat        []uint32
	miniFAT    []uint32
	dir        []Entry
	mini       []Extent // the mini stream's extents (root entry's chain)
}

// Open reads the header, the FAT, the mini FAT and the directory of the
// compound file in r (size bytes).
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < headerSize || size > maxFileSize {
		return nil, bad("size %d", size)
	}
	var h [headerSize]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("read compound file header: %w", err)
	}
	if !bytes.Equal(h[:8], signature) {
		return nil, bad("no signature")
	}
	le := binary.LittleEndian
	major, order := le.Uint16(h[0x1A:]), le.Uint16(h[0x1C:])
	shift, miniShift := le.Uint16(h[0x1E:]), le.Uint16(h[0x20:])
	if order != 0xFFFE || !(major == 3 && shift == 9 || major == 4 && shift == 12) || miniShift != 6 {
		return nil, bad("version %d, sector shift %d, mini shift %d", major, shift, miniShift)
	}
	f := &File{r: r, size: size, sectorSize: 1 << shift, miniSize: 1 << miniShift, cutoff: uint64(le.Uint32(h[0x38:]))}
	if f.cutoff != 4096 {
		return nil, bad("mini stream cutoff %d", f.cutoff)
	}
	nFAT := le.Uint32(h[0x2C:])
	firstDir := le.Uint32(h[0x30:])
	firstMiniFAT, nMiniFAT := le.Uint32(h[0x3C:]), le.Uint32(h[0x40:])
	firstDIFAT, nDIFAT := le.Uint32(h[0x44:]), le.Uint32(h[0x48:])
	if int64(nFAT) > f.sectors() || int64(nMiniFAT) > f.sectors() || int64(nDIFAT) > f.sectors() {
		return nil, bad("%d FAT, %d mini FAT, %d DIFAT sectors in a file of %d", nFAT, nMiniFAT, nDIFAT, f.sectors())
	}
	fatSectors, err := f.fatSectorList(h[0x4C:headerSize], nFAT, firstDIFAT, nDIFAT)
	if err != nil {
		return nil, err
	}
	if err := f.readFAT(fatSectors); err != nil {
		return nil, err
	}
	if f.dir, err = f.readDir(firstDir); err != nil {
		return nil, err
	}
	if nMiniFAT > 0 {
		ext, err := f.chain(firstMiniFAT, f.fat, f.sectorSize, uint64(nMiniFAT)*uint64(f.sectorSize))
		if err != nil {
			return nil, fmt.Errorf("mini FAT: %w", err)
		}
		b, err := f.read(ext)
		if err != nil {
			return nil, err
		}
		f.miniFAT = u32s(b)
	}
	root := &f.dir[0]
	if root.Type != TypeRoot {
		return nil, bad("first directory entry is not the root")
	}
	if root.Size > 0 {
		if f.mini, err = f.chain(root.Start, f.fat, f.sectorSize, root.Size); err != nil {
			return nil, fmt.Errorf("mini stream: %w", err)
		}
	}
	return f, nil
}

// sectors is how many whole sectors follow the header.
func (f *File) sectors() int64 { return f.size/f.sectorSize - 1 }

// offset is where sector n starts in the file.
func (f *File) offset(n uint32) (int64, error) {
	if n > maxRegSect || int64(n) >= f.sectors() {
		return 0, bad("sector %#x outside the file", n)
	}
	return (int64(n) + 1) * f.sectorSize, nil
}

// fatSectorList collects the FAT's sectors from the header's 109 DIFAT
// entries and the DIFAT chain.
func (f *File) fatSectorList(head []byte, nFAT, next, nDIFAT uint32) ([]uint32, error) {
	var list []uint32
	for _, s := range u32s(head) {
		if uint32(len(list)) == nFAT {
			break
		}
		list = append(list, s)
	}
	per := int(f.sectorSize/4) - 1
	for i := uint32(0); uint32(len(list)) < nFAT; i++ {
		if i >= nDIFAT || next > maxRegSect {
			return nil, bad("DIFAT lists %d of %d FAT sectors", len(list), nFAT)
		}
		off, err := f.offset(next)
		if err != nil {
			return nil, err
		}
		b := make([]byte, f.sectorSize)
		if _, err := f.r.ReadAt(b, off); err != nil {
			return nil, fmt.Errorf("read DIFAT: %w", err)
		}
		v := u32s(b)
		for _, s := range v[:per] {
			if uint32(len(list)) == nFAT {
				break
			}
			list = append(list, s)
		}
		next = v[per]
	}
	return list, nil
}

func (f *File) readFAT(sectors []uint32) error {
	f.fat = make([]uint32, 0, len(sectors)*int(f.sectorSize/4))
	b := make([]byte, f.sectorSize)
	for _, s := range sectors {
		off, err := f.offset(s)
		if err != nil {
			return fmt.Errorf("FAT: %w", err)
		}
		if _, err := f.r.ReadAt(b, off); err != nil {
			return fmt.Errorf("read FAT: %w", err)
		}
		f.fat = append(f.fat, u32s(b)...)
	}
	return nil
}

// chain maps a sector chain starting at start, in table (the FAT or the
// mini FAT) with sectors of unit bytes, to the file extents of its first
// size bytes. Mini sectors are placed through the mini stream's extents.
func (f *File) chain(start uint32, table []uint32, unit int64, size uint64) ([]Extent, error) {
	need := (size + uint64(unit) - 1) / uint64(unit)
	if need > uint64(len(table)) {
		return nil, bad("stream of %d bytes needs %d sectors, the table has %d", size, need, len(table))
	}
	var out []Extent
	left := int64(size)
	s := start
	seen := make([]bool, len(table))
	for i := uint64(0); i < need; i++ {
		if s > maxRegSect || int(s) >= len(table) {
			return nil, bad("chain ends after %d of %d sectors (at %#x)", i, need, s)
		}
		if seen[s] {
			return nil, bad("chain loops at sector %#x", s)
		}
		seen[s] = true
		var off int64
		var err error
		if unit == f.sectorSize {
			off, err = f.offset(s)
		} else {
			off, err = f.miniOffset(s)
		}
		if err != nil {
			return nil, err
		}
		n := min(unit, left)
		if k := len(out); k > 0 && out[k-1].Offset+out[k-1].Len == off {
			out[k-1].Len += n
		} else {
			out = append(out, Extent{Offset: off, Len: n})
		}
		left -= n
		s = table[s]
	}
	return out, nil
}

// miniOffset is where mini sector n lies in the file.
func (f *File) miniOffset(n uint32) (int64, error) {
	pos := int64(n) * f.miniSize
	for _, e := range f.mini {
		if pos < e.Len {
			if pos+f.miniSize > e.Len {
				return 0, bad("mini sector %d straddles sectors", n)
			}
			return e.Offset + pos, nil
		}
		pos -= e.Len
	}
	return 0, bad("mini sector %d outside the mini stream", n)
}

func (f *File) readDir(start uint32) ([]Entry, error) {
	// The directory chain's length is not in a v3 header: follow it to
	// its end, bounded by the FAT so a loop stops.
	var raw []byte
	b := make([]byte, f.sectorSize)
	s := start
	for i := 0; s != endOfChain; i++ {
		if i >= len(f.fat) || s > maxRegSect || int(s) >= len(f.fat) {
			return nil, bad("directory chain broken at sector %#x", s)
		}
		off, err := f.offset(s)
		if err != nil {
			return nil, err
		}
		if _, err := f.r.ReadAt(b, off); err != nil {
			return nil, fmt.Errorf("read directory: %w", err)
		}
		raw = append(raw, b...)
		s = f.fat[s]
	}
	if len(raw) == 0 {
		return nil, bad("empty directory")
	}
	dir := make([]Entry, len(raw)/dirEntrySize)
	le := binary.LittleEndian
	for i := range dir {
		d := raw[i*dirEntrySize : (i+1)*dirEntrySize]
		n := int(le.Uint16(d[0x40:]))
		if n > 64 || n%2 != 0 {
			n = 0
		}
		units := make([]uint16, 0, 32)
		for j := 0; j+1 < n; j += 2 {
			if u := le.Uint16(d[j:]); u != 0 {
				units = append(units, u)
			}
		}
		e := &dir[i]
		e.Name = string(utf16.Decode(units))
		e.Type = d[0x42]
		e.Left, e.Right, e.Child = le.Uint32(d[0x44:]), le.Uint32(d[0x48:]), le.Uint32(d[0x4C:])
		e.Start = le.Uint32(d[0x74:])
		e.Size = le.Uint64(d[0x78:])
		if f.sectorSize == 512 {
			// Version 3 files may leave garbage in the high half.
			e.Size &= 0xFFFFFFFF
		}
	}
	return dir, nil
}

// Children lists the entries directly inside the storage at index i (0 is
// the root), walking its red-black tree.
func (f *File) Children(i uint32) ([]*Entry, error) {
	if int(i) >= len(f.dir) {
		return nil, bad("no directory entry %d", i)
	}
	var out []*Entry
	seen := make(map[uint32]bool)
	var walk func(n uint32) error
	walk = func(n uint32) error {
		if n == noStream {
			return nil
		}
		if int(n) >= len(f.dir) || seen[n] || n == 0 {
			return bad("directory tree broken at entry %d", n)
		}
		seen[n] = true
		e := &f.dir[n]
		if err := walk(e.Left); err != nil {
			return err
		}
		out = append(out, e)
		return walk(e.Right)
	}
	if err := walk(f.dir[i].Child); err != nil {
		return nil, err
	}
	return out, nil
}

// Stream finds a stream directly under the root by its exact name.
func (f *File) Stream(name string) (*Entry, error) {
	kids, err := f.Children(0)
	if err != nil {
		return nil, err
	}
	for _, e := range kids {
		if e.Type == TypeStream && e.Name == name {
			return e, nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
}

// Extents maps a stream to the file ranges holding its bytes, in order.
func (f *File) Extents(e *Entry) ([]Extent, error) {
	if e.Type != TypeStream {
		return nil, bad("%q is not a stream", e.Name)
	}
	if e.Size == 0 {
		return nil, nil
	}
	if int64(e.Size) > f.size || e.Size > maxFileSize {
		return nil, bad("stream %q of %d bytes in a file of %d", e.Name, e.Size, f.size)
	}
	if e.Size < f.cutoff {
		return f.chain(e.Start, f.miniFAT, f.miniSize, e.Size)
	}
	return f.chain(e.Start, f.fat, f.sectorSize, e.Size)
}

// ReadStream returns a stream's contents.
func (f *File) ReadStream(e *Entry) ([]byte, error) {
	ext, err := f.Extents(e)
	if err != nil {
		return nil, err
	}
	return f.read(ext)
}

func (f *File) read(ext []Extent) ([]byte, error) {
	var n int64
	for _, e := range ext {
		n += e.Len
	}
	out := make([]byte, n)
	pos := int64(0)
	for _, e := range ext {
		if _, err := f.r.ReadAt(out[pos:pos+e.Len], e.Offset); err != nil {
			return nil, fmt.Errorf("read stream: %w", err)
		}
		pos += e.Len
	}
	return out, nil
}

// Map returns the file extents of the stream bytes [off, off+n), given
// the stream's extents.
func Map(ext []Extent, off, n int64) ([]Extent, error) {
	if off < 0 || n < 0 {
		return nil, fmt.Errorf("cfb: negative range %d+%d", off, n)
	}
	var out []Extent
	for _, e := range ext {
		if n == 0 {
			break
		}
		if off >= e.Len {
			off -= e.Len
			continue
		}
		take := min(e.Len-off, n)
		out = append(out, Extent{Offset: e.Offset + off, Len: take})
		n -= take
		off = 0
	}
	if n > 0 {
		return nil, fmt.Errorf("cfb: range ends %d bytes past the stream", n)
	}
	return out, nil
}

func u32s(b []byte) []uint32 {
	out := make([]uint32, len(b)/4)
	for i := range out {
		out[i] = binary.LittleEndian.Uint32(b[i*4:])
	}
	return out
}
