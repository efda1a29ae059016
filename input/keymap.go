package input

import "slices"

// keyDef describes one KeyboardEvent.code.
type keyDef struct {
	code string
	// keysyms are the X keysyms the key produces at its first level, best
	// first; later ones are fallbacks for layouts that lack the first
	// (AltRight is ISO_Level3_Shift on most non-US layouts).
	keysyms []uint32
	// win is the Windows set-1 scan code; 0xE0xx marks an extended key
	// (KEYEVENTF_EXTENDEDKEY). 0 means Windows has no scan code for it.
	win uint16
}

// ks keeps the table rows short.
func ks(syms ...uint32) []uint32 { return syms }

// keyTable lists every KeyboardEvent.code the agent understands. Scan codes
// follow the UI Events KeyboardEvent code specification's Windows column;
// keysyms are the US-layout first-level symbols (keysymdef.h,
// XF86keysym.h).
var keyTable = []keyDef{
	{"KeyA", ks(0x61), 0x001e},
	{"KeyB", ks(0x62), 0x0030},
	{"KeyC", ks(0x63), 0x002e},
	{"KeyD", ks(0x64), 0x0020},
	{"KeyE", ks(0x65), 0x0012},
	{"KeyF", ks(0x66), 0x0021},
	{"KeyG", ks(0x67), 0x0022},
	{"KeyH", ks(0x68), 0x0023},
	{"KeyI", ks(0x69), 0x0017},
	{"KeyJ", ks(0x6a), 0x0024},
	{"KeyK", ks(0x6b), 0x0025},
	{"KeyL", ks(0x6c), 0x0026},
	{"KeyM", ks(0x6d), 0x0032},
	{"KeyN", ks(0x6e), 0x0031},
	{"KeyO", ks(0x6f), 0x0018},
	{"KeyP", ks(0x70), 0x0019},
	{"KeyQ", ks(0x71), 0x0010},
	{"KeyR", ks(0x72), 0x0013},
	{"KeyS", ks(0x73), 0x001f},
	{"KeyT", ks(0x74), 0x0014},
	{"KeyU", ks(0x75), 0x0016},
	{"KeyV", ks(0x76), 0x002f},
	{"KeyW", ks(0x77), 0x0011},
	{"KeyX", ks(0x78), 0x002d},
	{"KeyY", ks(0x79), 0x0015},
	{"KeyZ", ks(0x7a), 0x002c},
	{"Digit0", ks(0x30), 0x000b},
	{"Digit1", ks(0x31), 0x0002},
	{"Digit2", ks(0x32), 0x0003},
	{"Digit3", ks(0x33), 0x0004},
	{"Digit4", ks(0x34), 0x0005},
	{"Digit5", ks(0x35), 0x0006},
	{"Digit6", ks(0x36), 0x0007},
	{"Digit7", ks(0x37), 0x0008},
	{"Digit8", ks(0x38), 0x0009},
	{"Digit9", ks(0x39), 0x000a},
	{"F1", ks(0xffbe), 0x003b},
	{"F2", ks(0xffbf), 0x003c},
	{"F3", ks(0xffc0), 0x003d},
	{"F4", ks(0xffc1), 0x003e},
	{"F5", ks(0xffc2), 0x003f},
	{"F6", ks(0xffc3), 0x0040},
	{"F7", ks(0xffc4), 0x0041},
	{"F8", ks(0xffc5), 0x0042},
	{"F9", ks(0xffc6), 0x0043},
	{"F10", ks(0xffc7), 0x0044},
	{"F11", ks(0xffc8), 0x0057},
	{"F12", ks(0xffc9), 0x0058},
	{"F13", ks(0xffca), 0x0064},
	{"F14", ks(0xffcb), 0x0065},
	{"F15", ks(0xffcc), 0x0066},
	{"F16", ks(0xffcd), 0x0067},
	{"F17", ks(0xffce), 0x0068},
	{"F18", ks(0xffcf), 0x0069},
	{"F19", ks(0xffd0), 0x006a},
	{"F20", ks(0xffd1), 0x006b},
	{"F21", ks(0xffd2), 0x006c},
	{"F22", ks(0xffd3), 0x006d},
	{"F23", ks(0xffd4), 0x006e},
	{"F24", ks(0xffd5), 0x0076},

	// Whitespace, editing and navigation.
	{"Enter", ks(0xff0d), 0x001c},
	{"Escape", ks(0xff1b), 0x0001},
	{"Backspace", ks(0xff08), 0x000e},
	{"Tab", ks(0xff09), 0x000f},
	{"Space", ks(0x0020), 0x0039},
	{"Insert", ks(0xff63), 0xe052},
	{"Delete", ks(0xffff), 0xe053},
	{"Home", ks(0xff50), 0xe047},
	{"End", ks(0xff57), 0xe04f},
	{"PageUp", ks(0xff55), 0xe049},
	{"PageDown", ks(0xff56), 0xe051},
	{"ArrowLeft", ks(0xff51), 0xe04b},
	{"ArrowUp", ks(0xff52), 0xe048},
	{"ArrowRight", ks(0xff53), 0xe04d},
	{"ArrowDown", ks(0xff54), 0xe050},
	{"PrintScreen", ks(0xff61, 0xff15), 0xe037},
	{"ScrollLock", ks(0xff14), 0x0046},
	{"Pause", ks(0xff13), 0x0045},
	{"ContextMenu", ks(0xff67), 0xe05d},
	{"Help", ks(0xff6a), 0xe03b},
	{"Undo", ks(0xff65), 0xe008},
	{"Again", ks(0xff66), 0},
	{"Find", ks(0xff68), 0},
	{"Select", ks(0xff60), 0},
	{"Open", ks(0x1008ff6b), 0},
	{"Copy", ks(0x1008ff57), 0xe018},
	{"Cut", ks(0x1008ff58), 0xe017},
	{"Paste", ks(0x1008ff6d), 0xe00a},

	// Modifiers and locks.
	{"ShiftLeft", ks(0xffe1), 0x002a},
	{"ShiftRight", ks(0xffe2), 0x0036},
	{"ControlLeft", ks(0xffe3), 0x001d},
	{"ControlRight", ks(0xffe4), 0xe01d},
	{"AltLeft", ks(0xffe9, 0xffe7), 0x0038},
	{"AltRight", ks(0xffea, 0xfe03, 0xff7e), 0xe038},
	{"MetaLeft", ks(0xffeb, 0xffe7), 0xe05b},
	{"MetaRight", ks(0xffec, 0xffe8), 0xe05c},
	{"CapsLock", ks(0xffe5), 0x003a},
	{"NumLock", ks(0xff7f), 0xe045},

	// Punctuation (US names for the physical positions).
	{"Minus", ks(0x002d), 0x000c},
	{"Equal", ks(0x003d), 0x000d},
	{"BracketLeft", ks(0x005b), 0x001a},
	{"BracketRight", ks(0x005d), 0x001b},
	{"Backslash", ks(0x005c), 0x002b},
	{"Semicolon", ks(0x003b), 0x0027},
	{"Quote", ks(0x0027), 0x0028},
	{"Backquote", ks(0x0060), 0x0029},
	{"Comma", ks(0x002c), 0x0033},
	{"Period", ks(0x002e), 0x0034},
	{"Slash", ks(0x002f), 0x0035},
	{"IntlBackslash", ks(0x003c), 0x0056},
	{"IntlYen", ks(0x00a5), 0x007d},

	// Numeric keypad: the digit keysyms sit at the NumLock level; the
	// navigation fallbacks find the same physical key on maps without them.
	{"Numpad0", ks(0xffb0, 0xff9e), 0x0052},
	{"Numpad1", ks(0xffb1, 0xff9c), 0x004f},
	{"Numpad2", ks(0xffb2, 0xff99), 0x0050},
	{"Numpad3", ks(0xffb3, 0xff9b), 0x0051},
	{"Numpad4", ks(0xffb4, 0xff96), 0x004b},
	{"Numpad5", ks(0xffb5, 0xff9d), 0x004c},
	{"Numpad6", ks(0xffb6, 0xff98), 0x004d},
	{"Numpad7", ks(0xffb7, 0xff95), 0x0047},
	{"Numpad8", ks(0xffb8, 0xff97), 0x0048},
	{"Numpad9", ks(0xffb9, 0xff9a), 0x0049},
	{"NumpadDecimal", ks(0xffae, 0xff9f), 0x0053},
	{"NumpadAdd", ks(0xffab), 0x004e},
	{"NumpadSubtract", ks(0xffad), 0x004a},
	{"NumpadMultiply", ks(0xffaa), 0x0037},
	{"NumpadDivide", ks(0xffaf), 0xe035},
	{"NumpadEnter", ks(0xff8d), 0xe01c},
	{"NumpadEqual", ks(0xffbd), 0x0059},
	{"NumpadComma", ks(0xffac), 0x007e},

	// East-Asian input keys.
	{"KanaMode", ks(0xff27), 0x0070},
	{"Convert", ks(0xff23), 0x0079},
	{"NonConvert", ks(0xff22), 0x007b},
	{"Lang1", ks(0xff31), 0x0072},
	{"Lang2", ks(0xff34), 0x0071},

	// Media, browser and system keys (XF86keysym.h).
	{"AudioVolumeMute", ks(0x1008ff12), 0xe020},
	{"AudioVolumeDown", ks(0x1008ff11), 0xe02e},
	{"AudioVolumeUp", ks(0x1008ff13), 0xe030},
	{"MediaPlayPause", ks(0x1008ff14, 0x1008ff31), 0xe022},
	{"MediaStop", ks(0x1008ff15), 0xe024},
	{"MediaTrackPrevious", ks(0x1008ff16), 0xe010},
	{"MediaTrackNext", ks(0x1008ff17), 0xe019},
	{"MediaSelect", ks(0x1008ff32), 0xe06d},
	{"BrowserHome", ks(0x1008ff18), 0xe032},
	{"BrowserSearch", ks(0x1008ff1b), 0xe065},
	{"BrowserBack", ks(0x1008ff26), 0xe06a},
	{"BrowserForward", ks(0x1008ff27), 0xe069},
	{"BrowserStop", ks(0x1008ff28), 0xe068},
	{"BrowserRefresh", ks(0x1008ff29), 0xe067},
	{"BrowserFavorites", ks(0x1008ff30), 0xe066},
	{"LaunchMail", ks(0x1008ff19), 0xe06c},
	{"LaunchApp1", ks(0x1008ff33), 0xe06b},
	{"LaunchApp2", ks(0x1008ff1d), 0xe021},
	{"Power", ks(0x1008ff2a), 0xe05e},
	{"Sleep", ks(0x1008ff2f), 0xe05f},
	{"WakeUp", ks(0x1008ff2b), 0xe063},
	{"Eject", ks(0x1008ff2c), 0},
}

