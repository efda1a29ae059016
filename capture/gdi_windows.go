package capture

import (
	"context"
	"fmt"
	"log/slog"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/internal/winapi"
)

func init() {
	// Priority 50: GDI works wherever Windows has a desktop (RDP sessions,
	// VMs without a WDDM driver, Wine), so it backs up DXGI (100) and is
	// itself backed up by the portable screenshot library (10).
	register(BackendGDI, 50, func(cfg *config) (Capturer, error) { return openGDI(cfg) })
}

// gdiProbeMaxAge is how old a frame grabbed by Wait may be for Grab to
// return it instead of grabbing again: the stream loop calls Grab right
// after Wait reported a change, and the second BitBlt would be wasted.
const gdiProbeMaxAge = 50 * time.Millisecond

// gdiBandBytes bounds the band of rows an idle probe grabs. Measured under
// Wine with 4 probes/s, as a share of one core: 1920x1080 whole frames
// 2.8 %, 540 rows (4.1 MB) 2.0 %, 360 rows (2.8 MB) 1.0 %, 135 rows 0.8 %;
// 1280x800 whole frames 2.6 %, 400 rows 1.0 %. Past ~3 MB the grab and its
// comparison stop fitting in cache and the cost jumps; 2 MB bands measured
// a little cheaper again than 3 MB ones at 1080p. So idle probes take turns
// on bands of at most 2 MB: 2 at 1280x800, 4 at 1080p (each row seen every
// second), at most gdiMaxBands on big screens, whose bands are then larger.
const (
	gdiBandBytes = 2 << 20
	gdiMaxBands  = 8
)

// idleBands is the number of bands a display of w x h is probed in.
func idleBands(w, h int) int {
	return max(1, min(h, gdiMaxBands, (w*h*BytesPerPixel+gdiBandBytes-1)/gdiBandBytes))
}

// desktopCheckEvery bounds how often a grab asks for the input desktop
// (lock screen, UAC prompt); a failed BitBlt asks at once.
const desktopCheckEvery = time.Second

// gdiCapturer BitBlts the screen into two persistent DIB sections, one
// holding the frame Grab returned last, the other the scratch target of
// Wait's change probes. GDI has no change notification, so Wait grabs on
// the schedule of a pollPlan and compares with the last frame.
//
// All GDI calls run on one locked OS thread: the screen DC and the desktop
// the thread is attached to (winapi.DesktopFollower) are per-thread state.
type gdiCapturer struct {
	*onThread
	st *gdiState // owned by the capture thread
	// poll is used on the capture thread, inside calls this goroutine
	// makes and waits for, so Wait may read poll.next between them.
	poll     poller
	inputSeq uint64 // winapi.Injected.Seq() at the last check
}

// gdiState is everything the capture thread owns.
type gdiState struct {
	log        *slog.Logger
	desk       winapi.DesktopFollower
	lastLayout time.Time      // last check of layout and input desktop by a probe
	screen     windows.Handle // GetDC(NULL) of the thread's desktop
	rop        uint32

	bufs      [2]dib
	front     int  // buffer holding the last frame Grab returned
	haveFront bool // front holds a grab of display cur
	backFresh bool // the other buffer holds a newer probe of cur
	backAt    time.Time

	displays []Display
	layout   virtualScreen
	cur      int // display Wait watches: the last one grabbed
	band     int // next band of rows an idle probe looks at
	frame    Frame
}

// dib is a top-down 32-bit BGRX DIB section selected into its own memory DC.
type dib struct {
	dc, bmp, old windows.Handle
	pix          []byte
	w, h         int
}

func openGDI(cfg *config) (*gdiCapturer, error) {
	if err := findProcs(procGetDC, procReleaseDC, procEnumDisplayMonitors, procGetMonitorInfoW,
		procGetSystemMetrics, procCreateCompatibleDC, procCreateDIBSection, procSelectObject,
		procDeleteObject, procDeleteDC, procBitBlt, procGdiFlush); err != nil {
		return nil, err
	}
	if _, err := winapi.EnableDPIAwareness(); err != nil {
		cfg.Logger.Warn("capture: DPI awareness not set; frames may be scaled", "err", err)
	}
	g := &gdiCapturer{st: &gdiState{log: cfg.Logger.With("backend", BackendGDI)}}
	var err error
	if g.onThread, err = startOnThread(g.st.open, g.st.release); err != nil {
		return nil, err
	}
	g.poll = newPoller()
	g.inputSeq = winapi.Injected.Seq()
	return g, nil
}

