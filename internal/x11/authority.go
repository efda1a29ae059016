package x11

import "encoding/binary"

// Entry is one record of an Xauthority file.
type Entry struct {
	Family  uint16
	Address string
	Number  string // display number as text; "" matches any
	Name    string // "MIT-MAGIC-COOKIE-1"
	Data    []byte
}

const (
	familyLocal = 256
	familyWild  = 65535
)

// ParseAuthority reads Xauthority records (each: family u16, then address,
// number, name and data as u16-length-prefixed strings, big-endian); it
// stops at the first malformed one.
func ParseAuthority(b []byte) []Entry {
	var out []Entry
	for len(b) >= 2 {
		var e Entry
		e.Family = binary.BigEndian.Uint16(b)
		b = b[2:]
		var fields [4][]byte
		for i := range fields {
			if len(b) < 2 {
				return out
			}
			n := int(binary.BigEndian.Uint16(b))
			if len(b) < 2+n {
				return out
			}
			fields[i], b = b[2:2+n], b[2+n:]
		}
		e.Address, e.Number, e.Name, e.Data = string(fields[0]), string(fields[1]), string(fields[2]), fields[3]
		out = append(out, e)
	}
	return out
}

// AppendEntry encodes e (for tests and tools that write authority files).
func AppendEntry(b []byte, e Entry) []byte {
	b = binary.BigEndian.AppendUint16(b, e.Family)
	for _, f := range [][]byte{[]byte(e.Address), []byte(e.Number), []byte(e.Name), e.Data} {
		b = binary.BigEndian.AppendUint16(b, uint16(len(f)))
		b = append(b, f...)
	}
	return b
}
