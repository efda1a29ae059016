package winapi

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	shcore = windows.NewLazySystemDLL("shcore.dll")

	procSetProcessDpiAwarenessContext               = user32.NewProc("SetProcessDpiAwarenessContext")
	procGetThreadDpiAwarenessContext                = user32.NewProc("GetThreadDpiAwarenessContext")
	procGetAwarenessFromDpiAwarenessContext         = user32.NewProc("GetAwarenessFromDpiAwarenessContext")
	procSetProcessDPIAware                          = user32.NewProc("SetProcessDPIAware")
	procSetProcessDpiAwareness                      = shcore.NewProc("SetProcessDpiAwareness")
	procGetProcessDpiAwareness                      = shcore.NewProc("GetProcessDpiAwareness")
	procIsProcessDPIAware                           = user32.NewProc("IsProcessDPIAware")
	dpiAwarenessContextPerMonitorAwareV2            = ^uintptr(3) // (DPI_AWARENESS_CONTEXT)-4
	dpiAwarenessContextPerMonitorAware              = ^uintptr(2) // (DPI_AWARENESS_CONTEXT)-3
	processPerMonitorDPIAware               uintptr = 2           // PROCESS_PER_MONITOR_DPI_AWARE
)

// DPIAwareness is the process's DPI awareness, as Windows reports it.
type DPIAwareness int

// DPI awareness levels (the DPI_AWARENESS enum, plus Unknown when the
// system has no API to ask).
const (
	DPIUnknown DPIAwareness = iota - 1
	DPIUnaware
	DPISystemAware
	DPIPerMonitorAware
)

func (a DPIAwareness) String() string {
	switch a {
	case DPIUnaware:
		return "unaware"
	case DPISystemAware:
		return "system"
	case DPIPerMonitorAware:
		return "per-monitor"
	}
	return "unknown"
}

var (
	dpiOnce   sync.Once
	dpiResult DPIAwareness
	dpiErr    error
)

// EnableDPIAwareness makes the process per-monitor DPI aware, once, and
// returns the awareness in effect afterwards.
//
// Why: a DPI-unaware process sees a virtualised desktop — GetSystemMetrics,
// EnumDisplayMonitors and BitBlt of the screen work in scaled "logical"
// pixels on a 150 % monitor, so frames are blurry and mouse coordinates
// from the viewer land in the wrong place. Per-monitor awareness (v2 on
// Windows 10 1703+, then v1 on 8.1, then system awareness on Vista) makes
// every coordinate a physical pixel, the space capture and input share.
//
// Awareness can be set once per process (a manifest counts): a call that
// finds it already set is not an error; the current value is returned.
func EnableDPIAwareness() (DPIAwareness, error) {
	dpiOnce.Do(func() { dpiResult, dpiErr = enableDPIAwareness() })
	return dpiResult, dpiErr
}

func enableDPIAwareness() (DPIAwareness, error) {
	var errs []error
	if procSetProcessDpiAwarenessContext.Find() == nil {
		for _, ctx := range []uintptr{dpiAwarenessContextPerMonitorAwareV2, dpiAwarenessContextPerMonitorAware} {
			r, _, err := procSetProcessDpiAwarenessContext.Call(ctx)
			if r != 0 || errors.Is(err, windows.ERROR_ACCESS_DENIED) {
				// ACCESS_DENIED: already set (manifest or an earlier call).
				return currentDPIAwareness(), nil
			}
			// ERROR_INVALID_PARAMETER: this Windows (or Wine) does not
			// know v2; try the next one.
			errs = append(errs, fmt.Errorf("SetProcessDpiAwarenessContext(%d): %w", int(ctx), err))
		}
	}
	if procSetProcessDpiAwareness.Find() == nil {
		hr, _, _ := procSetProcessDpiAwareness.Call(processPerMonitorDPIAware)
		const eAccessDenied = 0x80070005
		if hr == 0 || uint32(hr) == eAccessDenied {
			return currentDPIAwareness(), nil
		}
		errs = append(errs, fmt.Errorf("SetProcessDpiAwareness: HRESULT %#x", uint32(hr)))
	}
	if procSetProcessDPIAware.Find() == nil {
		if r, _, err := procSetProcessDPIAware.Call(); r != 0 {
			return currentDPIAwareness(), nil
		} else {
			errs = append(errs, fmt.Errorf("SetProcessDPIAware: %w", err))
		}
	}
	return currentDPIAwareness(), fmt.Errorf("winapi: cannot make the process DPI aware: %w", errors.Join(errs...))
}

// currentDPIAwareness asks Windows with the newest API it has.
func currentDPIAwareness() DPIAwareness {
	if procGetThreadDpiAwarenessContext.Find() == nil && procGetAwarenessFromDpiAwarenessContext.Find() == nil {
		ctx, _, _ := procGetThreadDpiAwarenessContext.Call()
		a, _, _ := procGetAwarenessFromDpiAwarenessContext.Call(ctx)
		return DPIAwareness(int32(a))
	}
	if procGetProcessDpiAwareness.Find() == nil {
		var a int32
		if hr, _, _ := procGetProcessDpiAwareness.Call(0, uintptr(unsafe.Pointer(&a))); hr == 0 {
			return DPIAwareness(a)
		}
	}
	if procIsProcessDPIAware.Find() == nil {
		if r, _, _ := procIsProcessDPIAware.Call(); r != 0 {
			return DPISystemAware
		}
		return DPIUnaware
	}
	return DPIUnknown
}
