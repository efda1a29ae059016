package stream

import (
	"context"
	"fmt"
	"time"

	"github.com/tetherhq/tether/capture"
)

const (
	// listEvery: how often the display list is re-read to notice monitors
	// plugged in or resolution changes the frames themselves do not show.
	listEvery = 2 * time.Second
	// refineAfter: idle time after which JPEG regions are re-sent
	// losslessly, refinePixels per frame so typing stays responsive.
	refineAfter  = 300 * time.Millisecond
	refinePixels = 512 * 512
	// retryEvery: how often to retry when there is nothing to capture.
	retryEvery = time.Second
)

// Run streams until ctx is done or Write fails. It sends the screen and
// state messages and a full frame first.
func (s *Sender) Run(ctx context.Context) error {
	defer s.releaseAll()
	if err := s.open(ctx, s.cfg.Display); err != nil {
		return err
	}
	s.mu.Lock()
	s.dirty = true // the viewer needs the initial state too
	s.mu.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		ev := s.takeEvents()
		if err := s.handleEvents(ctx, ev); err != nil {
			return err
		}
		var err error
		switch {
		case s.noDisplay:
			if err = s.sleep(ctx, retryEvery); err == nil {
				err = s.open(ctx, s.cur.ID)
			}
		case ev.state.Paused:
			err = s.sleep(ctx, time.Minute)
		case ev.inFlight >= ev.max:
			// Window full: do not grab; damage keeps accumulating in the
			// differ and goes out with the next frame.
			err = s.sleep(ctx, time.Second)
		case time.Until(s.nextFrame) > 0:
			err = s.sleep(ctx, time.Until(s.nextFrame))
		default:
			err = s.step(ctx, ev)
		}
		if err != nil {
			return err
		}
	}
}

func (s *Sender) handleEvents(ctx context.Context, ev events) error {
	if ev.sendState {
		if err := s.write(ctx, ev.state.Append(nil)); err != nil {
			return err
		}
	}
	if ev.cursor != nil {
		if err := s.write(ctx, ev.cursor.Append(nil)); err != nil {
			return err
		}
	}
	if ev.sel >= 0 && ev.sel != s.cur.ID {
		if err := s.open(ctx, ev.sel); err != nil {
			return err
		}
	}
	if ev.refresh {
		s.full = true
	}
	if s.enc == nil {
		return nil // nothing opened yet
	}
	if ev.quality == 0 {
		s.enc.Lossless, s.enc.Quality = true, DefaultJPEGQuality
	} else {
		s.enc.Lossless, s.enc.Quality = false, ev.quality
	}
	return nil
}

// step waits for damage, grabs and sends one frame.
func (s *Sender) step(ctx context.Context, ev events) error {
	if !s.full {
		timeout, long := s.waitTimeout(time.Now(), ev.interval)
		changed, err := s.waitSource(ctx, timeout, long)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("stream: capture wait: %w", err)
		}
		if !changed {
			return s.idle(ctx)
		}
	}
	f, err := s.cfg.Source.Grab(s.cur.ID)
	if err != nil {
		s.log.Warn("stream: grab failed", "display", s.cur.ID, "err", err)
		s.setNoDisplay(true)
		return nil
	}
	if w, h := s.enc.Size(); f.Width != w || f.Height != h {
		return s.open(ctx, s.cur.ID) // resolution changed
	}
	return s.sendGrabbed(ctx, f)
}

// sendGrabbed diffs f and sends what changed (everything when s.full).
func (s *Sender) sendGrabbed(ctx context.Context, f *capture.Frame) error {
	at := time.Now()
	damage := s.cfg.Differ.Diff(f)
	if !s.full && len(damage) == 0 {
		return nil
	}
	s.mu.Lock()
	seq := s.flow.lastSent + 1
	s.mu.Unlock()
	msg, st, err := s.enc.Encode(s.buf[:0], f, damage, s.full, seq, uint64(at.UnixMicro()))
	if err != nil {
		return err
	}
	s.buf = msg[:0]
	if st.Pixels == 0 {
		return nil // damage without a visible change
	}
	s.full = false
	return s.sendFrame(ctx, msg, seq, at, st)
}

func (s *Sender) sendFrame(ctx context.Context, msg []byte, seq uint32, at time.Time, st EncodeStats) error {
	s.mu.Lock()
	s.flow.sent(seq, at, len(msg), st.Bytes[CodecJPEG]+st.Bytes[CodecJPEGHalf])
	iv := s.flow.interval
	s.mu.Unlock()
	s.lastFrame = time.Now()
	s.nextFrame = at.Add(iv)
	return s.write(ctx, msg)
}

// idle runs when the screen did not change: re-check the display list now
// and then, and sharpen JPEG regions once things settle.
func (s *Sender) idle(ctx context.Context) error {
	if time.Since(s.lastList) > listEvery {
		s.lastList = time.Now()
		ds, err := s.cfg.Source.Displays()
		if err == nil && !sameDisplays(ds, s.displays) {
			s.log.Info("stream: display layout changed", "displays", len(ds))
			return s.open(ctx, s.cur.ID)
		}
	}
	if time.Since(s.lastFrame) < refineAfter {
		return nil
	}
	at := time.Now()
	s.mu.Lock()
	seq := s.flow.lastSent + 1
	s.mu.Unlock()
	msg, st, ok, err := s.enc.EncodeRefine(s.buf[:0], refinePixels, seq, uint64(at.UnixMicro()))
	if err != nil || !ok {
		return err
	}
	s.buf = msg[:0]
	return s.sendFrame(ctx, msg, seq, at, st)
}

// open (re)starts streaming display id (or the primary one if it is gone):
// it re-reads the display list, sends a screen message and a full frame.
func (s *Sender) open(ctx context.Context, id int) error {
	s.lastList = time.Now()
	ds, err := s.cfg.Source.Displays()
	if err != nil || len(ds) == 0 {
		s.cur.ID = id // retry the same one
		s.log.Warn("stream: no display to capture", "err", err)
		s.setNoDisplay(true)
		return nil
	}
	cur, idx := pickDisplay(ds, id)
	f, err := s.cfg.Source.Grab(cur.ID)
	if err != nil {
		s.cur.ID = cur.ID
		s.log.Warn("stream: grab failed", "display", cur.ID, "err", err)
		s.setNoDisplay(true)
		return nil
	}
	if s.enc == nil {
		s.enc, err = NewEncoder(f.Width, f.Height)
	} else {
		err = s.enc.Reset(f.Width, f.Height)
	}
	if err != nil {
		return err
	}
	s.displays, s.cur, s.full = ds, cur, true
	s.mu.Lock()
	s.origin = cur
	s.mu.Unlock()
	s.setNoDisplay(false)
	s.cfg.Differ.Reset()
	scr := Screen{Version: Version, Current: idx, Width: f.Width, Height: f.Height, Displays: ds}
	if err := s.write(ctx, scr.Append(nil)); err != nil {
		return err
	}
	s.log.Debug("stream: streaming display", "id", cur.ID, "name", cur.Name, "w", f.Width, "h", f.Height)
	return s.sendGrabbed(ctx, f)
}

func pickDisplay(ds []capture.Display, id int) (capture.Display, int) {
	if len(ds) > MaxDisplays {
		ds = ds[:MaxDisplays]
	}
	prim := 0
	for i, d := range ds {
		if d.ID == id {
			return d, i
		}
		if d.Primary {
			prim = i
		}
	}
	return ds[prim], prim
}

func (s *Sender) setNoDisplay(v bool) {
	s.noDisplay = v
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state.NoDisplay != v {
		s.state.NoDisplay, s.dirty = v, true
	}
}
