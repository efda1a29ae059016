package ui

// The window's colours (0xRRGGBB), shared by the drawn X11 window and the
// Win32 one so both read the same: a neutral light theme, the state card
// tinted red while the screen is shared and amber while paused.
const (
	hexBg         = 0xf3f4f6
	hexCard       = 0xffffff
	hexCardBorder = 0xdcdfe3
	hexText       = 0x1f2328
	hexTextDim    = 0x59636e
	hexWarnText   = 0xb42318
	hexDotWait    = 0x8c959f
	hexDotShare   = 0xd92d20
	hexDotHalo    = 0xf6b8b2 // the sharing dot's halo on the tinted card
	hexDotPause   = 0xdb8b00
	hexDotReconn  = 0xe16f24
	hexShareBg    = 0xfff3f2
	hexShareBrd   = 0xf4c4c0
	hexPauseBg    = 0xfff8e6
	hexPauseBrd   = 0xedd08e
	hexAskBg      = 0xeef5ff
	hexAskBrd     = 0xa9c9f2
)

// phaseColors returns the state card's background, border and dot.
func phaseColors(p Phase) (bg, border, dot uint32) {
	switch p {
	case PhaseSharing:
		return hexShareBg, hexShareBrd, hexDotShare
	case PhasePaused:
		return hexPauseBg, hexPauseBrd, hexDotPause
	case PhaseReconnecting:
		return hexCard, hexCardBorder, hexDotReconn
	}
	return hexCard, hexCardBorder, hexDotWait
}

// The window's size and spacing in logical pixels (96 DPI), scaled by each
// backend to the screen's DPI.
const (
	winW, winH = 360, 420
	pad        = 12 // window margin and card padding
	gap        = 8  // between buttons
	sendW      = 76 // Send and OK buttons
	radius     = 8  // card corners
)
