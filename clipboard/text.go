package clipboard

import "strings"

// Line breaks: the clipboard stream carries text with "\n" line breaks,
// as X11 and macOS programs use. Windows programs put and expect "\r\n"
// (Notepad's edit control shows a lone "\n" as nothing), so the Windows
// clipboard converts on the way in and out.

// toCRLF makes every line break "\r\n" (existing "\r\n" stays one break).
func toCRLF(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}

// fromCRLF makes every "\r\n" a "\n"; a lone "\r" stays.
func fromCRLF(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
