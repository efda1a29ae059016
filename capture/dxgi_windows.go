package capture

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/tetherhq/tether/internal/winapi"
)

func init() {
	// Priority 100: Desktop Duplication gets frames from the compositor
	// with the damaged rectangles, costs no CPU while nothing changes, and
	// is Windows' fast path since 8. Open falls back to GDI where it is
	// missing (Windows 7, RDP sessions, no WDDM driver, Wine).
	register(BackendDXGI, 100, func(cfg *config) (Capturer, error) { return openDXGI(cfg) })
}

var (
	dxgiDLL                = windows.NewLazySystemDLL("dxgi.dll")
	d3d11DLL               = windows.NewLazySystemDLL("d3d11.dll")
	procCreateDXGIFactory1 = dxgiDLL.NewProc("CreateDXGIFactory1")
	procD3D11CreateDevice  = d3d11DLL.NewProc("D3D11CreateDevice")
)

// dxgiWaitSlice bounds one blocking AcquireNextFrame, so that Wait notices
// ctx and Close, and Close never waits long for the capture thread.
const dxgiWaitSlice = 50 * time.Millisecond

// dxgiFirstFrameTimeout is how long Grab waits for the first image of a new
// duplication (the compositor delivers it at once on an idle desktop).
const dxgiFirstFrameTimeout = 2 * time.Second

// dxgiCapturer is the Desktop Duplication backend. A display whose mode
// duplication refuses (rotated, DXGI_ERROR_UNSUPPORTED) is captured with
// GDI on the same thread instead, so one odd monitor does not cost the
// others the fast path.
type dxgiCapturer struct {
	*onThread
	st *dxgiState // owned by the capture thread
}

// dxgiOutput is one monitor as DXGI sees it.
type dxgiOutput struct {
	adapter, output unsafe.Pointer // IDXGIAdapter1, IDXGIOutput (owned)
	display         Display
}

type dxgiState struct {
	log        *slog.Logger
	desk       winapi.DesktopFollower
	lastFollow time.Time
	outputs    []dxgiOutput
	displays   []Display

	cur      int          // display of dup (or of the GDI fallback)
	dup      *duplication // nil until the first Grab, or after a loss
	gdi      *gdiState    // the fallback for displays that need it, opened on demand
	gdiPoll  poller       // its poll plan
	useGDI   map[Display]bool
	buf      []byte
	frame    Frame
	inputSeq uint64 // winapi.Injected.Seq() at the fallback's last check
}

func openDXGI(cfg *config) (*dxgiCapturer, error) {
	if err := findProcs(procCreateDXGIFactory1, procD3D11CreateDevice, procGetMonitorInfoW); err != nil {
		return nil, err
	}
	// DuplicateOutput1 wants a per-monitor DPI aware process, and
	// coordinates must be physical pixels anyway.
	if _, err := winapi.EnableDPIAwareness(); err != nil {
		cfg.Logger.Warn("capture: DPI awareness not set", "err", err)
	}
	c := &dxgiCapturer{st: &dxgiState{log: cfg.Logger.With("backend", BackendDXGI), useGDI: map[Display]bool{},
		inputSeq: winapi.Injected.Seq()}}
	var err error
	if c.onThread, err = startOnThread(c.st.open, c.st.release); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *dxgiCapturer) Name() string { return BackendDXGI }

// Displays implements [Capturer].
func (c *dxgiCapturer) Displays() ([]Display, error) {
	return c.displays(c.st.enumerate, &c.st.displays)
}

// Grab implements [Capturer]. The frame is a Go buffer that only Grab
// writes, so it stays valid across Wait calls until the next Grab.
func (c *dxgiCapturer) Grab(d int) (*Frame, error) {
	var f *Frame
	err := c.do(func() (err error) { f, err = c.st.grab(d); return err })
	return f, err
}

// DetectsChanges implements [ChangeDetector]: AcquireNextFrame returns
// with the desktop's next update.
func (c *dxgiCapturer) DetectsChanges() bool { return true }

