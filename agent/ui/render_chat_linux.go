package ui

import (
	"fmt"
	"image"
)

// promptPanel draws the front question: the security-code entry with OK,
// or a question with its two answers (the default one counting down).
func (r *renderer) promptPanel(x0, x1, top int) int {
	p := r.s.prompt
	fb, fn := r.face(regular, pxBody), r.face(bold, pxSmall)
	iw := x1 - x0 - 2*r.d(12)
	var notes, lines []string
	if p.kind == promptCode {
		if p.text != "" {
			notes = wrapText(fn, p.text, iw)
		}
		lines = wrapText(fb, T(r.s.lang, keyCodePrompt), iw)
	} else {
		lines = wrapText(fb, p.text, iw)
	}
	rowH := r.d(btnH)
	if p.kind == promptCode {
		rowH = r.d(entryH)
	}
	h := 2*r.d(12) + len(notes)*lineHeight(fn) + len(lines)*lineHeight(fb) + r.d(10) + rowH
	if len(notes) > 0 {
		h += r.d(4)
	}
	panel := image.Rect(x0, top, x1, top+h)
	r.p.roundRect(panel, float32(r.d(radius)), float32(max(1, r.d(1))), colAskBg, colAskBrd)
	x, y := x0+r.d(12), top+r.d(12)
	for _, l := range notes {
		r.p.text(fn, x, y+ascent(fn), l, colWarnText, panel)
		y += lineHeight(fn)
	}
	if len(notes) > 0 {
		y += r.d(4)
	}
	for _, l := range lines {
		r.p.text(fb, x, y+ascent(fb), l, colText, panel)
		y += lineHeight(fb)
	}
	y += r.d(10)
	allow, deny := p.buttonLabels(r.s.lang, r.v.now())
	right := x1 - r.d(12)
	if p.kind == promptCode {
		ok := image.Rect(right-r.d(sendW), y, right, y+rowH)
		r.textEntry(wCodeEntry, image.Rect(x, y, ok.Min.X-r.d(gap), y+rowH), &r.v.code, "", true)
		r.button(wAllow, ok, allow, len(r.v.code.text) > 0, stylePrimary)
		return panel.Max.Y
	}
	bw := func(s string) int { return max(r.d(88), textWidth(r.face(bold, pxBody), s)+r.d(24)) }
	a := image.Rect(right-bw(allow), y, right, y+rowH)
	d := image.Rect(a.Min.X-r.d(gap)-bw(deny), y, a.Min.X-r.d(gap), y+rowH)
	st := stylePrimary
	if p.kind == promptEnd {
		st = styleDanger
	}
	r.button(wDeny, d, deny, true, styleNormal)
	r.button(wAllow, a, allow, true, st)
	return panel.Max.Y
}

// chat draws the header with the unread mark, the history and the input
// row between top and bottom.
func (r *renderer) chat(x0, x1, top, bottom int) {
	s := r.s
	_, _, _, on := s.controls()
	fh := r.face(bold, pxHeader)
	title := T(s.lang, keyChat)
	r.p.text(fh, x0+r.d(2), top+ascent(fh), title, colText, r.p.img.Bounds())
	if n := r.v.unread(s); n > 0 {
		fb := r.face(bold, 11)
		label := T(s.lang, keyChatUnread, n)
		bx := x0 + r.d(2) + textWidth(fh, title) + r.d(8)
		badge := image.Rect(bx, top, bx+textWidth(fb, label)+r.d(14), top+r.d(17))
		r.p.roundRect(badge, float32(badge.Dy())/2, 0, colBadge, colBadge)
		r.p.text(fb, badge.Min.X+r.d(7), centerBaseline(fb, badge), label, colWhite, badge)
	}
	inputTop := bottom - r.d(entryH)
	logRect := image.Rect(x0, top+lineHeight(fh)+r.d(6), x1, inputTop-r.d(gap))
	r.history(logRect)
	send := image.Rect(x1-r.d(sendW), inputTop, x1, bottom)
	r.textEntry(wChatEntry, image.Rect(x0, inputTop, send.Min.X-r.d(gap), bottom), &r.v.chat,
		T(s.lang, keyChatPlaceholder), on)
	r.button(wSend, send, T(s.lang, keySend), on && len(r.v.chat.text) > 0, stylePrimary)
}

