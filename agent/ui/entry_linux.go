package ui

import (
	"strings"
	"unicode"
)

// entry is a single-line text field: the runes, the caret, and how far
// (device px) the text is scrolled to keep the caret visible.
type entry struct {
	text []rune
	cur  int
	off  int
}

// maxEntryRunes bounds a field (the site takes 4000 characters of chat).
const maxEntryRunes = 4000

func (e *entry) String() string { return string(e.text) }

// insert types s at the caret; line breaks and other control characters
// of pasted text become spaces, since the field has one line.
func (e *entry) insert(s string) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	rs := []rune(s)
	if n := maxEntryRunes - len(e.text); len(rs) > n {
		rs = rs[:max(0, n)]
	}
	e.text = append(e.text[:e.cur], append(rs, e.text[e.cur:]...)...)
	e.cur += len(rs)
}

func (e *entry) backspace() {
	if e.cur > 0 {
		e.text = append(e.text[:e.cur-1], e.text[e.cur:]...)
		e.cur--
	}
}

func (e *entry) del() {
	if e.cur < len(e.text) {
		e.text = append(e.text[:e.cur], e.text[e.cur+1:]...)
	}
}

func (e *entry) left()  { e.cur = max(0, e.cur-1) }
func (e *entry) right() { e.cur = min(len(e.text), e.cur+1) }
func (e *entry) home()  { e.cur = 0 }
func (e *entry) end()   { e.cur = len(e.text) }

func (e *entry) clear() { *e = entry{} }
