package quartz

// CoreGraphics event constants (CGEventTypes.h, CGRemoteOperation.h),
// plain Go so that the input logic using them is tested on Linux.
const (
	EventLeftMouseDown     = 1
	EventLeftMouseUp       = 2
	EventRightMouseDown    = 3
	EventRightMouseUp      = 4
	EventMouseMoved        = 5
	EventLeftMouseDragged  = 6
	EventRightMouseDragged = 7
	EventOtherMouseDown    = 25
	EventOtherMouseUp      = 26
	EventOtherMouseDragged = 27

	// CGMouseButton numbers; "other" buttons go on from 2 (center), 3, 4.
	MouseButtonLeft   = 0
	MouseButtonRight  = 1
	MouseButtonCenter = 2

	// CGEventFlags: device-independent masks (what apps test), plus the
	// device-dependent left/right bits of IOLLEvent.h that real keyboards
	// also set and some apps read.
	FlagCapsLock = 0x00010000
	FlagShift    = 0x00020000
	FlagControl  = 0x00040000
	FlagOption   = 0x00080000
	FlagCommand  = 0x00100000

	FlagLeftControl  = 0x00000001
	FlagLeftShift    = 0x00000002
	FlagRightShift   = 0x00000004
	FlagLeftCommand  = 0x00000008
	FlagRightCommand = 0x00000010
	FlagLeftOption   = 0x00000020
	FlagRightOption  = 0x00000040
	FlagRightControl = 0x00002000

	// MaxUnicodeUnits is the most UTF-16 units CGEventKeyboardSetUnicodeString
	// carries in one event; longer strings are cut off.
	MaxUnicodeUnits = 20
)
