package ui

import (
	"fmt"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The X11 window draws its text itself with the Go fonts, which are
// embedded: a pure-Go agent cannot ask fontconfig for the desktop's font,
// and a fixed font makes every screen render the same pixels (the tests
// compare screenshots with golden images).

type fontStyle int

const (
	regular fontStyle = iota
	bold
)

var (
	fontsOnce sync.Once
	fonts     [2]*opentype.Font
	fontsErr  error
)

// faceCache holds one renderer's faces: a font.Face is not safe for
// concurrent use, the parsed fonts are.
type faceCache map[faceKey]font.Face

type faceKey struct {
	style fontStyle
	px    float64
}

func loadFonts() error {
	fontsOnce.Do(func() {
		for i, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
			if fonts[i], fontsErr = opentype.Parse(ttf); fontsErr != nil {
				fontsErr = fmt.Errorf("ui: parse embedded font: %w", fontsErr)
				return
			}
		}
	})
	return fontsErr
}

// face returns the font at px pixels (cached: faces are costly to make
// and the window uses a handful). loadFonts must have succeeded.
func (faces faceCache) face(style fontStyle, px float64) font.Face {
	k := faceKey{style, px}
	if f, ok := faces[k]; ok {
		return f
	}
	// Size in points at 72 DPI is size in pixels. Full hinting snaps
	// stems to the pixel grid: crisper at the small sizes used here.
	f, err := opentype.NewFace(fonts[style], &opentype.FaceOptions{Size: px, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		panic(fmt.Errorf("ui: font face: %w", err)) // only for invalid options, fixed here
	}
	faces[k] = f
	return f
}

// textWidth is the advance of s in pixels, rounded up.
func textWidth(f font.Face, s string) int {
	return font.MeasureString(f, s).Ceil()
}

// lineHeight is the distance between two baselines.
func lineHeight(f font.Face) int {
	m := f.Metrics()
	return (m.Ascent + m.Descent).Ceil() + 1
}

func ascent(f font.Face) int { return f.Metrics().Ascent.Ceil() }

// wrapText breaks s into lines no wider than width, at spaces where it can
// and inside a word when one word is too long. Newlines in s are kept.
func wrapText(f font.Face, s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, wrapPara(f, para, width)...)
	}
	return out
}

func wrapPara(f font.Face, s string, width int) []string {
	words := strings.FieldsFunc(s, unicode.IsSpace)
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := ""
	for _, w := range words {
		try := w
		if cur != "" {
			try = cur + " " + w
		}
		if textWidth(f, try) <= width {
			cur = try
			continue
		}
		if cur != "" {
			lines = append(lines, cur)
			cur = ""
		}
		for textWidth(f, w) > width { // one word wider than a line
			n := fitRunes(f, w, width)
			lines = append(lines, w[:n])
			w = w[n:]
		}
		cur = w
	}
	return append(lines, cur)
}

// fitRunes returns how many bytes of s fit in width (at least one rune).
func fitRunes(f font.Face, s string, width int) int {
	var adv fixed.Int26_6
	prev := rune(-1)
	for i, r := range s {
		if prev >= 0 {
			adv += f.Kern(prev, r)
		}
		a, _ := f.GlyphAdvance(r)
		if (adv+a).Ceil() > width && i > 0 {
			return i
		}
		adv += a
		prev = r
	}
	return len(s)
}

// ellipsize shortens s with "…" to fit width.
func ellipsize(f font.Face, s string, width int) string {
	if textWidth(f, s) <= width {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && textWidth(f, string(r)+"…") > width {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}
