package capture

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/damage"
	"github.com/jezek/xgb/shm"
	"github.com/jezek/xgb/xproto"
	"golang.org/x/sys/unix"

	"github.com/tetherhq/tether/internal/x11"
)

func init() {
	// Priority 100: MIT-SHM is ~80x faster than the screenshot fallback, so
	// it is always tried first on Linux.
	register(BackendXShm, 100, func(cfg *config) (Capturer, error) { return openXShm(cfg) })
}

// xshmCapturer is the X11 backend: one persistent MIT-SHM segment that the
// server fills with shm.GetImage, RandR for the monitor layout and XDamage
// as the change trigger for Wait.
type xshmCapturer struct {
	conn *xgb.Conn
	root xproto.Window
	log  *slog.Logger

	// mu serialises Grab/Displays against Close so that Close never unmaps
	// the segment while the server is writing into it for a Grab.
	mu       sync.Mutex
	closed   bool
	seg      shm.Seg
	segAlive bool   // seg is attached on the server side
	buf      []byte // our mapping of the segment; len = segment size
	rootW    int
	rootH    int
	displays []Display
	frame    Frame

	// randrMinor is the negotiated RandR 1.x minor version, -1 without RandR.
	randrMinor int

	// Change notification state, fed by eventLoop.
	damage        damage.Damage
	hasDamage     bool
	dirty         chan struct{} // capacity 1: "something changed since the last Wait"
	layoutChanged atomic.Bool   // RandR/ConfigureNotify seen: refresh before the next Grab
	done          chan struct{} // closed when eventLoop returns (connection gone)
	closing       chan struct{} // closed by Close to abort Wait
	closeOnce     sync.Once
}

// openXShm connects to the X server and sets everything up; any failure is
// returned so that Open can fall back to the portable backend.
func openXShm(cfg *config) (_ *xshmCapturer, err error) {
	conn, err := x11.Dial(cfg.Display, cfg.XAuthority)
	if err != nil {
		return nil, err
	}
	screen := xproto.Setup(conn).DefaultScreen(conn)
	x := &xshmCapturer{
		conn:    conn,
		root:    screen.Root,
		log:     cfg.Logger.With("backend", BackendXShm),
		dirty:   make(chan struct{}, 1),
		done:    make(chan struct{}),
		closing: make(chan struct{}),
	}
	// xgb blocks its reader goroutine (and therefore every Reply) when its
	// event queue is full, so events must be drained from the very start.
	go x.eventLoop()
	defer func() {
		if err != nil {
			x.Close()
		}
	}()

	if err := shm.Init(conn); err != nil {
		return nil, fmt.Errorf("MIT-SHM extension unavailable: %w", err)
	}
	if err := checkPixelFormat(conn, screen); err != nil {
		return nil, err
	}
	x.initRandR()
	if _, err := x.refreshLayout(); err != nil {
		return nil, err
	}
	// A real attach is the only reliable test for a remote or sandboxed X
	// server: the extension is advertised there too, but attach fails.
	if err := x.ensureSegment(); err != nil {
		return nil, err
	}
	x.initNotifications()
	// The caller has not seen the screen yet: the first Wait must say
	// "changed" so that a loop that only grabs on change sends a key frame.
	x.markDirty()
	return x, nil
}

func (x *xshmCapturer) Name() string { return BackendXShm }

// Displays implements [Capturer].
func (x *xshmCapturer) Displays() ([]Display, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.usable(); err != nil {
		return nil, err
	}
	ds, err := x.refreshLayout()
	if err != nil {
		return nil, err
	}
	if err := x.ensureSegment(); err != nil {
		return nil, err
	}
	return append([]Display(nil), ds...), nil
}

// Grab implements [Capturer]. The returned frame aliases the shared-memory
// segment: no copy is made, which is what makes a 1080p grab sub-millisecond.
func (x *xshmCapturer) Grab(d int) (*Frame, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.usable(); err != nil {
		return nil, err
	}
	if x.layoutChanged.Swap(false) {
		if err := x.relayout(); err != nil {
			return nil, err
		}
	}
	f, err := x.grabLocked(d)
	if err == nil {
		return f, nil
	}
	// The screen may have been resized between our last layout query and
	// this request (the server then answers BadMatch); refresh and retry
	// once before reporting the failure.
	if uerr := x.usable(); uerr != nil {
		return nil, errors.Join(err, uerr)
	}
	x.log.Debug("grab failed, refreshing layout and retrying", "err", err)
	if rerr := x.relayout(); rerr != nil {
		return nil, errors.Join(err, rerr)
	}
	return x.grabLocked(d)
}

// errConnLost reports that the X server went away; the wrapped ErrClosed
// tells the caller to Close and re-Open.
var errConnLost = fmt.Errorf("capture: X connection lost: %w", ErrClosed)

