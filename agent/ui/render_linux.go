package ui

import (
	"image"
	"image/color"
	"math"

	"golang.org/x/image/font"
)

// The X11 window's look. Sizes are logical pixels (96 DPI), scaled by
// view.scale; colours follow the light system themes customers know.
const (
	btnH      = 30
	entryH    = 32
	btnRadius = 6

	pxState  = 14.5
	pxBody   = 13
	pxSmall  = 12
	pxHeader = 13
)

var (
	colBg          = rgb(hexBg)
	colCard        = rgb(hexCard)
	colCardBorder  = rgb(hexCardBorder)
	colText        = rgb(hexText)
	colTextDim     = rgb(hexTextDim)
	colTextOff     = rgb(0x9aa1a9)
	colBtn         = rgb(0xffffff)
	colBtnHover    = rgb(0xf1f3f5)
	colBtnDown     = rgb(0xe3e6ea)
	colBtnBorder   = rgb(0xc3c8ce)
	colBtnOff      = rgb(0xf6f7f8)
	colBtnOffBrd   = rgb(0xdde0e3)
	colPrimary     = rgb(0x0a66d8)
	colPrimaryHov  = rgb(0x0959bf)
	colPrimaryDown = rgb(0x084da6)
	colDanger      = rgb(0xc21e2a)
	colFocus       = rgb(0x5a9ef0)
	colDotShare    = rgb(hexDotShare)
	colAskBg       = rgb(hexAskBg)
	colAskBrd      = rgb(hexAskBrd)
	colWarnText    = rgb(hexWarnText)
	colBubbleTech  = rgb(0xeef0f3)
	colBubbleMe    = rgb(0xd8ebff)
	colBadge       = rgb(0xd92d20)
	colWhite       = rgb(0xffffff)
)

func rgb(v uint32) color.RGBA {
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
}

func withAlpha(c color.RGBA, a uint8) color.RGBA {
	// Premultiplied, as image/color expects.
	return color.RGBA{uint8(uint16(c.R) * uint16(a) / 255), uint8(uint16(c.G) * uint16(a) / 255),
		uint8(uint16(c.B) * uint16(a) / 255), a}
}

// renderer draws the whole window for one snapshot; it owns the image.
type renderer struct {
	p painter
	v *view
	s *snapshot
}

// windowSize is the window's device size at scale.
func windowSize(scale float64) image.Point {
	return image.Pt(int(math.Round(winW*scale)), int(math.Round(winH*scale)))
}

func newRenderer(v *view) *renderer {
	sz := windowSize(v.scale)
	return &renderer{v: v, p: painter{img: image.NewRGBA(image.Rect(0, 0, sz.X, sz.Y)), faces: faceCache{}}}
}

// d converts logical to device pixels.
func (r *renderer) d(x float64) int { return int(math.Round(x * r.v.scale)) }

func (r *renderer) face(style fontStyle, px float64) font.Face {
	return r.p.faces.face(style, px*r.v.scale)
}

// render draws s into the image and records the hit areas in the view.
func (r *renderer) render(s *snapshot) *image.RGBA {
	r.s = s
	r.v.sync(s)
	clear(r.v.rects)
	clear(r.v.enabled)
	img := r.p.img
	r.p.setClip(img.Bounds())
	r.p.fill(img.Bounds(), colBg)

	w := img.Bounds().Dx()
	x0, x1 := r.d(pad), w-r.d(pad)
	y := r.stateCard(x0, x1, r.d(pad))
	y = r.controls(x0, x1, y+r.d(10))
	if s.prompt != nil {
		y = r.promptPanel(x0, x1, y+r.d(12))
	}
	r.chat(x0, x1, y+r.d(12), img.Bounds().Dy()-r.d(pad))
	return img
}

