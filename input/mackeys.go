package input

// macKeycodes maps KeyboardEvent.code to the macOS virtual keycode (kVK_*
// in HIToolbox's Events.h) of the same physical key, following the UI
// Events code specification and Chromium's keycode_converter table. The
// macOS backend (quartz_darwin.go) posts these; they are layout
// independent, like the Windows scan codes in keyTable.
var macKeycodes = map[string]uint16{
	"KeyA": 0x00, "KeyS": 0x01, "KeyD": 0x02, "KeyF": 0x03, "KeyH": 0x04, "KeyG": 0x05,
	"KeyZ": 0x06, "KeyX": 0x07, "KeyC": 0x08, "KeyV": 0x09, "KeyB": 0x0b, "KeyQ": 0x0c,
	"KeyW": 0x0d, "KeyE": 0x0e, "KeyR": 0x0f, "KeyY": 0x10, "KeyT": 0x11, "KeyO": 0x1f,
	"KeyU": 0x20, "KeyI": 0x22, "KeyP": 0x23, "KeyL": 0x25, "KeyJ": 0x26, "KeyK": 0x28,
	"KeyN": 0x2d, "KeyM": 0x2e,

	"Digit1": 0x12, "Digit2": 0x13, "Digit3": 0x14, "Digit4": 0x15, "Digit6": 0x16,
	"Digit5": 0x17, "Digit9": 0x19, "Digit7": 0x1a, "Digit8": 0x1c, "Digit0": 0x1d,

	"Equal": 0x18, "Minus": 0x1b, "BracketRight": 0x1e, "BracketLeft": 0x21, "Quote": 0x27,
	"Semicolon": 0x29, "Backslash": 0x2a, "Comma": 0x2b, "Slash": 0x2c, "Period": 0x2f,
	"Backquote":     0x32,
	"IntlBackslash": 0x0a, // kVK_ISO_Section, left of Z on ISO keyboards
	"IntlYen":       0x5d, // kVK_JIS_Yen
	"NumpadComma":   0x5f, // kVK_JIS_KeypadComma
	"Lang1":         0x68, // kVK_JIS_Kana
	"Lang2":         0x66, // kVK_JIS_Eisu

	"Enter": 0x24, "Tab": 0x30, "Space": 0x31, "Backspace": 0x33, "Escape": 0x35,
	"Delete": 0x75, // kVK_ForwardDelete
	"Insert": 0x72, // kVK_Help, where Mac keyboards put Insert
	"Home":   0x73, "PageUp": 0x74, "End": 0x77, "PageDown": 0x79,
	"ArrowLeft": 0x7b, "ArrowRight": 0x7c, "ArrowDown": 0x7d, "ArrowUp": 0x7e,
	"ContextMenu": 0x6e, // kVK_ContextualMenu

	"MetaRight": 0x36, "MetaLeft": 0x37, // Command
	"ShiftLeft": 0x38, "CapsLock": 0x39,
	"AltLeft":     0x3a, // Option
	"ControlLeft": 0x3b, "ShiftRight": 0x3c, "AltRight": 0x3d, "ControlRight": 0x3e,

	"F1": 0x7a, "F2": 0x78, "F3": 0x63, "F4": 0x76, "F5": 0x60, "F6": 0x61, "F7": 0x62,
	"F8": 0x64, "F9": 0x65, "F10": 0x6d, "F11": 0x67, "F12": 0x6f, "F13": 0x69, "F14": 0x6b,
	"F15": 0x71, "F16": 0x6a, "F17": 0x40, "F18": 0x4f, "F19": 0x50, "F20": 0x5a,

	"NumpadDecimal": 0x41, "NumpadMultiply": 0x43, "NumpadAdd": 0x45,
	"NumLock":      0x47, // kVK_ANSI_KeypadClear: the Clear key sits where NumLock does
	"NumpadDivide": 0x4b, "NumpadEnter": 0x4c, "NumpadSubtract": 0x4e, "NumpadEqual": 0x51,
	"Numpad0": 0x52, "Numpad1": 0x53, "Numpad2": 0x54, "Numpad3": 0x55, "Numpad4": 0x56,
	"Numpad5": 0x57, "Numpad6": 0x58, "Numpad7": 0x59, "Numpad8": 0x5b, "Numpad9": 0x5c,

	"AudioVolumeUp": 0x48, "AudioVolumeDown": 0x49, "AudioVolumeMute": 0x4a,
}

// codesWithoutMacKey are codes the macOS backend rejects: Mac keyboards
// have no such key (PrintScreen, ScrollLock and Pause sit where F13–F15
// are, but send those), Help shares kVK_Help with Insert, and media,
// browser and power keys are not keyboard events on macOS but system
// events (NX_KEYTYPE_*) that apps see differently.
var codesWithoutMacKey = []string{
	"PrintScreen", "ScrollLock", "Pause", "Help", "Undo", "Again", "Find", "Select", "Open",
	"Copy", "Cut", "Paste", "F21", "F22", "F23", "F24", "KanaMode", "Convert", "NonConvert",
	"MediaPlayPause", "MediaStop", "MediaTrackPrevious", "MediaTrackNext", "MediaSelect",
	"BrowserHome", "BrowserSearch", "BrowserBack", "BrowserForward", "BrowserStop",
	"BrowserRefresh", "BrowserFavorites", "LaunchMail", "LaunchApp1", "LaunchApp2",
	"Power", "Sleep", "WakeUp", "Eject",
}

// macKeycode returns the macOS keycode for a code or alias.
func macKeycode(code string) (uint16, bool) {
	d, ok := lookupCode(code)
	if !ok {
		return 0, false
	}
	k, ok := macKeycodes[d.code]
	return k, ok
}
