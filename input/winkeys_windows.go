package input

import "unsafe"

var (
	procMapVirtualKeyExW         = user32.NewProc("MapVirtualKeyExW")
	procGetKeyboardLayout        = user32.NewProc("GetKeyboardLayout")
	procGetForegroundWindow      = user32.NewProc("GetForegroundWindow")
	procGetWindowThreadProcessId = user32.NewProc("GetWindowThreadProcessId")
)

const (
	mapvkVscToVkEx = 3 // MAPVK_VSC_TO_VK_EX: scan code (0xE0xx for extended) to left/right-distinct VK
	vkPause        = 0x13
	vkNumLock      = 0x90
)

// winKeyEvent builds the key-down event for a table row: by scan code, so
// the key is the physical one under any layout, with the virtual key filled
// in too (Wine needs it, see winVK). Pause and NumLock share scan code 0x45
// (Pause really sends E1 1D 45), so those two go by virtual key alone.
func winKeyEvent(d *keyDef) (keybdInput, bool) {
	switch d.code {
	case "Pause":
		return keybdInput{vk: vkPause, scan: 0x45}, true
	case "NumLock":
		return keybdInput{vk: vkNumLock, scan: 0x45, flags: keyeventfExtendedKey}, true
	}
	if d.win == 0 {
		return keybdInput{}, false
	}
	k := keybdInput{vk: virtualKey(d), scan: d.win & 0xff, flags: keyeventfScanCode}
	if d.win>>8 == 0xe0 {
		k.flags |= keyeventfExtendedKey
	}
	return k, true
}

// virtualKey returns the key's virtual-key code: fixed for layout-independent
// keys, otherwise what the foreground window's layout maps the scan code to
// (KeyQ is VK_Q on QWERTY, VK_A on AZERTY), 0 when the layout has none.
func virtualKey(d *keyDef) uint16 {
	if vk, ok := winVK[d.code]; ok {
		return vk
	}
	r, _, _ := procMapVirtualKeyExW.Call(uintptr(d.win), mapvkVscToVkEx, foregroundLayout())
	return uint16(r)
}

// foregroundLayout is the keyboard layout (HKL) of the thread owning the
// foreground window: each thread has its own layout on Windows, and the
// keys go to that window. 0 (the caller's layout) when there is none.
func foregroundLayout() uintptr {
	hwnd, _, _ := procGetForegroundWindow.Call()
	if hwnd == 0 {
		return 0
	}
	var pid uint32
	tid, _, _ := procGetWindowThreadProcessId.Call(hwnd, uintptr(unsafe.Pointer(&pid)))
	hkl, _, _ := procGetKeyboardLayout.Call(tid)
	return hkl
}
