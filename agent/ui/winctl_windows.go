package ui

import (
	"fmt"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// winFonts are the system message font (what dialogs use, e.g. Segoe UI
// 9 pt) at the window's DPI, a semibold variant and a larger one for the
// state line.
type winFonts struct{ body, bold, state windows.Handle }

func (f *winFonts) make(dpi uint32) {
	var ncm nonClientMetrics
	ncm.Size = uint32(unsafe.Sizeof(ncm))
	got := false
	if procSystemParametersInfoForDpi.Find() == nil {
		got = call(procSystemParametersInfoForDpi, spiGetNonClientMetrics, uintptr(ncm.Size),
			uintptr(unsafe.Pointer(&ncm)), 0, uintptr(dpi)) != 0
	}
	if !got && call(procSystemParametersInfoW, spiGetNonClientMetrics, uintptr(ncm.Size), uintptr(unsafe.Pointer(&ncm)), 0) != 0 {
		// Sized for the system DPI; rescale for this monitor's.
		sys := screenDPI()
		ncm.MessageFont.Height = ncm.MessageFont.Height * int32(dpi) / int32(sys)
		got = true
	}
	lf := ncm.MessageFont
	if !got || lf.Height == 0 {
		lf = logFont{Height: -int32(12 * dpi / 96), Weight: 400}
		copy(lf.FaceName[:], windows.StringToUTF16("Segoe UI"))
	}
	f.body = windows.Handle(call(procCreateFontIndirectW, uintptr(unsafe.Pointer(&lf))))
	b := lf
	b.Weight = 600
	f.bold = windows.Handle(call(procCreateFontIndirectW, uintptr(unsafe.Pointer(&b))))
	// Bold, not semibold, for the state line: fonts without a semibold
	// face (Tahoma) would fall back to regular.
	b.Height, b.Weight = lf.Height*6/5, 700
	f.state = windows.Handle(call(procCreateFontIndirectW, uintptr(unsafe.Pointer(&b))))
}

func (f *winFonts) free() {
	for _, h := range []windows.Handle{f.body, f.bold, f.state} {
		if h != 0 {
			call(procDeleteObject, uintptr(h))
		}
	}
	*f = winFonts{}
}

func (f *winFonts) forCtl(id ctlID) windows.Handle {
	switch id {
	case ctlState:
		return f.state
	case ctlChatLabel, ctlAllow, ctlSend:
		return f.bold
	}
	return f.body
}

func screenDPI() uint32 {
	dc := call(procGetDC, 0)
	defer call(procReleaseDC, 0, dc)
	if d := call(procGetDeviceCaps, dc, logPixelsY); d != 0 {
		return uint32(d)
	}
	return 96
}

// createControls adds the child controls; creation order is Tab order.
func (w *winWindow) createControls() error {
	static := uintptr(wsChild | wsVisible | ssLeft | ssNoPrefix)
	button := uintptr(wsChild | wsVisible | wsTabStop | bsPushButton)
	edit := uintptr(wsChild | wsVisible | wsTabStop | esAutoHScroll)
	for _, c := range []struct {
		id         ctlID
		class      string
		style, ex  uintptr
		limitInput bool
	}{
		{ctlState, "STATIC", static, 0, false},
		{ctlDetail, "STATIC", static, 0, false},
		{ctlPause, "BUTTON", button, 0, false},
		{ctlStop, "BUTTON", button, 0, false},
		{ctlEnd, "BUTTON", button, 0, false},
		{ctlNote, "STATIC", static, 0, false},
		{ctlPrompt, "STATIC", static, 0, false},
		{ctlCode, "EDIT", edit, wsExClientEdge, true},
		{ctlDeny, "BUTTON", button, 0, false},
		{ctlAllow, "BUTTON", button, 0, false},
		{ctlChatLabel, "STATIC", static, 0, false},
		{ctlChatLog, "EDIT", wsChild | wsVisible | wsTabStop | wsVScroll | esMultiline | esReadOnly | esAutoVScroll, wsExClientEdge, false},
		{ctlChatInput, "EDIT", edit, wsExClientEdge, true},
		{ctlSend, "BUTTON", button, 0, false},
	} {
		h, _, err := procCreateWindowExW.Call(c.ex, uintptr(unsafe.Pointer(utf16Ptr(c.class))), 0, c.style,
			0, 0, 10, 10, uintptr(w.hwnd), uintptr(c.id), call(procGetModuleHandle, 0), 0)
		if h == 0 {
			return fmt.Errorf("ui: create %s control: %w", c.class, err)
		}
		w.ctl[c.id] = windows.HWND(h)
		sendMessage(windows.HWND(h), wmSetFont, uintptr(w.fonts.forCtl(c.id)), 0)
		if c.limitInput {
			sendMessage(windows.HWND(h), emLimitText, maxInputRunes, 0)
		}
	}
	// A grey hint in the empty chat field (common controls 6 only).
	hint := utf16Ptr(T(w.model.lang, keyChatPlaceholder))
	sendMessage(w.ctl[ctlChatInput], emSetCueBanner, 1, uintptr(unsafe.Pointer(hint)))
	return nil
}

// maxInputRunes bounds typed text (the site takes 4000 characters).
const maxInputRunes = 4000

// set changes a control's text only when it differs (no flicker).
func (w *winWindow) set(id ctlID, s string) {
	if w.texts[id] != s {
		w.texts[id] = s
		setText(w.ctl[id], s)
	}
}

func (w *winWindow) enable(id ctlID, on bool) {
	b := uintptr(0)
	if on {
		b = 1
	}
	call(procEnableWindow, uintptr(w.ctl[id]), b)
}

func (w *winWindow) show(id ctlID, on bool) {
	vis := call(procIsWindowVisible, uintptr(w.ctl[id])) != 0
	if vis != on {
		cmd := uintptr(swHide)
		if on {
			cmd = swShow
		}
		call(procShowWindow, uintptr(w.ctl[id]), cmd)
	}
}

// apply brings the controls in line with the model.
func (w *winWindow) apply() {
	s := w.model.snapshot()
	w.snap = s
	l := s.lang
	var pid uint64
	var pk promptKind
	if s.prompt != nil {
		pid, pk = s.prompt.id, s.prompt.kind
	}
	newPrompt := pid != w.promptID
	w.promptID, w.promptKind = pid, pk

	line, detail := s.stateText()
	if t := s.technicianLine(); t != "" {
		detail += "\n" + t
	}
	w.set(ctlState, line)
	w.set(ctlDetail, detail)
	pause, stop, end, chat := s.controls()
	w.set(ctlPause, s.pauseLabel())
	w.set(ctlStop, T(l, keyStopSharing))
	w.set(ctlEnd, T(l, keyEndSession))
	w.enable(ctlPause, pause)
	w.enable(ctlStop, stop)
	w.enable(ctlEnd, end)

	if p := s.prompt; p != nil {
		note, text := "", p.text
		if p.kind == promptCode {
			note, text = p.text, T(l, keyCodePrompt)
		}
		if newPrompt && p.kind == promptCode {
			w.texts[ctlCode] = "\x00" // force: the field starts empty
			w.set(ctlCode, "")
		}
		w.set(ctlNote, note)
		w.set(ctlPrompt, text)
		allow, deny := p.buttonLabels(l, time.Now())
		w.set(ctlAllow, allow)
		w.set(ctlDeny, deny)
		w.enable(ctlAllow, p.kind != promptCode || strings.TrimSpace(getText(w.ctl[ctlCode])) != "")
	}
	w.countdown(s.prompt != nil && !s.prompt.deadline.IsZero())

	w.appendChat(&s)
	w.set(ctlChatLabel, w.chatLabel(&s))
	w.enable(ctlChatInput, chat)
	w.enable(ctlSend, chat && strings.TrimSpace(getText(w.ctl[ctlChatInput])) != "")
	w.set(ctlSend, T(l, keySend))

	w.layout(&s)
	if newPrompt {
		w.moveFocus(pk, chat)
	}
}

// moveFocus gives a new security-code question the keyboard; a consent
// question never takes it, so that a stray Enter cannot allow control.
func (w *winWindow) moveFocus(pk promptKind, chat bool) {
	focus := windows.HWND(call(procGetFocus))
	switch {
	case pk == promptCode:
		call(procSetFocus, uintptr(w.ctl[ctlCode]))
	case focus == w.ctl[ctlCode] || focus == w.ctl[ctlAllow] || focus == w.ctl[ctlDeny] || focus == 0:
		if chat {
			call(procSetFocus, uintptr(w.ctl[ctlChatInput]))
		} else {
			call(procSetFocus, uintptr(w.hwnd))
		}
	}
}

// countdown runs a timer while a question counts down to its default.
func (w *winWindow) countdown(on bool) {
	if on && !w.timerOn {
		call(procSetTimer, uintptr(w.hwnd), 1, 500, 0)
	} else if !on && w.timerOn {
		call(procKillTimer, uintptr(w.hwnd), 1)
	}
	w.timerOn = on
}

// appendChat adds new messages to the log, keeping the customer's scroll
// position unless they were at the end.
func (w *winWindow) appendChat(s *snapshot) {
	if w.chatShown >= len(s.chat) {
		return
	}
	var b strings.Builder
	for _, c := range s.chat[w.chatShown:] {
		if b.Len() > 0 || w.chatShown > 0 {
			b.WriteString("\r\n\r\n")
		}
		fmt.Fprintf(&b, "%s · %s\r\n%s", s.chatName(c), c.At.Local().Format("15:04"),
			strings.ReplaceAll(strings.ReplaceAll(c.Text, "\r\n", "\n"), "\n", "\r\n"))
	}
	w.chatShown = len(s.chat)
	h := w.ctl[ctlChatLog]
	atEnd := w.logAtEnd()
	first := sendMessage(h, emGetFirstVisible, 0, 0)
	n := call(procGetWindowTextLengthW, uintptr(h))
	sendMessage(h, emSetSel, n, n)
	sendMessage(h, emReplaceSel, 0, uintptr(unsafe.Pointer(utf16Ptr(b.String()))))
	if atEnd {
		sendMessage(h, emScrollCaret, 0, 0)
	} else {
		now := sendMessage(h, emGetFirstVisible, 0, 0)
		sendMessage(h, emLineScroll, 0, uintptr(int(first)-int(now)))
	}
}

// logAtEnd reports whether the chat log shows its last line.
func (w *winWindow) logAtEnd() bool {
	si := scrollInfo{Mask: sifAll}
	si.Size = uint32(unsafe.Sizeof(si))
	if call(procGetScrollInfo, uintptr(w.ctl[ctlChatLog]), sbVert, uintptr(unsafe.Pointer(&si))) == 0 || si.Page == 0 {
		return true
	}
	return si.Pos+int32(si.Page) > si.Max
}

// chatLabel is "Chat", with the unread count while the customer has not
// seen the technician's newest messages; the taskbar button flashes once
// per new message while the window is in the background.
func (w *winWindow) chatLabel(s *snapshot) string {
	if w.active && w.logAtEnd() {
		w.seen = len(s.chat)
	}
	n := 0
	for _, c := range s.chat[min(w.seen, len(s.chat)):] {
		if c.FromTechnician {
			n++
		}
	}
	if n > w.flashed && !w.active {
		fi := flashWInfo{Hwnd: w.hwnd, Flags: flashwTray | flashwTimerNoFG}
		fi.Size = uint32(unsafe.Sizeof(fi))
		call(procFlashWindowEx, uintptr(unsafe.Pointer(&fi)))
	}
	w.flashed = n
	if n == 0 {
		return T(s.lang, keyChat)
	}
	return T(s.lang, keyChat) + "  (" + T(s.lang, keyChatUnread, n) + ")"
}

// command handles WM_COMMAND: clicks, Enter (IDOK) and Escape (IDCANCEL)
// from IsDialogMessage, and edits changing.
func (w *winWindow) command(id ctlID, code uint32) {
	m := w.model
	switch {
	case id == idOK:
		switch windows.HWND(call(procGetFocus)) {
		case w.ctl[ctlCode]:
			w.submitCode()
		case w.ctl[ctlChatInput]:
			w.sendChat()
		}
	case id == idCancel:
		if w.promptKind == promptEnd {
			m.resolve(w.promptID, answer{})
		}
	case code == enChange && (id == ctlCode || id == ctlChatInput):
		w.apply()
	case code != bnClicked:
	case id == ctlPause:
		if w.snap.state.Phase == PhasePaused {
			m.resume()
		} else {
			m.pause()
		}
	case id == ctlStop:
		m.stopSharing()
	case id == ctlEnd:
		m.askEnd()
	case id == ctlAllow:
		if w.promptKind == promptCode {
			w.submitCode()
		} else {
			m.resolve(w.promptID, answer{ok: true})
		}
	case id == ctlDeny:
		m.resolve(w.promptID, answer{ok: false})
	case id == ctlSend:
		w.sendChat()
	}
}

func (w *winWindow) submitCode() {
	if w.promptKind == promptCode {
		w.model.submitCode(w.promptID, getText(w.ctl[ctlCode]))
	}
}

func (w *winWindow) sendChat() {
	if _, _, _, chat := w.snap.controls(); chat && w.model.sendChat(getText(w.ctl[ctlChatInput])) {
		w.texts[ctlChatInput] = "\x00"
		w.set(ctlChatInput, "")
		call(procSetFocus, uintptr(w.ctl[ctlChatInput]))
	}
}

func (w *winWindow) brush(hex uint32) windows.Handle {
	b, ok := w.brushes[hex]
	if !ok {
		b = windows.Handle(call(procCreateSolidBrush, colorRef(hex)))
		w.brushes[hex] = b
	}
	return b
}

// ctlColor colours static texts (and the read-only chat log) to sit on
// the card or panel drawn behind them.
func (w *winWindow) ctlColor(hdc windows.Handle, h windows.HWND) uintptr {
	bg, fg := uint32(hexBg), uint32(hexText)
	cardBg, _, _ := phaseColors(w.snap.state.Phase)
	switch h {
	case w.ctl[ctlState]:
		bg = cardBg
	case w.ctl[ctlDetail]:
		bg, fg = cardBg, hexTextDim
	case w.ctl[ctlNote]:
		bg, fg = hexAskBg, hexWarnText
	case w.ctl[ctlPrompt]:
		bg = hexAskBg
	case w.ctl[ctlChatLog]:
		bg = hexCard
	}
	call(procSetTextColor, uintptr(hdc), colorRef(fg))
	call(procSetBkColor, uintptr(hdc), colorRef(bg))
	return uintptr(w.brush(bg))
}

func (w *winWindow) freeGDI() {
	w.fonts.free()
	for k, b := range w.brushes {
		call(procDeleteObject, uintptr(b))
		delete(w.brushes, k)
	}
}
