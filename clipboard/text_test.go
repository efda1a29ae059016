package clipboard

import "testing"

func TestLineBreaks(t *testing.T) {
	for _, tc := range []struct{ in, crlf, back string }{
		{"", "", ""},
		{"one line", "one line", "one line"},
		{"a\nb\n", "a\r\nb\r\n", "a\nb\n"},
		{"a\r\nb", "a\r\nb", "a\nb"},
		{"mixed\nand\r\nboth", "mixed\r\nand\r\nboth", "mixed\nand\nboth"},
		{"lone\rcr", "lone\rcr", "lone\rcr"},
		{"\n\n", "\r\n\r\n", "\n\n"},
		{"emoji 😀\n", "emoji 😀\r\n", "emoji 😀\n"},
	} {
		if got := toCRLF(tc.in); got != tc.crlf {
			t.Errorf("toCRLF(%q) = %q, want %q", tc.in, got, tc.crlf)
		}
		if got := fromCRLF(toCRLF(tc.in)); got != tc.back {
			t.Errorf("fromCRLF(toCRLF(%q)) = %q, want %q", tc.in, got, tc.back)
		}
	}
}
