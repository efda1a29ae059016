package capture

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/randr"
	"github.com/jezek/xgb/xproto"
)

// checkPixelFormat accepts only what [Frame] promises: 32 bits per pixel,
// little-endian, 8-bit R/G/B channels at the usual positions. Anything else
// (depth 16, 30-bit deep colour, big-endian server) would need a conversion,
// so the xshm backend refuses it and Open falls back to the screenshot one.
func checkPixelFormat(conn *xgb.Conn, screen *xproto.ScreenInfo) error {
	setup := xproto.Setup(conn)
	if setup.ImageByteOrder != xproto.ImageOrderLSBFirst {
		return fmt.Errorf("capture: X server uses big-endian images, unsupported by %s", BackendXShm)
	}
	if screen.RootDepth != 24 && screen.RootDepth != 32 {
		return fmt.Errorf("capture: root depth %d unsupported by %s", screen.RootDepth, BackendXShm)
	}
	bpp := 0
	for _, f := range setup.PixmapFormats {
		if f.Depth == screen.RootDepth {
			bpp = int(f.BitsPerPixel)
		}
	}
	if bpp != 32 {
		return fmt.Errorf("capture: depth %d uses %d bits per pixel, want 32", screen.RootDepth, bpp)
	}
	for _, d := range screen.AllowedDepths {
		for _, v := range d.Visuals {
			if v.VisualId != screen.RootVisual {
				continue
			}
			if v.RedMask != 0xff0000 || v.GreenMask != 0xff00 || v.BlueMask != 0xff {
				return fmt.Errorf("capture: root visual masks %#x/%#x/%#x unsupported",
					v.RedMask, v.GreenMask, v.BlueMask)
			}
			return nil
		}
	}
	return fmt.Errorf("capture: root visual %#x not found in setup", screen.RootVisual)
}

// refreshLayout re-reads the root size and the monitor list into x. It never
// fails because of RandR: without it (Xinerama-less or old servers) the whole
// root window is reported as one display.
func (x *xshmCapturer) refreshLayout() ([]Display, error) {
	geom, err := xproto.GetGeometry(x.conn, xproto.Drawable(x.root)).Reply()
	if err != nil {
		return nil, fmt.Errorf("capture: query root window geometry: %w", err)
	}
	x.rootW, x.rootH = int(geom.Width), int(geom.Height)

	ds, err := x.randrMonitors()
	if err != nil {
		x.log.Debug("RandR monitor query failed, using the root window", "err", err)
	}
	ds = normalizeDisplays(ds, x.rootW, x.rootH)
	if len(ds) == 0 {
		ds = []Display{{Name: "screen", Width: x.rootW, Height: x.rootH, Primary: true}}
	}
	x.displays = ds
	return ds, nil
}

// randrMonitors lists monitors through RandR 1.5 GetMonitors, which also
// covers user-defined monitors (xrandr --setmonitor), or through the 1.2
// CRTC list on older servers. It returns nil, nil when RandR is absent.
func (x *xshmCapturer) randrMonitors() ([]Display, error) {
	switch {
	case x.randrMinor >= 5:
		return x.randrGetMonitors()
	case x.randrMinor >= 3:
		return x.randrCrtcs()
	}
	return nil, nil // no usable RandR: caller falls back to the root window
}

func (x *xshmCapturer) randrGetMonitors() ([]Display, error) {
	reply, err := randr.GetMonitors(x.conn, x.root, true).Reply()
	if err != nil {
		return nil, fmt.Errorf("RandR GetMonitors: %w", err)
	}
	ds := make([]Display, 0, len(reply.Monitors))
	for _, m := range reply.Monitors {
		name := ""
		if a, err := xproto.GetAtomName(x.conn, m.Name).Reply(); err == nil {
			name = a.Name
		}
		ds = append(ds, Display{Name: name, X: int(m.X), Y: int(m.Y),
			Width: int(m.Width), Height: int(m.Height), Primary: m.Primary})
	}
	return ds, nil
}

// randrCrtcs is the RandR 1.3 path: one display per active CRTC, named after
// its first output.
func (x *xshmCapturer) randrCrtcs() ([]Display, error) {
	res, err := randr.GetScreenResourcesCurrent(x.conn, x.root).Reply()
	if err != nil {
		return nil, fmt.Errorf("RandR GetScreenResourcesCurrent: %w", err)
	}
	var primary randr.Output
	if p, err := randr.GetOutputPrimary(x.conn, x.root).Reply(); err == nil {
		primary = p.Output
	}
	var ds []Display
	for _, crtc := range res.Crtcs {
		info, err := randr.GetCrtcInfo(x.conn, crtc, res.ConfigTimestamp).Reply()
		if err != nil {
			return nil, fmt.Errorf("RandR GetCrtcInfo: %w", err)
		}
		if info.Mode == 0 || info.Width == 0 || info.Height == 0 {
			continue // disabled CRTC
		}
		d := Display{X: int(info.X), Y: int(info.Y), Width: int(info.Width), Height: int(info.Height)}
		if len(info.Outputs) > 0 {
			d.Primary = primary != 0 && slices.Contains(info.Outputs, primary)
			if o, err := randr.GetOutputInfo(x.conn, info.Outputs[0], res.ConfigTimestamp).Reply(); err == nil {
				d.Name = string(o.Name)
			}
		}
		ds = append(ds, d)
	}
	return ds, nil
}

// normalizeDisplays clips monitors to the root window (a resize may be in
// flight), drops empty and duplicate (mirrored) ones, orders them primary
// first then left-to-right, top-to-bottom — the order the screenshot backend
// (Xinerama) uses, so both backends agree on IDs — and assigns dense IDs.
func normalizeDisplays(in []Display, rootW, rootH int) []Display {
	out := make([]Display, 0, len(in))
	for _, d := range in {
		x0, y0 := max(d.X, 0), max(d.Y, 0)
		x1, y1 := min(d.X+d.Width, rootW), min(d.Y+d.Height, rootH)
		if x1 <= x0 || y1 <= y0 {
			continue
		}
		d.X, d.Y, d.Width, d.Height = x0, y0, x1-x0, y1-y0
		dup := slices.ContainsFunc(out, func(o Display) bool {
			return o.X == d.X && o.Y == d.Y && o.Width == d.Width && o.Height == d.Height
		})
		if !dup {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b Display) int {
		if a.Primary != b.Primary {
			if a.Primary {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Y, b.Y), cmp.Compare(a.X, b.X))
	})
	seenPrimary := false
	for i := range out {
		out[i].ID = i
		if out[i].Name == "" {
			out[i].Name = fmt.Sprintf("display%d", i)
		}
		// Exactly one primary, as documented on Display.
		out[i].Primary = out[i].Primary && !seenPrimary
		seenPrimary = seenPrimary || out[i].Primary
	}
	if len(out) > 0 && !seenPrimary {
		out[0].Primary = true
	}
	return out
}