// Wait implements [Capturer]: it blocks in AcquireNextFrame (no CPU while
// the desktop is idle) in slices of dxgiWaitSlice.
func (c *dxgiCapturer) Wait(ctx context.Context, timeout time.Duration) (bool, error) {
	if first, err := c.waitBegins(ctx); first || err != nil {
		return first, err
	}
	deadline := time.Now().Add(max(timeout, 0))
	force := timeout <= 0
	for {
		slice := min(time.Until(deadline), dxgiWaitSlice)
		var changed bool
		var next time.Time
		// Taken before the step, so that input injected during it still
		// wakes the sleep below.
		inputC := winapi.Injected.C()
		err := c.do(func() (err error) { changed, next, err = c.st.step(max(slice, 0), force); return err })
		if err != nil || changed {
			return changed, err
		}
		force = false
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case <-c.closing:
			return false, ErrClosed
		default:
		}
		now := time.Now()
		if !now.Before(deadline) {
			return false, nil
		}
		if wait := minTime(next, deadline).Sub(now); wait > 0 {
			// Only the GDI fallback asks to sleep; DXGI blocked already.
			// Injected input wakes it, as it wakes the GDI backend, so the
			// next step probes at the fast rate at once.
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return false, ctx.Err()
			case <-c.closing:
				t.Stop()
				return false, ErrClosed
			case <-inputC:
				t.Stop()
			case <-t.C:
			}
		}
	}
}

// open enumerates the outputs and duplicates the primary one: under Wine
// (no DuplicateOutput), on Windows 7 or in an RDP session this fails, and
// Open moves on to GDI.
func (s *dxgiState) open() error {
	s.follow()
	if err := s.enumerate(); err != nil {
		return err
	}
	s.cur = primary(s.displays)
	if _, err := s.grab(s.cur); err != nil {
		return err
	}
	if s.dup == nil {
		return errors.New("capture: primary display cannot be duplicated")
	}
	s.log.Debug("dxgi backend ready", "displays", len(s.displays), "desktop", s.desk.Name())
	return nil
}

func (s *dxgiState) follow() bool {
	s.lastFollow = time.Now()
	return followDesktop(&s.desk, s.log)
}

// enumerate lists the outputs attached to the desktop, on every adapter (a
// laptop's external monitor may hang off the discrete GPU). A fresh factory
// is made each time: an old one does not see adapter changes.
func (s *dxgiState) enumerate() error {
	var factory unsafe.Pointer
	r, _, _ := procCreateDXGIFactory1.Call(uintptr(unsafe.Pointer(&iidIDXGIFactory1)), uintptr(unsafe.Pointer(&factory)))
	if err := hr(r); err != nil {
		return fmt.Errorf("capture: CreateDXGIFactory1: %w", err)
	}
	defer comRelease(&factory)
	var outs []dxgiOutput
	for a := 0; ; a++ {
		var adapter unsafe.Pointer
		if hr(comCall(factory, vtFactory1EnumAdapters1, uintptr(a), uintptr(unsafe.Pointer(&adapter)))) != nil {
			break // DXGI_ERROR_NOT_FOUND: no more adapters
		}
		for o := 0; ; o++ {
			var output unsafe.Pointer
			if hr(comCall(adapter, vtAdapterEnumOutputs, uintptr(o), uintptr(unsafe.Pointer(&output)))) != nil {
				break
			}
			var desc dxgiOutputDesc
			if hr(comCall(output, vtOutputGetDesc, uintptr(unsafe.Pointer(&desc)))) != nil || desc.AttachedToDesktop == 0 {
				comRelease(&output)
				continue
			}
			comCall(adapter, vtAddRef) // each output keeps its adapter
			outs = append(outs, dxgiOutput{adapter: adapter, output: output, display: outputDisplay(len(outs), &desc)})
		}
		comRelease(&adapter)
	}
	if len(outs) == 0 {
		return errors.New("capture: DXGI lists no output attached to the desktop")
	}
	ds := make([]Display, len(outs))
	for i := range outs {
		ds[i] = outs[i].display
	}
	ensurePrimary(ds)
	for i := range outs {
		outs[i].display = ds[i]
	}
	var old Display
	if s.cur < len(s.displays) {
		old = s.displays[s.cur]
	}
	s.releaseOutputs()
	s.outputs, s.displays = outs, ds
	if s.cur >= len(ds) || !sameRect(ds[s.cur], old) {
		s.dropDuplication() // its output moved, changed mode or went away
		s.cur = min(s.cur, len(ds)-1)
	}
	return nil
}

