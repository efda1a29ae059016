package capture

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// monitorEnum collects EnumDisplayMonitors results. Go can create only a
// bounded number of callbacks per process, so there is one, shared under a
// lock, instead of a closure per call.
var (
	monitorMu   sync.Mutex
	monitorList []windows.Handle
	monitorCB   = windows.NewCallback(func(hmon, hdc, rect, lparam uintptr) uintptr {
		monitorList = append(monitorList, windows.Handle(hmon))
		return 1 // continue
	})
)

// enumMonitors lists the monitors of the calling thread's desktop in
// virtual-desktop coordinates (the origin is the primary monitor's top-left
// corner; monitors left of or above it have negative coordinates).
// Coordinates are physical pixels because the process is per-monitor DPI
// aware (winapi.EnableDPIAwareness).
func enumMonitors() ([]Display, []windows.Handle, error) {
	monitorMu.Lock()
	monitorList = monitorList[:0]
	r, _, err := procEnumDisplayMonitors.Call(0, 0, monitorCB, 0)
	hmons := append([]windows.Handle(nil), monitorList...)
	monitorMu.Unlock()
	if r == 0 {
		return nil, nil, fmt.Errorf("capture: EnumDisplayMonitors: %w", err)
	}
	ds := make([]Display, 0, len(hmons))
	for _, h := range hmons {
		mi := monitorInfoEx{Size: uint32(unsafe.Sizeof(monitorInfoEx{}))}
		if r, _, err := procGetMonitorInfoW.Call(uintptr(h), uintptr(unsafe.Pointer(&mi))); r == 0 {
			return nil, nil, fmt.Errorf("capture: GetMonitorInfo: %w", err)
		}
		ds = append(ds, displayFromMonitor(len(ds), &mi))
	}
	if len(ds) == 0 {
		return nil, nil, errors.New("capture: no monitor attached to this desktop")
	}
	ensurePrimary(ds)
	return ds, hmons, nil
}

func displayFromMonitor(id int, mi *monitorInfoEx) Display {
	return Display{
		ID:   id,
		Name: monitorName(mi.Device[:]),
		X:    int(mi.Monitor.Left), Y: int(mi.Monitor.Top),
		Width:   int(mi.Monitor.Right - mi.Monitor.Left),
		Height:  int(mi.Monitor.Bottom - mi.Monitor.Top),
		Primary: mi.Flags&monitorinfofPrimary != 0,
	}
}

// monitorName turns `\\.\DISPLAY1` into "DISPLAY1".
func monitorName(dev []uint16) string {
	return strings.TrimPrefix(windows.UTF16ToString(dev), `\\.\`)
}

// ensurePrimary keeps the Display contract: exactly one primary.
func ensurePrimary(ds []Display) {
	seen := false
	for i := range ds {
		if ds[i].Primary {
			if seen {
				ds[i].Primary = false
			}
			seen = true
		}
	}
	if !seen && len(ds) > 0 {
		ds[0].Primary = true
	}
}
