package bom

// Cksum is the POSIX cksum(1) CRC of data: CRC-32 with polynomial
// 0x04C11DB7 processed most significant bit first (not the reflected
// CRC-32 of hash/crc32), over the data followed by its length in as few
// bytes as needed, least significant first, then complemented. BOM file
// entries carry it; macOS's `cksum` and GNU `cksum` print the same value.
func Cksum(data []byte) uint32 {
	var c uint32
	for _, b := range data {
		c = c<<8 ^ cksumTable[byte(c>>24)^b]
	}
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
	c := w.c
	for _, b := range p {
		c = c<<8 ^ cksumTable[byte(c>>24)^b]
	}
	w.c, w.n = c, w.n+uint64(len(p))
	return len(p), nil
}

// Sum32 returns the cksum of the bytes written so far.
func (w *CksumWriter) Sum32() uint32 {
	c := w.c
	for n := w.n; n > 0; n >>= 8 {
		c = c<<8 ^ cksumTable[byte(c>>24)^byte(n)]
	}
	return ^c
}

var cksumTable = func() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for range 8 {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04c11db7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()
