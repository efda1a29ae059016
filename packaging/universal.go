package packaging

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// A universal ("fat") Mach-O is a big-endian header listing the thin
// binaries it contains, then each thin binary verbatim at an aligned
// offset. The thin binaries keep their own code signatures (the Go linker
// ad-hoc signs darwin/arm64), so the fat file needs no signing of its own.
// This is the layout of github.com/randall77/makefat (a command, not a
// library), with lipo's per-architecture alignment.

const (
	fatMagic   = 0xcafebabe
	machoMag64 = 0xfeedfacf // thin 64-bit Mach-O, stored little-endian

	cpuTypeX86_64 = 0x01000007
	cpuTypeARM64  = 0x0100000c

	fatHeaderLen = 8
	fatArchLen   = 20
)

// ErrUniversal is returned for inputs BuildUniversal cannot combine.
var ErrUniversal = errors.New("invalid universal binary input")

// UniversalSlice is one thin 64-bit Mach-O (a darwin/amd64 or darwin/arm64
// build) for BuildUniversal. R is read exactly once, front to back.
type UniversalSlice struct {
	R    io.Reader
	Size int64
}

// BuildUniversal writes a universal binary holding slices, in the order
// given (lipo puts x86_64 first). Every slice must be a thin 64-bit Mach-O
// of a different CPU type. The output streams: only each slice's 12-byte
// header is read ahead.
func BuildUniversal(w io.Writer, slices ...UniversalSlice) error {
	if len(slices) == 0 {
		return fmt.Errorf("%w: no slices", ErrUniversal)
	}
	type arch struct {
		head                [12]byte
		cpu, sub            uint32
		offset, size, align uint64
		alignBits           uint32
	}
	archs := make([]arch, len(slices))
	seen := map[uint32]bool{}
	offset := uint64(fatHeaderLen + fatArchLen*len(slices))
	for i, s := range slices {
		a := &archs[i]
		if s.Size < int64(len(a.head)) {
			return fmt.Errorf("%w: slice %d is only %d bytes", ErrUniversal, i, s.Size)
		}
		if _, err := io.ReadFull(s.R, a.head[:]); err != nil {
			return fmt.Errorf("read slice %d header: %w", i, err)
		}
		var err error
		if a.cpu, a.sub, err = thinMachO(a.head[:]); err != nil {
			return fmt.Errorf("slice %d: %w", i, err)
		}
		if seen[a.cpu] {
			return fmt.Errorf("%w: two slices for CPU type %#x", ErrUniversal, a.cpu)
		}
		seen[a.cpu] = true
		a.alignBits = sliceAlignBits(a.cpu)
		a.align = 1 << a.alignBits
		a.offset = (offset + a.align - 1) &^ (a.align - 1)
		a.size = uint64(s.Size)
		offset = a.offset + a.size
	}
	// A fat32 header holds 32-bit offsets and sizes; Apple's tools do not
	// run fat64 files reliably, and agents are nowhere near 4 GiB.
	if offset > math.MaxUint32 {
		return fmt.Errorf("%w: %d bytes do not fit a 32-bit fat header", ErrUniversal, offset)
	}

	bw := bufio.NewWriterSize(w, 256<<10)
	hdr := binary.BigEndian.AppendUint32(nil, fatMagic)
	hdr = binary.BigEndian.AppendUint32(hdr, uint32(len(archs)))
	for _, a := range archs {
		for _, v := range []uint32{a.cpu, a.sub, uint32(a.offset), uint32(a.size), a.alignBits} {
			hdr = binary.BigEndian.AppendUint32(hdr, v)
		}
	}
	if _, err := bw.Write(hdr); err != nil {
		return fmt.Errorf("write universal header: %w", err)
	}
	pos := uint64(len(hdr))
	for i, a := range archs {
		if err := writeZeros(bw, int64(a.offset-pos)); err != nil {
			return fmt.Errorf("write universal padding: %w", err)
		}
		if _, err := bw.Write(a.head[:]); err != nil {
			return fmt.Errorf("write slice %d: %w", i, err)
		}
		rest := int64(a.size) - int64(len(a.head))
		if n, err := io.CopyN(bw, slices[i].R, rest); err != nil {
			return fmt.Errorf("copy slice %d (%d of %d bytes): %w", i, n+int64(len(a.head)), a.size, err)
		}
		pos = a.offset + a.size
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write universal binary: %w", err)
	}
	return nil
}

// thinMachO returns the CPU type and subtype of a thin 64-bit Mach-O
// header (macOS only runs little-endian ones).
func thinMachO(head []byte) (cpu, sub uint32, err error) {
	if len(head) < 12 {
		return 0, 0, fmt.Errorf("%w: short Mach-O header", ErrUniversal)
	}
	switch magic := binary.LittleEndian.Uint32(head); magic {
	case machoMag64:
	case fatMagic, 0xbebafeca:
		return 0, 0, fmt.Errorf("%w: already a universal binary", ErrUniversal)
	default:
		return 0, 0, fmt.Errorf("%w: not a 64-bit Mach-O (magic %#08x)", ErrUniversal, magic)
	}
	return binary.LittleEndian.Uint32(head[4:]), binary.LittleEndian.Uint32(head[8:]), nil
}

// sliceAlignBits is the alignment lipo uses: the page size of the CPU
// (16 KiB on arm64, 4 KiB on x86_64), so the kernel can map each slice.
func sliceAlignBits(cpu uint32) uint32 {
	if cpu == cpuTypeARM64 {
		return 14
	}
	return 12
}

func writeZeros(w io.Writer, n int64) error {
	if n <= 0 {
		return nil
	}
	_, err := io.CopyN(w, zeroReader{}, n)
	return err
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