// bubble is one laid-out chat message.
type bubble struct {
	mine   bool
	header string
	lines  []string
	h      int
}

// history draws the messages bottom-aligned (newest last) in rect,
// scrolled up by view.chatScroll.
func (r *renderer) history(rect image.Rectangle) {
	s := r.s
	r.v.rects[wChatLog], r.v.enabled[wChatLog] = rect, true
	r.p.roundRect(rect, float32(r.d(radius)), float32(max(1, r.d(1))), colCard, colCardBorder)
	inner := rect.Inset(r.d(1))
	fb, fn := r.face(regular, pxBody), r.face(bold, 11)
	if len(s.chat) == 0 {
		ls := wrapText(r.face(regular, pxSmall), T(s.lang, keyChatEmpty), inner.Dx()-r.d(32))
		f := r.face(regular, pxSmall)
		y := inner.Min.Y + (inner.Dy()-len(ls)*lineHeight(f))/2
		for _, l := range ls {
			r.p.text(f, inner.Min.X+(inner.Dx()-textWidth(f, l))/2, y+ascent(f), l, colTextOff, inner)
			y += lineHeight(f)
		}
		r.v.chatMax, r.v.chatScroll = 0, 0
		return
	}
	maxW := inner.Dx()*4/5 - 2*r.d(10)
	bs := make([]bubble, len(s.chat))
	total := r.d(8)
	for i, c := range s.chat {
		b := &bs[i]
		b.mine = !c.FromTechnician
		b.header = fmt.Sprintf("%s · %s", s.chatName(c), c.At.Local().Format("15:04"))
		b.lines = wrapText(fb, c.Text, maxW)
		b.h = lineHeight(fn) + r.d(2) + len(b.lines)*lineHeight(fb) + 2*r.d(6)
		total += b.h + r.d(8)
	}
	r.v.chatMax = max(0, total-inner.Dy())
	r.v.chatScroll = min(r.v.chatScroll, r.v.chatMax)
	y := inner.Min.Y + r.d(8)
	if total > inner.Dy() {
		y -= r.v.chatMax - r.v.chatScroll
	}
	saved := r.p.clip
	r.p.setClip(inner)
	defer r.p.setClip(saved)
	for _, b := range bs {
		if y > inner.Max.Y || y+b.h < inner.Min.Y {
			y += b.h + r.d(8)
			continue
		}
		w := 0
		for _, l := range b.lines {
			w = max(w, textWidth(fb, l))
		}
		w = max(w+2*r.d(10), textWidth(fn, b.header)+r.d(4))
		x := inner.Min.X + r.d(8)
		col := colBubbleTech
		if b.mine {
			x, col = inner.Max.X-r.d(8)-w, colBubbleMe
		}
		hx := x + r.d(2)
		if b.mine {
			hx = x + w - textWidth(fn, b.header) - r.d(2)
		}
		r.p.text(fn, hx, y+ascent(fn), b.header, colTextDim, inner)
		by := y + lineHeight(fn) + r.d(2)
		box := image.Rect(x, by, x+w, y+b.h)
		r.p.roundRect(box, float32(r.d(10)), 0, col, col)
		ty := by + r.d(6)
		for _, l := range b.lines {
			r.p.text(fb, x+r.d(10), ty+ascent(fb), l, colText, box)
			ty += lineHeight(fb)
		}
		y += b.h + r.d(8)
	}
	// A thin scroll bar when the history is longer than the box.
	if r.v.chatMax > 0 {
		th := max(r.d(20), inner.Dy()*inner.Dy()/total)
		ty := inner.Min.Y + (inner.Dy()-th)*(r.v.chatMax-r.v.chatScroll)/r.v.chatMax
		bar := image.Rect(inner.Max.X-r.d(5), ty, inner.Max.X-r.d(2), ty+th)
		r.p.roundRect(bar, float32(bar.Dx())/2, 0, colBtnBorder, colBtnBorder)
	}
}