func sameRect(a, b Display) bool {
	return a.X == b.X && a.Y == b.Y && a.Width == b.Width && a.Height == b.Height
}

func outputDisplay(id int, desc *dxgiOutputDesc) Display {
	r := desc.DesktopCoordinates
	d := Display{ID: id, Name: monitorName(desc.DeviceName[:]), X: int(r.Left), Y: int(r.Top),
		Width: int(r.Right - r.Left), Height: int(r.Bottom - r.Top)}
	mi := monitorInfoEx{Size: uint32(unsafe.Sizeof(monitorInfoEx{}))}
	if ok, _, _ := procGetMonitorInfoW.Call(desc.Monitor, uintptr(unsafe.Pointer(&mi))); ok != 0 {
		d.Primary = mi.Flags&monitorinfofPrimary != 0
	}
	return d
}

// grab returns display d, duplicating it first if needed.
func (s *dxgiState) grab(d int) (*Frame, error) {
	if d < 0 || d >= len(s.displays) {
		return nil, fmt.Errorf("capture: display %d out of range (have %d)", d, len(s.displays))
	}
	if d != s.cur {
		s.dropDuplication()
		s.cur = d
	}
	disp := s.displays[d]
	// Two rounds: taking the queued frame may find the duplication lost
	// (desktop switch, mode change); it is re-created once right away.
	for range 2 {
		if s.useGDI[disp] {
			return s.grabGDI(disp)
		}
		if err := s.ensureDuplication(); err != nil {
			if !errors.Is(err, errNeedsGDI) {
				return nil, err
			}
			s.log.Info("capture: display captured with GDI", "display", disp.Name, "reason", err)
			s.useGDI[disp] = true
			continue
		}
		// Take whatever the compositor has queued since the last Wait.
		if _, err := s.acquire(0); err != nil {
			return nil, err
		}
		if s.dup != nil {
			break
		}
	}
	if s.dup == nil {
		return nil, errors.New("capture: desktop duplication lost twice in a row")
	}
	need := s.dup.w * s.dup.h * BytesPerPixel
	if len(s.buf) != need {
		s.buf = make([]byte, need)
		s.dup.fullPending = true
	}
	if err := s.dup.read(s.buf); err != nil {
		return nil, err
	}
	s.frame = Frame{Width: s.dup.w, Height: s.dup.h, Stride: s.dup.w * BytesPerPixel, Pix: s.buf}
	return &s.frame, nil
}

// ensureDuplication duplicates the current display and waits for its
// first image.
func (s *dxgiState) ensureDuplication() error {
	if s.dup != nil {
		return nil
	}
	dup, err := newDuplication(&s.outputs[s.cur])
	if err != nil && s.follow() {
		dup, err = newDuplication(&s.outputs[s.cur]) // E_ACCESSDENIED after a desktop switch
	}
	if err != nil {
		return err
	}
	s.dup = dup
	deadline := time.Now().Add(dxgiFirstFrameTimeout)
	for !dup.haveImage {
		if _, err := dup.acquire(uint32(dxgiWaitSlice / time.Millisecond)); err != nil {
			s.dropDuplication()
			return err
		}
		if time.Now().After(deadline) {
			s.dropDuplication()
			return errors.New("capture: no desktop image from the duplication")
		}
	}
	s.buf = nil // a new size, or at least a full read: see grab
	return nil
}

