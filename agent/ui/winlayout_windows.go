package ui

import (
	"unsafe"

	"golang.org/x/sys/windows"
)

// layout places the controls in the same arrangement as the X11 window:
// state card, the three buttons, the question panel when there is one,
// then the chat. Sizes come from the system font at the window's DPI.
func (w *winWindow) layout(s *snapshot) {
	sc := w.scale
	margin := sc(pad)
	x0, x1 := margin, sc(winW)-margin
	bodyH := w.textHeight(ctlPause, "Ag", 0)
	btnH := max(sc(28), bodyH+sc(12))
	editH := max(sc(26), bodyH+sc(10))

	// The state card; the dot and the tinted card are painted in paint.
	top := margin
	tx := x0 + sc(36)
	tw := x1 - sc(12) - tx
	y := top + sc(12)
	hs := w.textHeight(ctlState, w.texts[ctlState], tw)
	w.move(ctlState, tx, y, tw, hs)
	lineH := w.textHeight(ctlState, "Ag", 0)
	w.dot = rect{x0 + sc(15), y + lineH/2 - sc(6), x0 + sc(27), y + lineH/2 + sc(6)}
	y += hs + sc(3)
	hd := w.textHeight(ctlDetail, w.texts[ctlDetail], tw)
	w.move(ctlDetail, tx, y, tw, hd)
	y += hd + sc(12)
	w.cardRect = rect{x0, top, x1, y}

	// The buttons share the row in proportion to their labels.
	y += sc(10)
	l := s.lang
	need := []int32{
		max(w.textWidth(ctlPause, T(l, keyPause)), w.textWidth(ctlPause, T(l, keyResume))),
		w.textWidth(ctlStop, w.texts[ctlStop]), w.textWidth(ctlEnd, w.texts[ctlEnd])}
	var sum int32
	for i := range need {
		need[i] += sc(24) // margins, and room for the embossed disabled look
		sum += need[i]
	}
	free := x1 - x0 - 2*sc(gap)
	x := x0
	for i, id := range []ctlID{ctlPause, ctlStop, ctlEnd} {
		bw := need[i] * free / sum
		if i == 2 {
			bw = x1 - x
		}
		w.move(id, x, y, bw, btnH)
		x += bw + sc(gap)
	}
	y += btnH

	w.promptRect = rect{}
	p := s.prompt
	for _, id := range []ctlID{ctlNote, ctlPrompt, ctlCode, ctlAllow, ctlDeny} {
		on := p != nil
		switch id {
		case ctlNote:
			on = on && p.kind == promptCode && p.text != ""
		case ctlCode:
			on = on && p.kind == promptCode
		case ctlDeny:
			on = on && p.kind != promptCode
		}
		w.show(id, on)
	}
	if p != nil {
		y += sc(12)
		ptop := y
		y += sc(12)
		iw := x1 - x0 - 2*sc(12)
		px := x0 + sc(12)
		if p.kind == promptCode && p.text != "" {
			h := w.textHeight(ctlNote, w.texts[ctlNote], iw)
			w.move(ctlNote, px, y, iw, h)
			y += h + sc(4)
		}
		h := w.textHeight(ctlPrompt, w.texts[ctlPrompt], iw)
		w.move(ctlPrompt, px, y, iw, h)
		y += h + sc(10)
		right := x1 - sc(12)
		if p.kind == promptCode {
			okW := sc(sendW)
			w.move(ctlAllow, right-okW, y, okW, btnH)
			w.move(ctlCode, px, y+(btnH-editH)/2, right-okW-sc(gap)-px, editH)
		} else {
			bw := func(id ctlID) int32 { return max(sc(88), w.textWidth(id, w.texts[id])+sc(24)) }
			aw, dw := bw(ctlAllow), bw(ctlDeny)
			w.move(ctlAllow, right-aw, y, aw, btnH)
			w.move(ctlDeny, right-aw-sc(gap)-dw, y, dw, btnH)
		}
		y += btnH + sc(12)
		w.promptRect = rect{x0, ptop, x1, y}
	}

	y += sc(12)
	lh := w.textHeight(ctlChatLabel, "Ag", 0)
	w.move(ctlChatLabel, x0+sc(2), y, x1-x0-sc(2), lh)
	y += lh + sc(6)
	bottom := sc(winH) - margin
	inputTop := bottom - btnH
	w.move(ctlChatLog, x0, y, x1-x0, inputTop-sc(gap)-y)
	send := sc(sendW)
	w.move(ctlSend, x1-send, inputTop, send, btnH)
	w.move(ctlChatInput, x0, inputTop+(btnH-editH)/2, x1-x0-send-sc(gap), editH)

	// Repaint everything when anything moved: the cards behind the
	// controls change, and controls moved without copying their old
	// pixels (copied pixels left ghosts of the buttons under Wine).
	if w.moved || w.paintedPhase != s.state.Phase {
		w.moved, w.paintedPhase = false, s.state.Phase
		call(procRedrawWindow, uintptr(w.hwnd), 0, 0, rdwInvalidate|rdwErase|rdwAllChildren)
	}
}