func (g *gdiCapturer) Name() string { return BackendGDI }

// Displays implements [Capturer].
func (g *gdiCapturer) Displays() ([]Display, error) {
	return g.displays(g.st.refreshDisplays, &g.st.displays)
}

// Grab implements [Capturer]. The frame aliases a DIB section: valid until
// the next Grab or Close.
func (g *gdiCapturer) Grab(d int) (*Frame, error) {
	var f *Frame
	err := g.do(func() (err error) {
		now := time.Now()
		if f, err = g.st.grab(d, now); err == nil {
			g.poll.probed(now, false) // a frame this fresh needs no probe for a while
		}
		return err
	})
	return f, err
}

// DetectsChanges implements [ChangeDetector]: Wait probes on the poll
// plan's schedule, and at once after injected input, whatever the timeout.
func (g *gdiCapturer) DetectsChanges() bool { return true }

// Wait implements [Capturer]: it probes on the poll plan's schedule until a
// probe differs from the last frame, ctx ends, or timeout elapses.
func (g *gdiCapturer) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	if first, err := g.waitBegins(ctx); first || err != nil {
		return first, err
	}
	deadline := time.Now().Add(max(timeout, 0))
	force := timeout <= 0 // a poll: look now, whatever the plan says
	var timer *time.Timer
	injected := false
	for {
		// Taken before the check, so that input injected during it still
		// wakes the select below; input injected since the last check
		// (while the stream was encoding, say) shows in the count.
		inputC := winapi.Injected.C()
		if seq := winapi.Injected.Seq(); seq != g.inputSeq {
			g.inputSeq, injected = seq, true
		}
		// Checks follow the poll plan across Wait calls, not the calls
		// themselves: the stream waits with short timeouts (~30 a second),
		// and most of those calls end without going near the capture
		// thread. Under Wine every trip there and every wake-up of it
		// costs round trips to wineserver; an idle agent is mostly that.
		if now := time.Now(); force || injected || !now.Before(g.poll.next) {
			var changed bool
			if err := g.do(func() (err error) {
				if probe, full := g.poll.check(now, force, injected); probe {
					changed, err = g.st.probe(now, full)
					g.poll.probed(now, changed)
				}
				return err
			}); err != nil || changed {
				return changed, err
			}
			force, injected = false, false
		}
		now := time.Now()
		if !now.Before(deadline) {
			return false, nil
		}
		wait := minTime(g.poll.next, deadline).Sub(now)
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		} else {
			timer.Reset(wait)
		}
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-g.closing:
			return false, ErrClosed
		case <-inputC:
			// The technician typed or clicked: look at full rate now
			// rather than at the idle rate.
			injected = true
		case <-timer.C:
		}
	}
}

// open runs on the capture thread: attach to the input desktop, take the
// screen DC, read the layout and grab once, so Open fails (and the next
// backend is tried) rather than the first Grab.
func (s *gdiState) open() error {
	s.follow()
	s.rop = chooseROP()
	if err := s.resetScreenDC(); err != nil {
		return err
	}
	if err := s.refreshDisplays(); err != nil {
		return err
	}
	s.cur = primary(s.displays)
	if _, err := s.grab(s.cur, time.Now()); err != nil {
		return err
	}
	s.log.Debug("gdi backend ready", "displays", len(s.displays), "desktop", s.desk.Name(),
		"captureblt", s.rop&captureblt != 0)
	return nil
}

// chooseROP leaves CAPTUREBLT out when the desktop is composed (DWM, always
// on since Windows 8): the composed image already includes layered windows,
// and CAPTUREBLT makes the cursor flicker while it is read back. Without
// composition (Windows 7 basic theme) layered windows (menus, tooltips)
// need it.
func chooseROP() uint32 {
	if procDwmIsCompositionEnabled.Find() == nil {
		var on int32
		if hr, _, _ := procDwmIsCompositionEnabled.Call(uintptr(unsafe.Pointer(&on))); hr == 0 && on != 0 {
			return srccopy
		}
	}
	return srccopy | captureblt
}