// acquire wraps duplication.acquire with loss handling: after
// DXGI_ERROR_ACCESS_LOST (the secure desktop came up, the mode changed, a
// full-screen game took over) the duplication is dropped, the thread
// follows the input desktop, and a change is reported so that the caller
// grabs — which re-duplicates.
func (s *dxgiState) acquire(timeoutMs uint32) (bool, error) {
	changed, err := s.dup.acquire(timeoutMs)
	var h hresultError
	if err != nil && errors.As(err, &h) && uint32(h) == dxgiErrorAccessLost {
		s.log.Debug("capture: duplication lost, re-creating", "err", err)
		s.dropDuplication()
		s.follow()
		return true, nil
	}
	if err != nil && errors.Is(err, errNeedsGDI) {
		s.useGDI[s.displays[s.cur]] = true
		s.dropDuplication()
		return true, nil
	}
	return changed, err
}

// step is one slice of Wait on the capture thread.
func (s *dxgiState) step(slice time.Duration, force bool) (changed bool, next time.Time, err error) {
	disp := s.displays[s.cur]
	if s.useGDI[disp] {
		if err := s.ensureGDI(); err != nil {
			return false, time.Now(), err
		}
		s.gdi.cur = s.gdiIndex(disp)
		now := time.Now()
		// Injected input switches the fallback to the fast probe rate, as
		// it does the GDI backend's.
		injected := false
		if seq := winapi.Injected.Seq(); seq != s.inputSeq {
			s.inputSeq, injected = seq, true
		}
		if force || injected || s.gdiPoll.due(now) {
			if probe, full := s.gdiPoll.check(now, force, injected); probe {
				changed, err := s.gdi.probe(now, full)
				s.gdiPoll.probed(now, changed)
				return changed, s.gdiPoll.next, err
			}
		}
		return false, s.gdiPoll.next, nil
	}
	if s.dup == nil {
		return true, time.Now(), nil // lost: let Grab re-duplicate
	}
	if time.Since(s.lastFollow) >= desktopCheckEvery && s.follow() {
		s.dropDuplication()
		return true, time.Now(), nil
	}
	changed, err = s.acquire(uint32(slice / time.Millisecond))
	return changed, time.Now(), err
}

func (s *dxgiState) ensureGDI() error {
	if s.gdi != nil {
		return nil
	}
	g := &gdiState{log: s.log.With("fallback", BackendGDI)}
	if err := g.open(); err != nil {
		g.release()
		return err
	}
	s.gdi, s.gdiPoll = g, newPoller()
	return nil
}

// gdiIndex finds disp among GDI's monitors (the two APIs may order them
// differently).
func (s *dxgiState) gdiIndex(disp Display) int {
	for i, d := range s.gdi.displays {
		if sameRect(d, disp) {
			return i
		}
	}
	return 0
}

func (s *dxgiState) grabGDI(disp Display) (*Frame, error) {
	if err := s.ensureGDI(); err != nil {
		return nil, err
	}
	// A few GetSystemMetrics calls, not a monitor enumeration per frame:
	// the list gdiIndex searches changes only with the layout.
	if _, err := s.gdi.layoutChanged(); err != nil {
		return nil, err
	}
	return s.gdi.grab(s.gdiIndex(disp), time.Now())
}

func (s *dxgiState) dropDuplication() {
	if s.dup != nil {
		s.dup.release()
		s.dup = nil
	}
}

func (s *dxgiState) releaseOutputs() {
	for i := range s.outputs {
		comRelease(&s.outputs[i].output)
		comRelease(&s.outputs[i].adapter)
	}
	s.outputs = nil
}

// release runs on the capture thread from Close.
func (s *dxgiState) release() {
	s.dropDuplication()
	s.releaseOutputs()
	if s.gdi != nil {
		s.gdi.release()
	}
	s.desk.Close()
}
