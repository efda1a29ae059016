package input

// winVK gives the Windows virtual-key code of every key whose meaning does
// not depend on the keyboard layout (modifiers, navigation, function,
// keypad, media keys). The Windows backend sends it in wVk next to the scan
// code:
//
//   - Windows itself ignores wVk when KEYEVENTF_SCANCODE is set, and derives
//     the key from the scan code and the active layout;
//   - Wine 8 drops scan-code events whose wVk is 0, and its MapVirtualKeyW
//     ignores the 0xE0 prefix (0xE01D maps to VK_LCONTROL, 0xE035 to
//     VK_OEM_2, 0xE020 to 'D'), so these keys need the right code from here.
//
// Character keys (letters, digits, punctuation) are not listed: their
// virtual key moves with the layout (KeyQ is VK_A on AZERTY) and comes from
// MapVirtualKeyW at run time. Left/right variants (VK_LSHIFT ...) are used
// because they are what a real keyboard produces at this level.
var winVK = map[string]uint16{
	"Escape": 0x1b, "Tab": 0x09, "Enter": 0x0d, "Backspace": 0x08, "Space": 0x20,
	"CapsLock": 0x14, "NumLock": 0x90, "ScrollLock": 0x91, "Pause": 0x13,
	"PrintScreen": 0x2c, "ContextMenu": 0x5d, "Help": 0x2f,

	"ShiftLeft": 0xa0, "ShiftRight": 0xa1,
	"ControlLeft": 0xa2, "ControlRight": 0xa3,
	// AltRight is VK_RMENU with the extended flag: on a layout with AltGr
	// Windows itself adds the left Ctrl that makes it AltGr (as for the
	// real key), and a viewer on Windows sends that ControlLeft too.
	"AltLeft": 0xa4, "AltRight": 0xa5,
	"MetaLeft": 0x5b, "MetaRight": 0x5c,

	"Insert": 0x2d, "Delete": 0x2e, "Home": 0x24, "End": 0x23,
	"PageUp": 0x21, "PageDown": 0x22,
	"ArrowLeft": 0x25, "ArrowUp": 0x26, "ArrowRight": 0x27, "ArrowDown": 0x28,

	"F1": 0x70, "F2": 0x71, "F3": 0x72, "F4": 0x73, "F5": 0x74, "F6": 0x75,
	"F7": 0x76, "F8": 0x77, "F9": 0x78, "F10": 0x79, "F11": 0x7a, "F12": 0x7b,
	"F13": 0x7c, "F14": 0x7d, "F15": 0x7e, "F16": 0x7f, "F17": 0x80, "F18": 0x81,
	"F19": 0x82, "F20": 0x83, "F21": 0x84, "F22": 0x85, "F23": 0x86, "F24": 0x87,

	// Keypad digits as with NumLock on. Windows applies NumLock itself
	// (from the scan code); Wine takes these as they are.
	"Numpad0": 0x60, "Numpad1": 0x61, "Numpad2": 0x62, "Numpad3": 0x63, "Numpad4": 0x64,
	"Numpad5": 0x65, "Numpad6": 0x66, "Numpad7": 0x67, "Numpad8": 0x68, "Numpad9": 0x69,
	"NumpadMultiply": 0x6a, "NumpadAdd": 0x6b, "NumpadSubtract": 0x6d,
	"NumpadDecimal": 0x6e, "NumpadDivide": 0x6f, "NumpadEnter": 0x0d,

	"BrowserBack": 0xa6, "BrowserForward": 0xa7, "BrowserRefresh": 0xa8,
	"BrowserStop": 0xa9, "BrowserSearch": 0xaa, "BrowserFavorites": 0xab,
	"BrowserHome": 0xac, "AudioVolumeMute": 0xad, "AudioVolumeDown": 0xae,
	"AudioVolumeUp": 0xaf, "MediaTrackNext": 0xb0, "MediaTrackPrevious": 0xb1,
	"MediaStop": 0xb2, "MediaPlayPause": 0xb3, "LaunchMail": 0xb4,
	"MediaSelect": 0xb5, "LaunchApp1": 0xb6, "LaunchApp2": 0xb7, "Sleep": 0x5f,
}
