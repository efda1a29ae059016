package files

import (
	"path"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValidate(t *testing.T) {
	long := strings.Repeat("a", 255)
	tests := []struct {
		in      string
		windows bool
		want    string // "" means refused
	}{
		{"", false, "."},
		{".", false, "."},
		{"./", false, "."},
		{"a", false, "a"},
		{"a/b/c.txt", false, "a/b/c.txt"},
		{"a//b/./c/", false, "a/b/c"},
		{long, false, long},
		{"résumé €.txt", false, "résumé €.txt"},
		{"C:/x", false, "C:/x"}, // an ordinary name outside Windows
		{"con", false, "con"},

		{"..", false, ""},
		{"../x", false, ""},
		{"a/../b", false, ""},
		{"a/../../b", false, ""},
		{"a/..", false, ""},
		{"/etc/passwd", false, ""},
		{"//server/share", false, ""},
		{"a\x00b", false, ""},
		{"a\nb", false, ""},
		{"a\x7fb", false, ""},
		{`a\b`, false, ""},
		{`..\..\x`, false, ""},
		{"\xff\xfe", false, ""},
		{long + "a", false, ""},
		{strings.Repeat("a/", 2049), false, ""},

		{"docs/report.txt", true, "docs/report.txt"},
		{"console.log", true, "console.log"},
		{"COM10", true, "COM10"},
		{"C:/Windows/x", true, ""},
		{"C:x", true, ""},
		{"file.txt:stream", true, ""},
		{"file.txt::$DATA", true, ""},
		{"CON", true, ""},
		{"con", true, ""},
		{"nul.txt", true, ""},
		{"dir/Com1 .log", true, ""},
		{"LPT9.tar.gz", true, ""},
		{"COM¹", true, ""},
		{"conin$", true, ""},
		{"CONOUT$.txt", true, ""},
		{"trailing.", true, ""},
		{"trailing ", true, ""},
		{"dir./x", true, ""},
		{"a|b", true, ""},
		{"a?b", true, ""},
		{"a*b", true, ""},
		{`a"b`, true, ""},
		{"a<b>", true, ""},
		{`\\server\share`, true, ""},
	}
	for _, tt := range tests {
		got, err := validate(tt.in, tt.windows)
		if tt.want == "" {
			if err == nil {
				t.Errorf("validate(%q, windows=%v) = %q, want refusal", tt.in, tt.windows, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("validate(%q, windows=%v) = %q, %v; want %q", tt.in, tt.windows, got, err, tt.want)
		}
	}
}

// FuzzPath checks what validate promises for any input: a path it accepts
// is clean, relative, free of "..", control characters and backslashes,
// within the length limits, valid UTF-8, and accepted again unchanged.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"", ".", "a/b", "../x", "a/../../b", "/abs", "a\x00b", `a\b`, "C:x",
		"nul.txt", "a:b", "x.", "COM¹", "é/€", "a//b/./c/", strings.Repeat("a", 300)} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, p string, windows bool) {
		c, err := validate(p, windows)
		if err != nil {
			return
		}
		if c == "." {
			return
		}
		if path.Clean(c) != c || path.IsAbs(c) || !utf8.ValidString(c) || len(c) > maxPathLen {
			t.Fatalf("validate(%q) = %q: not clean and relative", p, c)
		}
		if strings.ContainsAny(c, "\\\x00") {
			t.Fatalf("validate(%q) = %q: backslash or NUL", p, c)
		}
		for _, r := range c {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("validate(%q) = %q: control character", p, c)
			}
		}
		for part := range strings.SplitSeq(c, "/") {
			if part == "" || part == "." || part == ".." || len(part) > maxNameLen {
				t.Fatalf("validate(%q) = %q: bad component %q", p, c, part)
			}
			if windows && (strings.ContainsAny(part, `<>:"|?*`) || isWindowsDevice(part) ||
				strings.HasSuffix(part, ".") || strings.HasSuffix(part, " ")) {
				t.Fatalf("validate(%q) = %q: component %q not valid on Windows", p, c, part)
			}
		}
		if again, err := validate(c, windows); err != nil || again != c {
			t.Fatalf("validate(%q) = %q, but validate(%q) = %q, %v", p, c, c, again, err)
		}
	})
}