// codeAliases maps legacy code names that older browsers still send to the
// current names (Firefox before 118 sent "OSLeft" for the Windows key).
var codeAliases = map[string]string{
	"OSLeft":  "MetaLeft",
	"OSRight": "MetaRight",
}

// modifierCodes are lifted while Text types, so that a Shift or Ctrl the
// viewer holds does not turn typed text into shortcuts.
var modifierCodes = map[string]bool{
	"ShiftLeft": true, "ShiftRight": true,
	"ControlLeft": true, "ControlRight": true,
	"AltLeft": true, "AltRight": true,
	"MetaLeft": true, "MetaRight": true,
}

var keyIndex = func() map[string]*keyDef {
	m := make(map[string]*keyDef, len(keyTable)+len(codeAliases))
	for i := range keyTable {
		m[keyTable[i].code] = &keyTable[i]
	}
	for alias, code := range codeAliases {
		m[alias] = m[code]
	}
	return m
}()

// lookupCode returns the table row for a code or alias.
func lookupCode(code string) (*keyDef, bool) {
	d, ok := keyIndex[code]
	return d, ok && d != nil
}

// KnownCode reports whether Key accepts code on at least one platform.
func KnownCode(code string) bool {
	_, ok := lookupCode(code)
	return ok
}

// Codes returns every KeyboardEvent.code in the table, sorted; aliases
// are not included.
func Codes() []string {
	out := make([]string, len(keyTable))
	for i, d := range keyTable {
		out[i] = d.code
	}
	slices.Sort(out)
	return out
}

// keysymForRune returns the X keysym that types r: Latin-1 keysyms equal
// their code point, control characters map to their function keys and
// everything else uses the Unicode keysym range 0x01000000+r.
func keysymForRune(r rune) uint32 {
	switch {
	case r == '\n':
		return 0xff0d // Return
	case r == '\t':
		return 0xff09 // Tab
	case r == '\b':
		return 0xff08 // BackSpace
	case r == 0x1b:
		return 0xff1b // Escape
	case r == 0x7f:
		return 0xffff // Delete
	case r < 0x20 || (r >= 0x80 && r < 0xa0):
		return 0 // other control characters cannot be typed
	case r < 0x100:
		return uint32(r)
	case r == 0x20ac:
		return 0x20ac // EuroSign has a legacy keysym that layouts use
	}
	return 0x01000000 + uint32(r)
}
