package capture

import (
	"errors"
	"fmt"
	"unsafe"
)

// maxCopyRects is the number of damaged rectangles above which one
// CopyResource of the whole desktop is cheaper than a copy per rectangle.
const maxCopyRects = 64

// errNeedsGDI marks a duplication failure that will not go away by trying
// again in this display mode (a rotated output, a format we cannot read,
// DXGI_ERROR_UNSUPPORTED): the capturer switches that display to GDI.
var errNeedsGDI = errors.New("capture: display cannot be duplicated in this mode")

// duplication is the Desktop Duplication of one output: a D3D11 device on
// the output's adapter, the IDXGIOutputDuplication, and a CPU-readable
// staging texture that accumulates the damaged regions of each new desktop
// frame until Grab reads them.
type duplication struct {
	dev, ctx, dupl, staging unsafe.Pointer
	w, h                    int
	haveImage               bool   // staging holds a complete desktop image
	fullPending             bool   // Grab must read all of staging
	pending                 []Rect // else: the regions to read
	meta                    []byte // move/dirty rectangle buffer, reused
}

// newDuplication duplicates output o. DuplicateOutput1 (Windows 10 1703+)
// is preferred: per-monitor DPI aware processes (see
// winapi.EnableDPIAwareness) are expected to use it, and it lets us ask for
// BGRA even when the desktop is HDR. DuplicateOutput (Windows 8) is the
// fallback; it always delivers BGRA.
func newDuplication(o *dxgiOutput) (_ *duplication, err error) {
	d := &duplication{}
	defer func() {
		if err != nil {
			d.release()
		}
	}()
	var level uint32
	r, _, _ := procD3D11CreateDevice.Call(uintptr(o.adapter), d3dDriverTypeUnknown, 0, 0, 0, 0,
		d3d11SDKVersion, uintptr(unsafe.Pointer(&d.dev)), uintptr(unsafe.Pointer(&level)),
		uintptr(unsafe.Pointer(&d.ctx)))
	if err := hr(r); err != nil {
		return nil, fmt.Errorf("capture: D3D11CreateDevice: %w", err)
	}
	if d.dupl, err = duplicateOutput(o.output, d.dev); err != nil {
		return nil, err
	}
	var desc dxgiOutduplDesc
	comCall(d.dupl, vtDuplGetDesc, uintptr(unsafe.Pointer(&desc)))
	if r := desc.Rotation; r != dxgiModeRotationIdentity && r != dxgiModeRotationUnspecified {
		// The desktop image of a rotated output is in scan-out
		// orientation; GDI hands out the upright image instead.
		return nil, fmt.Errorf("%w: output rotated (DXGI_MODE_ROTATION %d)", errNeedsGDI, r)
	}
	d.w, d.h = int(desc.ModeDesc.Width), int(desc.ModeDesc.Height)
	return d, nil
}

// duplicateOutput tries DuplicateOutput1, then DuplicateOutput (also when
// the first fails: some drivers implement only the older call).
func duplicateOutput(output, dev unsafe.Pointer) (unsafe.Pointer, error) {
	var dupl unsafe.Pointer
	var err1 error
	if out5, err := comQuery(output, &iidIDXGIOutput5); err == nil {
		format := uint32(dxgiFormatB8G8R8A8Unorm)
		err1 = hr(comCall(out5, vtOutput5DuplicateOutput1, uintptr(dev), 0, 1,
			uintptr(unsafe.Pointer(&format)), uintptr(unsafe.Pointer(&dupl))))
		comRelease(&out5)
		if err1 == nil {
			return dupl, nil
		}
		err1 = fmt.Errorf("DuplicateOutput1: %w", err1)
	}
	out1, err := comQuery(output, &iidIDXGIOutput1)
	if err != nil {
		return nil, fmt.Errorf("capture: IDXGIOutput1 (Windows 8 or later needed): %w", err)
	}
	err = hr(comCall(out1, vtOutput1DuplicateOutput, uintptr(dev), uintptr(unsafe.Pointer(&dupl))))
	comRelease(&out1)
	switch {
	case err == nil:
		return dupl, nil
	case err1 != nil:
		return nil, duplicateError(fmt.Errorf("%w; DuplicateOutput: %w", err1, err))
	}
	return nil, duplicateError(fmt.Errorf("DuplicateOutput: %w", err))
}

// duplicateError classifies a DuplicateOutput failure: unsupported modes
// go to GDI, the rest (access denied on the secure desktop, too many
// duplications, a disconnected session) are worth retrying later.
func duplicateError(err error) error {
	var h hresultError
	if errors.As(err, &h) && uint32(h) == dxgiErrorUnsupported {
		return fmt.Errorf("%w: %w", errNeedsGDI, err)
	}
	return fmt.Errorf("capture: %w", err)
}