// follow moves the thread to the input desktop if it changed, and says
// whether it did. Failures (an ordinary user facing the secure desktop) are
// expected and only logged.
func (s *gdiState) follow() bool {
	switched := followDesktop(&s.desk, s.log)
	if switched {
		if err := s.resetScreenDC(); err != nil {
			s.log.Warn("capture: screen DC after desktop switch", "err", err)
		}
	}
	return switched
}

// resetScreenDC takes a fresh screen DC: a DC belongs to the desktop that
// was current when it was taken.
func (s *gdiState) resetScreenDC() error {
	if s.screen != 0 {
		procReleaseDC.Call(0, uintptr(s.screen))
		s.screen = 0
	}
	r, _, err := procGetDC.Call(0)
	if r == 0 {
		return fmt.Errorf("capture: GetDC(NULL): %w", err)
	}
	s.screen = windows.Handle(r)
	s.freeBuffers() // their DCs were made compatible with the old one
	return nil
}

// refreshDisplays re-reads the monitor layout.
func (s *gdiState) refreshDisplays() error {
	ds, _, err := enumMonitors()
	if err != nil {
		return err
	}
	s.displays, s.layout = ds, currentVirtualScreen()
	if s.cur >= len(ds) {
		s.cur, s.haveFront = 0, false
	}
	return nil
}

// layoutChanged reports (and picks up) a new monitor layout.
func (s *gdiState) layoutChanged() (bool, error) {
	if currentVirtualScreen() == s.layout {
		return false, nil
	}
	s.log.Debug("capture: monitor layout changed")
	s.haveFront = false
	return true, s.refreshDisplays()
}

func (s *gdiState) grab(d int, now time.Time) (*Frame, error) {
	if _, err := s.layoutChanged(); err != nil {
		return nil, err
	}
	if d < 0 || d >= len(s.displays) {
		return nil, fmt.Errorf("capture: display %d out of range (have %d)", d, len(s.displays))
	}
	disp := s.displays[d]
	if d != s.cur {
		s.cur, s.haveFront, s.backFresh = d, false, false
	}
	if err := s.ensureBuffers(disp.Width, disp.Height); err != nil {
		return nil, err
	}
	back := 1 - s.front
	if !s.backFresh || now.Sub(s.backAt) > gdiProbeMaxAge {
		if err := s.blit(&s.bufs[back], disp, 0, disp.Height, now); err != nil {
			return nil, err
		}
	}
	s.front, s.haveFront, s.backFresh = back, true, false
	b := &s.bufs[s.front]
	s.frame = Frame{Width: b.w, Height: b.h, Stride: b.w * BytesPerPixel, Pix: b.pix}
	return &s.frame, nil
}

// probe grabs display cur (all of it when full, else the next band of
// rows) into the scratch buffer and reports whether it differs from the
// last frame. It runs on the capture thread, when the poll plan says so.
func (s *gdiState) probe(now time.Time, full bool) (changed bool, err error) {
	// Layout and desktop are checked once a second, not at every probe:
	// each is a handful of calls (round trips to wineserver under Wine),
	// and the stream re-reads the display list every 2 s anyway.
	if now.Sub(s.lastLayout) >= desktopCheckEvery {
		s.lastLayout = now
		if changed, err := s.layoutChanged(); changed || err != nil {
			return true, err
		}
		if s.follow() {
			s.haveFront = false
			return true, nil
		}
	}
	if !s.haveFront {
		// Nothing to compare with (first frame of this display, or the
		// desktop or layout changed): the caller must grab anyway.
		return true, nil
	}
	disp := s.displays[s.cur]
	// While active, probe the whole display: a changed probe is the frame
	// Grab returns next. While idle, probe one band of rows in turn (see
	// gdiBandBytes); a window or dialog opening usually spans several.
	y0, rows := 0, disp.Height
	if !full {
		n := idleBands(disp.Width, disp.Height)
		k := s.band % n
		s.band++
		y0 = k * disp.Height / n
		rows = (k+1)*disp.Height/n - y0
	}
	back := &s.bufs[1-s.front]
	if err := s.blit(back, disp, y0, rows, now); err != nil {
		return false, err
	}
	front := &s.bufs[s.front]
	stride := front.w * BytesPerPixel
	changed = !sameFrame(front.pix[y0*stride:], back.pix[y0*stride:], stride, stride, rows)
	if changed && full {
		s.backFresh, s.backAt = true, now
	}
	return changed, nil
}