// move places a control, in client coordinates, when it is not there yet.
func (w *winWindow) move(id ctlID, x, y, width, height int32) {
	r := rect{x, y, x + max(0, width), y + max(0, height)}
	if w.rects[id] == r {
		return
	}
	w.rects[id], w.moved = r, true
	call(procSetWindowPos, uintptr(w.ctl[id]), 0, uintptr(x), uintptr(y), uintptr(r.Right-r.Left), uintptr(r.Bottom-r.Top),
		swpNoZOrder|swpNoActivate|swpNoCopyBits)
}

// textHeight measures text in control id's font, wrapped at width (0 =
// one line).
func (w *winWindow) textHeight(id ctlID, text string, width int32) int32 {
	_, h := w.measure(id, text, width)
	return h
}

func (w *winWindow) textWidth(id ctlID, text string) int32 {
	wd, _ := w.measure(id, text, 0)
	return wd
}

func (w *winWindow) measure(id ctlID, text string, width int32) (int32, int32) {
	if text == "" {
		text = " "
	}
	dc := call(procGetDC, uintptr(w.hwnd))
	defer call(procReleaseDC, uintptr(w.hwnd), dc)
	old := call(procSelectObject, dc, uintptr(w.fonts.forCtl(id)))
	defer call(procSelectObject, dc, old)
	r := rect{0, 0, width, 0}
	flags := uintptr(dtCalcRect | dtNoPrefix)
	if width > 0 {
		flags |= dtWordBreak
	}
	s, _ := windows.UTF16FromString(text)
	call(procDrawTextW, dc, uintptr(unsafe.Pointer(&s[0])), uintptr(len(s)-1), uintptr(unsafe.Pointer(&r)), flags)
	return r.Right - r.Left, r.Bottom - r.Top
}

// paint draws what is not a control: the tinted state card with its dot
// and the question panel.
func (w *winWindow) paint() {
	var ps paintStruct
	hdc := call(procBeginPaint, uintptr(w.hwnd), uintptr(unsafe.Pointer(&ps)))
	defer call(procEndPaint, uintptr(w.hwnd), uintptr(unsafe.Pointer(&ps)))
	rad := uintptr(w.scale(2 * radius))
	box := func(r rect, bg, border uint32) {
		pen := call(procCreatePen, 0, uintptr(max(1, w.scale(1))), colorRef(border))
		oldPen := call(procSelectObject, hdc, pen)
		oldBrush := call(procSelectObject, hdc, uintptr(w.brush(bg)))
		call(procRoundRect, hdc, uintptr(r.Left), uintptr(r.Top), uintptr(r.Right), uintptr(r.Bottom), rad, rad)
		call(procSelectObject, hdc, oldBrush)
		call(procSelectObject, hdc, oldPen)
		call(procDeleteObject, pen)
	}
	bg, border, dot := phaseColors(w.snap.state.Phase)
	box(w.cardRect, bg, border)
	if w.promptRect != (rect{}) {
		box(w.promptRect, hexAskBg, hexAskBrd)
	}
	oldPen := call(procSelectObject, hdc, call(procGetStockObject, nullPen))
	defer call(procSelectObject, hdc, oldPen)
	ellipse := func(r rect, hex uint32) {
		old := call(procSelectObject, hdc, uintptr(w.brush(hex)))
		call(procEllipse, hdc, uintptr(r.Left), uintptr(r.Top), uintptr(r.Right), uintptr(r.Bottom))
		call(procSelectObject, hdc, old)
	}
	d := w.dot
	if w.snap.state.Phase == PhaseSharing {
		// The halo: the "recording" look of the X11 window.
		h := w.scale(4)
		ellipse(rect{d.Left - h, d.Top - h, d.Right + h, d.Bottom + h}, hexDotHalo)
	}
	ellipse(d, dot)
}
