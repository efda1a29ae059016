package cfb

import "strings"

// Windows Installer stores the streams of its tables and of _Streams under
// compressed names: two characters of [0-9A-Za-z._] packed into one UTF-16
// unit in 0x3800–0x47FF, a single one in 0x4800–0x483F, and 0x4840 marking
// a table. DecodeMSIName turns such a name back into what msiinfo shows
// ("!" for the table marker).

const (
	msiPairBase   = 0x3800
	msiSingleBase = 0x4800
	msiTableMark  = 0x4840
)

const msiAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._"

// DecodeMSIName decodes an MSI stream name; other names pass unchanged.
func DecodeMSIName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == msiTableMark:
			b.WriteByte('!')
		case r >= msiSingleBase && r < msiTableMark:
			b.WriteByte(msiAlphabet[r-msiSingleBase])
		case r >= msiPairBase && r < msiSingleBase:
			v := r - msiPairBase
			b.WriteByte(msiAlphabet[v&0x3f])
			b.WriteByte(msiAlphabet[(v>>6)&0x3f])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// EncodeMSIName is the inverse of DecodeMSIName for a stream of _Streams
// (no table marker): how msibuild -a and Windows Installer name it.
func EncodeMSIName(name string) string {
	idx := func(c byte) int { return strings.IndexByte(msiAlphabet, c) }
	var out []rune
	for i := 0; i < len(name); i++ {
		c := idx(name[i])
		if c < 0 || name[i] >= 0x80 {
			out = append(out, rune(name[i]))
			continue
		}
		if i+1 < len(name) && name[i+1] < 0x80 {
			if n := idx(name[i+1]); n >= 0 {
				out = append(out, rune(msiPairBase+c+n<<6))
				i++
				continue
			}
		}
		out = append(out, rune(msiSingleBase+c))
	}
	return string(out)
}