// acquire waits up to timeoutMs for a new desktop frame, copies its damaged
// regions into the staging texture and reports whether any pixel changed.
// DXGI_ERROR_ACCESS_LOST (desktop switch, mode change, full-screen app) is
// returned as is: the caller re-creates the duplication.
func (d *duplication) acquire(timeoutMs uint32) (bool, error) {
	var info dxgiOutduplFrameInfo
	var res unsafe.Pointer
	r := comCall(d.dupl, vtDuplAcquireNextFrame, uintptr(timeoutMs),
		uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&res)))
	if uint32(r) == dxgiErrorWaitTimeout {
		return false, nil
	}
	if err := hr(r); err != nil {
		return false, err
	}
	defer comCall(d.dupl, vtDuplReleaseFrame)
	defer comRelease(&res)
	if info.LastPresentTime == 0 && d.haveImage {
		return false, nil // only the pointer moved: the image is unchanged
	}
	tex, err := comQuery(res, &iidID3D11Texture2D)
	if err != nil {
		return false, fmt.Errorf("capture: desktop texture: %w", err)
	}
	defer comRelease(&tex)
	if err := d.ensureStaging(tex); err != nil {
		return false, err
	}
	rects, ok := d.frameRects(info.TotalMetadataBufferSize)
	if !d.haveImage || !ok || len(rects) > maxCopyRects {
		comCall(d.ctx, vtContextCopyResource, uintptr(d.staging), uintptr(tex))
		d.haveImage, d.fullPending, d.pending = true, true, d.pending[:0]
		return true, nil
	}
	for _, rc := range rects {
		box := d3d11Box{Left: uint32(rc.X), Top: uint32(rc.Y), Front: 0,
			Right: uint32(rc.X + rc.W), Bottom: uint32(rc.Y + rc.H), Back: 1}
		comCall(d.ctx, vtContextCopySubresourceRegion, uintptr(d.staging), 0,
			uintptr(rc.X), uintptr(rc.Y), 0, uintptr(tex), 0, uintptr(unsafe.Pointer(&box)))
		if !d.fullPending {
			d.pending = append(d.pending, rc)
		}
	}
	return len(rects) > 0, nil
}

// frameRects returns the frame's damage: the destination of each move
// (the desktop image already holds the moved pixels there) and each dirty
// rectangle, clipped to the output. ok is false when the metadata could not
// be read, and the caller copies everything.
func (d *duplication) frameRects(size uint32) (rects []Rect, ok bool) {
	if size == 0 {
		return nil, true
	}
	if cap(d.meta) < int(size) {
		d.meta = make([]byte, size)
	}
	buf := d.meta[:size]
	var used uint32
	if hr(comCall(d.dupl, vtDuplGetFrameMoveRects, uintptr(size),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)))) != nil {
		return nil, false
	}
	moveSize := unsafe.Sizeof(dxgiOutduplMoveRect{})
	for i := uintptr(0); i+moveSize <= uintptr(used); i += moveSize {
		m := (*dxgiOutduplMoveRect)(unsafe.Pointer(&buf[i]))
		rects = appendClipped(rects, m.DestinationRect, d.w, d.h)
	}
	if hr(comCall(d.dupl, vtDuplGetFrameDirtyRects, uintptr(size),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&used)))) != nil {
		return nil, false
	}
	rectSize := unsafe.Sizeof(winRect{})
	for i := uintptr(0); i+rectSize <= uintptr(used); i += rectSize {
		rects = appendClipped(rects, *(*winRect)(unsafe.Pointer(&buf[i])), d.w, d.h)
	}
	return rects, true
}

// ensureStaging creates the CPU-readable copy target once, in the format
// and size of the desktop texture.
func (d *duplication) ensureStaging(tex unsafe.Pointer) error {
	var td d3d11Texture2DDesc
	comCall(tex, vtTexture2DGetDesc, uintptr(unsafe.Pointer(&td)))
	if td.Format != dxgiFormatB8G8R8A8Unorm {
		return fmt.Errorf("%w: desktop format %d is not BGRA", errNeedsGDI, td.Format)
	}
	if d.staging != nil && int(td.Width) == d.w && int(td.Height) == d.h {
		return nil
	}
	comRelease(&d.staging)
	d.w, d.h, d.haveImage = int(td.Width), int(td.Height), false
	sd := d3d11Texture2DDesc{Width: td.Width, Height: td.Height, MipLevels: 1, ArraySize: 1,
		Format: td.Format, SampleCount: 1, Usage: d3d11UsageStaging, CPUAccessFlags: d3d11CPUAccessRead}
	if err := hr(comCall(d.dev, vtDeviceCreateTexture2D, uintptr(unsafe.Pointer(&sd)), 0,
		uintptr(unsafe.Pointer(&d.staging)))); err != nil {
		return fmt.Errorf("capture: staging texture %dx%d: %w", td.Width, td.Height, err)
	}
	return nil
}

// read copies what changed in staging since the last read into buf (packed
// BGRX rows of d.w pixels), which must hold d.w*d.h*4 bytes.
func (d *duplication) read(buf []byte) error {
	if !d.fullPending && len(d.pending) == 0 {
		return nil
	}
	var m d3d11MappedSubresource
	if err := hr(comCall(d.ctx, vtContextMap, uintptr(d.staging), 0, d3d11MapRead, 0,
		uintptr(unsafe.Pointer(&m)))); err != nil {
		return fmt.Errorf("capture: map staging texture: %w", err)
	}
	defer comCall(d.ctx, vtContextUnmap, uintptr(d.staging), 0)
	src := unsafe.Slice((*byte)(m.Data), int(m.RowPitch)*(d.h-1)+d.w*BytesPerPixel)
	if d.fullPending {
		copyRect(buf, d.w*BytesPerPixel, src, int(m.RowPitch), Rect{0, 0, d.w, d.h})
	} else {
		for _, r := range d.pending {
			copyRect(buf, d.w*BytesPerPixel, src, int(m.RowPitch), r)
		}
	}
	d.fullPending, d.pending = false, d.pending[:0]
	return nil
}

func (d *duplication) release() {
	comRelease(&d.staging)
	comRelease(&d.dupl)
	comRelease(&d.ctx)
	comRelease(&d.dev)
}
