package ui

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/golden")

func TestMain(m *testing.M) {
	// A steady caret makes screenshots reproducible.
	blinkInterval = 0
	os.Exit(m.Run())
}

// goldenAt is when the golden chat happened; local time, as the window
// formats it.
var goldenAt = time.Date(2025, 3, 4, 14, 2, 0, 0, time.Local)

const goldenTech = "Anna Schmidt"

func goldenChat(l Lang) []ChatMessage {
	if l == German {
		return []ChatMessage{
			{FromTechnician: true, Name: goldenTech, Text: "Hallo! Ich sehe jetzt Ihren Bildschirm. Öffnen Sie bitte die Druckereinstellungen?", At: goldenAt},
			{Name: "Sie", Text: "Gern, einen Moment.", At: goldenAt.Add(time.Minute)},
			{FromTechnician: true, Name: goldenTech, Text: "Danke – genau das ist es.", At: goldenAt.Add(2 * time.Minute)},
		}
	}
	return []ChatMessage{
		{FromTechnician: true, Name: goldenTech, Text: "Hello! I can see your screen now. Could you open the printer settings?", At: goldenAt},
		{Name: "You", Text: "Sure, one moment.", At: goldenAt.Add(time.Minute)},
		{FromTechnician: true, Name: goldenTech, Text: "Thanks — that's the one.", At: goldenAt.Add(2 * time.Minute)},
	}
}

const goldenNote = "Invalid security code. 2 attempts left."

var goldenConsent = fmt.Sprintf(catalogue[KeyAskControl][English], goldenTech)

// golden is a window state with a reference image. The X11 tests bring a
// real window into the same state and compare its screenshot.
type golden struct {
	name  string
	scale float64
	snap  snapshot
	// unfocused: the window does not have the keyboard focus, so the
	// technician's messages count as unread.
	unfocused bool
}

func goldens() []golden {
	en, de := goldenChat(English), goldenChat(German)
	return []golden{
		{"sharing-en", 1, snapshot{lang: English, state: State{Phase: PhaseSharing, Technician: goldenTech}, chat: en}, false},
		{"paused-en", 1, snapshot{lang: English, state: State{Phase: PhasePaused, Technician: goldenTech}, chat: en}, false},
		{"code-en", 1, snapshot{lang: English, state: State{Phase: PhaseWaitingCode},
			prompt: &promptView{id: 1, kind: promptCode, text: goldenNote}}, false},
		{"consent-en", 1, snapshot{lang: English, state: State{Phase: PhaseWaitingTechnician, Technician: goldenTech},
			prompt: &promptView{id: 1, kind: promptConfirm, text: goldenConsent, allow: "Allow", deny: "Deny"}}, false},
		{"sharing-de", 1, snapshot{lang: German, state: State{Phase: PhaseSharing, Technician: goldenTech}, chat: de}, true},
		{"code-de@1.5", 1.5, snapshot{lang: German, state: State{Phase: PhaseWaitingCode},
			prompt: &promptView{id: 1, kind: promptCode}}, false},
	}
}

func goldenByName(t *testing.T, name string) golden {
	for _, g := range goldens() {
		if g.name == name {
			return g
		}
	}
	t.Fatalf("no golden %q", name)
	return golden{}
}

func goldenPath(name string) string { return filepath.Join("testdata", "golden", name+".png") }

// renderGolden draws g the way a fresh window shows it: nothing hovered,
// pressed or typed.
func renderGolden(g golden) *image.RGBA {
	v := newView(g.scale)
	v.focused = !g.unfocused
	return newRenderer(v).render(&g.snap)
}

// TestRenderGolden pins the look: a change to layout, colours or texts
// shows up here first. Run with -update to accept it (and look at the
// images).
func TestRenderGolden(t *testing.T) {
	if err := loadFonts(); err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens() {
		t.Run(g.name, func(t *testing.T) {
			img := renderGolden(g)
			if *update {
				writePNG(t, goldenPath(g.name), img)
				return
			}
			want := readPNG(t, goldenPath(g.name))
			if d := diffImages(img, want); !d.ok() {
				writePNG(t, filepath.Join(t.TempDir(), g.name+".png"), img)
				t.Fatalf("render differs from %s: %v (run with -update if intended)", goldenPath(g.name), d)
			}
		})
	}
}

// imageDiff summarises how two images differ.
type imageDiff struct {
	sizeA, sizeB image.Point
	pixels       int // pixels with a channel off by more than 24
	total        int
}

// ok allows a few pixels of difference: glyph rasterizing uses floating
// point, which may round differently on another CPU.
func (d imageDiff) ok() bool { return d.sizeA == d.sizeB && d.pixels*1000 <= d.total }

func (d imageDiff) String() string {
	if d.sizeA != d.sizeB {
		return fmt.Sprintf("size %v vs %v", d.sizeA, d.sizeB)
	}
	return fmt.Sprintf("%d of %d pixels differ", d.pixels, d.total)
}

func diffImages(a, b image.Image) imageDiff {
	d := imageDiff{sizeA: a.Bounds().Size(), sizeB: b.Bounds().Size()}
	if d.sizeA != d.sizeB {
		return d
	}
	ao, bo := a.Bounds().Min, b.Bounds().Min
	for y := range d.sizeA.Y {
		for x := range d.sizeA.X {
			d.total++
			r1, g1, b1, _ := a.At(ao.X+x, ao.Y+y).RGBA()
			r2, g2, b2, _ := b.At(bo.X+x, bo.Y+y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				d.pixels++
			}
		}
	}
	return d
}

func far(a, b uint32) bool {
	a, b = a>>8, b>>8
	return a > b+24 || b > a+24
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}
