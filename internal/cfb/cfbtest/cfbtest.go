// Package cfbtest writes compound files for tests of package cfb and its
// users: small, version 3, every stream at the root, optionally with every
// stream's sectors in reverse order.
package cfbtest

import (
	"bytes"
	"encoding/binary"
	"unicode/utf16"
)

const (
	headerSize   = 512
	dirEntrySize = 128
	noStream     = 0xFFFFFFFF
	endOfChain   = 0xFFFFFFFE
	fatSect      = 0xFFFFFFFD
	freeSect     = 0xFFFFFFFF
	typeRoot     = 5
	typeStream   = 2
)

var signature = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// Stream is a stream for Build.
type Stream struct {
	Name string
	Data []byte
}

// Build writes a version 3 compound file holding streams at the root. With
// scatter, every stream's sectors (and mini sectors) are laid out in
// reverse order, so no two logical neighbours are adjacent in the file:
// the case a reader that assumes contiguous streams gets wrong.
func Build(streams []Stream, scatter bool) []byte {
	const ss, ms = 512, 64
	var sectors [][]byte
	var fat []uint32
	alloc := func(data []byte, unit int, table *[]uint32, store *[][]byte) uint32 {
		n := (len(data) + unit - 1) / unit
		base := len(*store)
		for range n {
			*store = append(*store, make([]byte, unit))
			*table = append(*table, freeSect)
		}
		at := func(k int) int {
			if scatter {
				return base + n - 1 - k
			}
			return base + k
		}
		for k := range n {
			copy((*store)[at(k)], data[k*unit:min(len(data), (k+1)*unit)])
			next := uint32(endOfChain)
			if k+1 < n {
				next = uint32(at(k + 1))
			}
			(*table)[at(k)] = next
		}
		if n == 0 {
			return endOfChain
		}
		return uint32(at(0))
	}
	var mini [][]byte
	var miniFAT []uint32
	starts := make([]uint32, len(streams))
	for i, s := range streams {
		if len(s.Data) < 4096 {
			starts[i] = alloc(s.Data, ms, &miniFAT, &mini)
		} else {
			starts[i] = alloc(s.Data, ss, &fat, &sectors)
		}
	}
	rootStart, miniFATStart, nMiniFAT := uint32(endOfChain), uint32(endOfChain), 0
	if len(mini) > 0 {
		rootStart = alloc(bytes.Join(mini, nil), ss, &fat, &sectors)
		mf := make([]byte, 0, len(miniFAT)*4)
		for _, v := range miniFAT {
			mf = binary.LittleEndian.AppendUint32(mf, v)
		}
		miniFATStart = alloc(mf, ss, &fat, &sectors)
		nMiniFAT = (len(mf) + ss - 1) / ss
	}
	dir := make([]byte, dirEntrySize*(len(streams)+1))
	entry := func(i int, name string, typ byte, right, child, start uint32, size int) {
		d := dir[i*dirEntrySize:]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			binary.LittleEndian.PutUint16(d[2*j:], c)
		}
		binary.LittleEndian.PutUint16(d[0x40:], uint16(2*len(u)+2))
		d[0x42], d[0x43] = typ, 1
		binary.LittleEndian.PutUint32(d[0x44:], noStream)
		binary.LittleEndian.PutUint32(d[0x48:], right)
		binary.LittleEndian.PutUint32(d[0x4C:], child)
		binary.LittleEndian.PutUint32(d[0x74:], start)
		binary.LittleEndian.PutUint64(d[0x78:], uint64(size))
	}
	entry(0, "Root Entry", typeRoot, noStream, 1, rootStart, len(mini)*ms)
	for i, s := range streams {
		right := uint32(i + 2)
		if i+1 == len(streams) {
			right = noStream
		}
		entry(i+1, s.Name, typeStream, right, noStream, starts[i], len(s.Data))
	}
	dirStart := alloc(dir, ss, &fat, &sectors)
	// The FAT covers itself: grow it until its own sectors fit.
	nFAT := 1
	for (len(sectors)+nFAT)*4 > nFAT*ss {
		nFAT++
	}
	fatStart := len(sectors)
	for range nFAT {
		sectors = append(sectors, make([]byte, ss))
		fat = append(fat, fatSect)
	}
	for len(fat) < nFAT*ss/4 {
		fat = append(fat, freeSect)
	}
	for i, v := range fat {
		binary.LittleEndian.PutUint32(sectors[fatStart+i/(ss/4)][4*(i%(ss/4)):], v)
	}
	h := make([]byte, headerSize)
	copy(h, signature)
	le := binary.LittleEndian
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], uint32(nFAT))
	le.PutUint32(h[0x30:], dirStart)
	le.PutUint32(h[0x38:], 4096)
	le.PutUint32(h[0x3C:], miniFATStart)
	le.PutUint32(h[0x40:], uint32(nMiniFAT))
	le.PutUint32(h[0x44:], endOfChain)
	for i := range 109 {
		v := uint32(freeSect)
		if i < nFAT {
			v = uint32(fatStart + i)
		}
		le.PutUint32(h[0x4C+4*i:], v)
	}
	return append(h, bytes.Join(sectors, nil)...)
}
