package capture

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// Win32 entry points of the GDI backend, loaded lazily so that the agent
// builds without cgo and starts on any Windows version.
var (
	user32 = windows.NewLazySystemDLL("user32.dll")
	gdi32  = windows.NewLazySystemDLL("gdi32.dll")
	dwmapi = windows.NewLazySystemDLL("dwmapi.dll")

	procGetDC               = user32.NewProc("GetDC")
	procReleaseDC           = user32.NewProc("ReleaseDC")
	procEnumDisplayMonitors = user32.NewProc("EnumDisplayMonitors")
	procGetMonitorInfoW     = user32.NewProc("GetMonitorInfoW")
	procGetSystemMetrics    = user32.NewProc("GetSystemMetrics")
	procGetCursorInfo       = user32.NewProc("GetCursorInfo")
	procGetLastInputInfo    = user32.NewProc("GetLastInputInfo")
	procGetForegroundWindow = user32.NewProc("GetForegroundWindow")

	procCreateCompatibleDC = gdi32.NewProc("CreateCompatibleDC")
	procCreateDIBSection   = gdi32.NewProc("CreateDIBSection")
	procSelectObject       = gdi32.NewProc("SelectObject")
	procDeleteObject       = gdi32.NewProc("DeleteObject")
	procDeleteDC           = gdi32.NewProc("DeleteDC")
	procBitBlt             = gdi32.NewProc("BitBlt")
	procGdiFlush           = gdi32.NewProc("GdiFlush")

	procDwmIsCompositionEnabled = dwmapi.NewProc("DwmIsCompositionEnabled")
)

const (
	srccopy    = 0x00CC0020
	captureblt = 0x40000000

	smXVirtualScreen  = 76
	smYVirtualScreen  = 77
	smCXVirtualScreen = 78
	smCYVirtualScreen = 79
	smCMonitors       = 80

	monitorinfofPrimary = 1
	dibRGBColors        = 0
	biRGB               = 0
)

func systemMetric(i uintptr) int {
	r, _, _ := procGetSystemMetrics.Call(i)
	return int(int32(r))
}

// findProcs resolves procs now, so that Open fails (and falls back) on a
// system that lacks one instead of the first Grab panicking.
func findProcs(ps ...*windows.LazyProc) error {
	for _, p := range ps {
		if err := p.Find(); err != nil {
			return fmt.Errorf("capture: %s: %w", p.Name, err)
		}
	}
	return nil
}

// virtualScreen is the layout fingerprint the GDI backend polls: a monitor
// plugged in or a resolution change alters at least one of these.
type virtualScreen struct{ x, y, w, h, monitors int }

func currentVirtualScreen() virtualScreen {
	return virtualScreen{systemMetric(smXVirtualScreen), systemMetric(smYVirtualScreen),
		systemMetric(smCXVirtualScreen), systemMetric(smCYVirtualScreen), systemMetric(smCMonitors)}
}