// blit copies rows [y0, y0+rows) of display d into the same rows of b.
// When BitBlt fails, the input desktop may have changed (the secure desktop
// refuses a DC of the old one): follow it and try once more.
func (s *gdiState) blit(b *dib, d Display, y0, rows int, now time.Time) error {
	err := s.bitBlt(b, d, y0, rows)
	if err == nil {
		return nil
	}
	if !s.follow() {
		return err
	}
	s.haveFront = false
	if err := s.ensureBuffers(d.Width, d.Height); err != nil {
		return err
	}
	return s.bitBlt(b, d, y0, rows)
}

func (s *gdiState) bitBlt(b *dib, d Display, y0, rows int) error {
	r, _, err := procBitBlt.Call(uintptr(b.dc), 0, uintptr(y0), uintptr(d.Width), uintptr(rows),
		uintptr(s.screen), uintptr(d.X), uintptr(d.Y+y0), uintptr(s.rop))
	if r == 0 {
		return fmt.Errorf("capture: BitBlt %dx%d+%d+%d: %w", d.Width, rows, d.X, d.Y+y0, err)
	}
	// GDI may batch calls; the DIB bits are only final after a flush.
	procGdiFlush.Call()
	return nil
}

// ensureBuffers allocates both DIBs for w x h once; they are reused for
// every frame until the display size changes.
func (s *gdiState) ensureBuffers(w, h int) error {
	if s.bufs[0].w == w && s.bufs[0].h == h && s.bufs[0].dc != 0 && s.bufs[1].dc != 0 {
		return nil
	}
	s.freeBuffers()
	for i := range s.bufs {
		if err := s.bufs[i].alloc(s.screen, w, h); err != nil {
			s.freeBuffers()
			return err
		}
	}
	s.log.Debug("capture: DIB sections allocated", "width", w, "height", h)
	return nil
}

func (s *gdiState) freeBuffers() {
	for i := range s.bufs {
		s.bufs[i].free()
	}
	s.haveFront, s.backFresh = false, false
	s.frame = Frame{}
}

func (b *dib) alloc(screen windows.Handle, w, h int) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("capture: display of %dx%d", w, h)
	}
	dc, _, err := procCreateCompatibleDC.Call(uintptr(screen))
	if dc == 0 {
		return fmt.Errorf("capture: CreateCompatibleDC: %w", err)
	}
	// Negative height: top-down rows, the Frame layout.
	bi := bitmapInfoHeader{Width: int32(w), Height: -int32(h), Planes: 1, Bits: 32, Compression: biRGB}
	bi.Size = uint32(unsafe.Sizeof(bi))
	var bits unsafe.Pointer
	bmp, _, err := procCreateDIBSection.Call(dc, uintptr(unsafe.Pointer(&bi)), dibRGBColors,
		uintptr(unsafe.Pointer(&bits)), 0, 0)
	if bmp == 0 || bits == nil {
		procDeleteDC.Call(dc)
		return fmt.Errorf("capture: CreateDIBSection %dx%d: %w", w, h, err)
	}
	old, _, _ := procSelectObject.Call(dc, bmp)
	*b = dib{dc: windows.Handle(dc), bmp: windows.Handle(bmp), old: windows.Handle(old),
		pix: unsafe.Slice((*byte)(bits), w*h*BytesPerPixel), w: w, h: h}
	return nil
}

func (b *dib) free() {
	if b.dc == 0 {
		return
	}
	procSelectObject.Call(uintptr(b.dc), uintptr(b.old))
	procDeleteObject.Call(uintptr(b.bmp))
	procDeleteDC.Call(uintptr(b.dc))
	*b = dib{}
}

// release frees everything; it runs on the capture thread from Close.
func (s *gdiState) release() {
	s.freeBuffers()
	if s.screen != 0 {
		procReleaseDC.Call(0, uintptr(s.screen))
		s.screen = 0
	}
	s.desk.Close()
}