// stateCard draws the dot, the state line, its explanation and the
// technician; the card is tinted while the screen is shared or paused so
// the customer sees the difference from across the room.
func (r *renderer) stateCard(x0, x1, top int) int {
	s := r.s
	line, detail := s.stateText()
	fs, fd := r.face(bold, pxState), r.face(regular, pxSmall)
	tx := x0 + r.d(36)
	tw := x1 - r.d(12) - tx
	lines := wrapText(fs, line, tw)
	dlines := wrapText(fd, detail, tw)
	if t := s.technicianLine(); t != "" {
		dlines = append(dlines, wrapText(fd, t, tw)...)
	}
	h := r.d(12)*2 + len(lines)*lineHeight(fs) + r.d(3) + len(dlines)*lineHeight(fd)
	hbg, hbrd, hdot := phaseColors(s.state.Phase)
	bg, brd, dot := rgb(hbg), rgb(hbrd), rgb(hdot)
	card := image.Rect(x0, top, x1, top+h)
	r.p.roundRect(card, float32(r.d(radius)), float32(max(1, r.d(1))), bg, brd)

	y := top + r.d(12)
	cx := float32(x0) + float32(r.v.scale)*21
	cy := float32(y) + float32(lineHeight(fs))/2
	if s.state.Phase == PhaseSharing {
		// A halo around the dot: the "recording" look.
		r.p.circle(cx, cy, float32(r.v.scale)*9, withAlpha(dot, 0x40))
	}
	r.p.circle(cx, cy, float32(r.v.scale)*5.5, dot)
	for _, l := range lines {
		r.p.text(fs, tx, y+ascent(fs), l, colText, card)
		y += lineHeight(fs)
	}
	y += r.d(3)
	for _, l := range dlines {
		r.p.text(fd, tx, y+ascent(fd), l, colTextDim, card)
		y += lineHeight(fd)
	}
	return card.Max.Y
}

// controls draws Pause/Resume, Stop sharing and End session. The buttons
// share the row in proportion to their labels (German ones are long); the
// toggle is sized for the longer of its two labels so it does not jump.
func (r *renderer) controls(x0, x1, top int) int {
	pause, stop, end, _ := r.s.controls()
	l := r.s.lang
	f := r.face(regular, pxBody)
	labels := []string{r.s.pauseLabel(), T(l, keyStopSharing), T(l, keyEndSession)}
	need := []int{max(textWidth(f, T(l, keyPause)), textWidth(f, T(l, keyResume))),
		textWidth(f, labels[1]), textWidth(f, labels[2])}
	free := x1 - x0 - 2*r.d(gap)
	sum := 0
	for i := range need {
		need[i] += r.d(20)
		sum += need[i]
	}
	x := x0
	var rects [3]image.Rectangle
	for i := range need {
		w := need[i] * free / sum
		if i == len(need)-1 {
			w = x1 - x
		}
		rects[i] = image.Rect(x, top, x+w, top+r.d(btnH))
		x += w + r.d(gap)
	}
	r.button(wPause, rects[0], labels[0], pause, styleNormal)
	r.button(wStop, rects[1], labels[1], stop, styleNormal)
	r.button(wEnd, rects[2], labels[2], end, styleDanger)
	return top + r.d(btnH)
}

type buttonStyle int

const (
	styleNormal buttonStyle = iota
	stylePrimary
	styleDanger
)