// usable returns ErrClosed after Close and errConnLost once the connection
// died, so that callers get one recognisable error instead of I/O noise.
func (x *xshmCapturer) usable() error {
	if x.closed {
		return ErrClosed
	}
	select {
	case <-x.done:
		return errConnLost
	default:
		return nil
	}
}

func (x *xshmCapturer) relayout() error {
	if _, err := x.refreshLayout(); err != nil {
		return err
	}
	return x.ensureSegment()
}

func (x *xshmCapturer) grabLocked(d int) (*Frame, error) {
	if d < 0 || d >= len(x.displays) {
		return nil, fmt.Errorf("capture: display %d out of range (have %d)", d, len(x.displays))
	}
	disp := x.displays[d]
	size := disp.Width * disp.Height * BytesPerPixel
	if size > len(x.buf) {
		return nil, fmt.Errorf("capture: display %d (%dx%d) larger than segment (%d bytes)",
			d, disp.Width, disp.Height, len(x.buf))
	}
	reply, err := shm.GetImage(x.conn, xproto.Drawable(x.root),
		int16(disp.X), int16(disp.Y), uint16(disp.Width), uint16(disp.Height),
		0xffffffff, xproto.ImageFormatZPixmap, x.seg, 0).Reply()
	if err != nil {
		return nil, fmt.Errorf("capture: shm GetImage %dx%d+%d+%d: %w",
			disp.Width, disp.Height, disp.X, disp.Y, err)
	}
	if int(reply.Size) != size {
		return nil, fmt.Errorf("capture: shm GetImage returned %d bytes, want %d", reply.Size, size)
	}
	// ZPixmap rows at 32 bpp with 32-bit scanline padding are packed.
	x.frame = Frame{Width: disp.Width, Height: disp.Height, Stride: disp.Width * BytesPerPixel, Pix: x.buf[:size:size]}
	return &x.frame, nil
}

// ensureSegment makes sure the shared segment matches the root window size,
// re-creating it when the screen was resized so that every display fits and
// no memory is wasted after a shrink.
func (x *xshmCapturer) ensureSegment() error {
	need := x.rootW * x.rootH * BytesPerPixel
	if x.segAlive && len(x.buf) == need {
		return nil
	}
	x.releaseSegment()
	if need == 0 {
		return errors.New("capture: root window has zero size")
	}
	// 0600: the segment holds screen contents; other local users must not
	// be able to attach to it. The server authorises the attach with our
	// uid (SO_PEERCRED), so it does not need wider permissions.
	id, err := unix.SysvShmGet(unix.IPC_PRIVATE, need, unix.IPC_CREAT|unix.IPC_EXCL|0o600)
	if err != nil {
		return fmt.Errorf("capture: shmget %d bytes: %w", need, err)
	}
	// Mark for removal once both sides are attached (or right now on
	// failure) so that a crash never leaks a screen-sized segment.
	defer func() { _, _ = unix.SysvShmCtl(id, unix.IPC_RMID, nil) }()

	buf, err := unix.SysvShmAttach(id, 0, 0)
	if err != nil {
		return fmt.Errorf("capture: shmat: %w", err)
	}
	seg, err := shm.NewSegId(x.conn)
	if err != nil {
		_ = unix.SysvShmDetach(buf)
		return fmt.Errorf("capture: allocate shm segment id: %w", err)
	}
	// Checked: a remote server (or one in another IPC namespace) fails
	// here, which is how Open detects that the fast path cannot work.
	if err := shm.AttachChecked(x.conn, seg, uint32(id), false).Check(); err != nil {
		_ = unix.SysvShmDetach(buf)
		return fmt.Errorf("capture: X server cannot attach shared memory (remote display?): %w", err)
	}
	x.seg, x.buf, x.segAlive = seg, buf, true
	x.log.Debug("shm segment attached", "bytes", need, "width", x.rootW, "height", x.rootH)
	return nil
}

// releaseSegment detaches the current segment on both sides, if any.
func (x *xshmCapturer) releaseSegment() {
	if !x.segAlive {
		return
	}
	// Unchecked: on a dead connection there is nobody to tell, and the
	// server drops the attachment itself when the client goes away.
	shm.Detach(x.conn, x.seg)
	if err := unix.SysvShmDetach(x.buf); err != nil {
		x.log.Warn("shmdt failed", "err", err)
	}
	x.buf, x.segAlive = nil, false
	x.frame = Frame{}
}

// Close implements [Capturer].
func (x *xshmCapturer) Close() error {
	x.closeOnce.Do(func() {
		// Wake a pending Wait first: it does not hold mu.
		close(x.closing)
		x.mu.Lock()
		defer x.mu.Unlock()
		x.closed = true
		x.releaseSegment()
		x.conn.Close()
	})
	return nil
}
