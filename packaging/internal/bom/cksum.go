package bom

import "encoding/binary"

// Cksum is the POSIX cksum(1) CRC of data: CRC-32 with polynomial
// 0x04C11DB7 processed most significant bit first (not the reflected
// CRC-32 of hash/crc32), over the data followed by its length in as few
// bytes as needed, least significant first, then complemented. BOM file
// entries carry it; macOS's `cksum` and GNU `cksum` print the same value.
func Cksum(data []byte) uint32 {
	c := cksumUpdate(0, data)
	for n := uint64(len(data)); n > 0; n >>= 8 {
		c = c<<8 ^ cksumTable[byte(c>>24)^byte(n)]
	}
	return ^c
}

// CksumWriter computes Cksum over everything written to it, for data
// that is streamed rather than held in memory.
type CksumWriter struct {
	c uint32
	n uint64
}

func (w *CksumWriter) Write(p []byte) (int, error) {
	w.c, w.n = cksumUpdate(w.c, p), w.n+uint64(len(p))
	return len(p), nil
}

// cksumUpdate adds p to the running CRC c eight bytes at a time
// ("slicing by 8"): agents are ~30 MB and the site may pack one per
// download, where byte-at-a-time cost a third of the time.
func cksumUpdate(c uint32, p []byte) uint32 {
	t := &cksumSlices
	for len(p) >= 8 {
		x := c ^ binary.BigEndian.Uint32(p)
		y := binary.BigEndian.Uint32(p[4:])
		c = t[7][x>>24] ^ t[6][x>>16&0xff] ^ t[5][x>>8&0xff] ^ t[4][x&0xff] ^
			t[3][y>>24] ^ t[2][y>>16&0xff] ^ t[1][y>>8&0xff] ^ t[0][y&0xff]
		p = p[8:]
	}
	for _, b := range p {
		c = c<<8 ^ t[0][byte(c>>24)^b]
	}
	return c
}

// Sum32 returns the cksum of the bytes written so far.
func (w *CksumWriter) Sum32() uint32 {
	c := w.c
	for n := w.n; n > 0; n >>= 8 {
		c = c<<8 ^ cksumTable[byte(c>>24)^byte(n)]
	}
	return ^c
}

// cksumSlices[0] is the classic table; cksumSlices[k][b] is the CRC of
// byte b followed by k zero bytes.
var cksumSlices = func() (t [8][256]uint32) {
	for i := range t[0] {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[0][i] = c
	}
	for k := 1; k < 8; k++ {
		for i := range t[k] {
			prev := t[k-1][i]
			t[k][i] = prev<<8 ^ t[0][prev>>24]
		}
	}
	return t
}()

var cksumTable = &cksumSlices[0]