// button draws one push button and registers its hit area.
func (r *renderer) button(w widget, rect image.Rectangle, label string, on bool, st buttonStyle) {
	r.v.rects[w], r.v.enabled[w] = rect, on
	v := r.v
	bg, brd, fg := colBtn, colBtnBorder, colText
	switch {
	case !on:
		bg, brd, fg = colBtnOff, colBtnOffBrd, colTextOff
	case st == stylePrimary:
		bg, fg = colPrimary, colWhite
		if v.pressed == w && v.hover == w {
			bg = colPrimaryDown
		} else if v.hover == w {
			bg = colPrimaryHov
		}
		brd = bg
	default:
		if st == styleDanger {
			fg = colDanger
		}
		if v.pressed == w && v.hover == w {
			bg = colBtnDown
		} else if v.hover == w {
			bg = colBtnHover
		}
	}
	rad := float32(r.d(btnRadius))
	if on && v.focus == w {
		r.p.roundRect(rect.Inset(-r.d(2)), rad+float32(r.d(2)), 0, colFocus, colFocus)
	}
	r.p.roundRect(rect, rad, float32(max(1, r.d(1))), bg, brd)
	f := r.face(regular, pxBody)
	if st == stylePrimary {
		f = r.face(bold, pxBody)
	}
	label = ellipsize(f, label, rect.Dx()-r.d(8))
	tx := rect.Min.X + (rect.Dx()-textWidth(f, label))/2
	r.p.text(f, tx, centerBaseline(f, rect), label, fg, rect)
}

// centerBaseline puts a line of f in the vertical middle of rect.
func centerBaseline(f font.Face, rect image.Rectangle) int {
	m := f.Metrics()
	return rect.Min.Y + (rect.Dy()-(m.Ascent+m.Descent).Ceil())/2 + m.Ascent.Ceil()
}

// textEntry draws a single-line field with its caret and placeholder.
func (r *renderer) textEntry(w widget, rect image.Rectangle, e *entry, placeholder string, on bool) {
	r.v.rects[w], r.v.enabled[w] = rect, on
	focused := on && r.v.focus == w
	bg, brd := colCard, colBtnBorder
	if !on {
		bg, brd = colBtnOff, colBtnOffBrd
	}
	rad := float32(r.d(btnRadius))
	if focused {
		r.p.roundRect(rect.Inset(-r.d(1)), rad+float32(r.d(1)), float32(r.d(2)), bg, colPrimary)
	} else {
		r.p.roundRect(rect, rad, float32(max(1, r.d(1))), bg, brd)
	}
	f := r.face(regular, pxBody)
	inner := rect.Inset(r.d(9))
	inner.Min.Y, inner.Max.Y = rect.Min.Y, rect.Max.Y
	base := centerBaseline(f, rect)
	if len(e.text) == 0 {
		r.p.text(f, inner.Min.X, base, ellipsize(f, placeholder, inner.Dx()), colTextOff, inner)
	}
	// Scroll so the caret stays inside the field.
	cx := textWidth(f, string(e.text[:e.cur]))
	if cx-e.off > inner.Dx()-r.d(2) {
		e.off = cx - inner.Dx() + r.d(2)
	}
	if cx < e.off {
		e.off = cx
	}
	if full := textWidth(f, string(e.text)); full-e.off < inner.Dx()-r.d(2) {
		e.off = max(0, full-inner.Dx()+r.d(2))
	}
	if len(e.text) > 0 {
		r.p.text(f, inner.Min.X-e.off, base, string(e.text), colText, inner)
	}
	if focused && r.v.focused && r.v.caretOn { // no caret while the keyboard is elsewhere
		m := f.Metrics()
		x := inner.Min.X + cx - e.off
		caret := image.Rect(x, base-m.Ascent.Ceil(), x+max(1, r.d(1)), base+m.Descent.Ceil())
		saved := r.p.clip
		r.p.setClip(rect)
		r.p.fill(caret, colText)
		r.p.setClip(saved)
	}
}

// caretAt returns the caret position in e nearest to device x, for a
// click into the field of widget w.
func (r *renderer) caretAt(w widget, e *entry, x int) int {
	f := r.face(regular, pxBody)
	rel := x - (r.v.rects[w].Min.X + r.d(9)) + e.off
	best, bestD := 0, 1<<30
	for i := 0; i <= len(e.text); i++ {
		d := textWidth(f, string(e.text[:i])) - rel
		if d < 0 {
			d = -d
		}
		if d < bestD {
			best, bestD = i, d
		}
	}
	return best
}
