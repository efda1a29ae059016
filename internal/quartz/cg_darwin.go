//go:build darwin

package quartz

import (
	"fmt"
	"sync"

	"github.com/ebitengine/purego"
)

// The frameworks are loaded with dlopen and every function is bound to a
// Go func through purego, whose Go signature must match the C one:
// CGDirectDisplayID uint32, CGError int32, size_t uintptr, CFIndex int,
// CGEventFlags uint64, C enums uint32, C bool/Boolean bool, CGRect and
// CGPoint by value as Rect and Point (purego passes such structs in
// registers as the arm64 and x86-64 ABIs do).

const (
	coreFoundationPath = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"
	coreGraphicsPath   = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"
	appServicesPath    = "/System/Library/Frameworks/ApplicationServices.framework/ApplicationServices"
)

var cg struct {
	cfRelease        func(cf uintptr)
	cfDataGetBytePtr func(data uintptr) *byte
	cfDataGetLength  func(data uintptr) int
	// CFDictionaryRef CFDictionaryCreate(CFAllocatorRef, const void **keys,
	// const void **values, CFIndex n, const CFDictionaryKeyCallBacks *,
	// const CFDictionaryValueCallBacks *)
	cfDictionaryCreate func(alloc uintptr, keys, values *uintptr, n int, keyCB, valueCB uintptr) uintptr

	getActiveDisplayList  func(max uint32, ids *uint32, count *uint32) int32
	mainDisplayID         func() uint32
	displayBounds         func(id uint32) Rect
	displayPixelsWide     func(id uint32) uintptr
	displayPixelsHigh     func(id uint32) uintptr
	displayCopyMode       func(id uint32) uintptr
	modePixelWidth        func(mode uintptr) uintptr
	modePixelHeight       func(mode uintptr) uintptr
	modeRelease           func(mode uintptr)
	displayMirrorsDisplay func(id uint32) uint32

	displayCreateImage    func(id uint32) uintptr
	imageWidth            func(img uintptr) uintptr
	imageHeight           func(img uintptr) uintptr
	imageBytesPerRow      func(img uintptr) uintptr
	imageBitsPerPixel     func(img uintptr) uintptr
	imageBitsPerComponent func(img uintptr) uintptr
	imageBitmapInfo       func(img uintptr) uint32
	imageDataProvider     func(img uintptr) uintptr
	dataProviderCopyData  func(provider uintptr) uintptr
	imageRelease          func(img uintptr)

	// macOS 10.15+: nil on older systems, which have no such permission.
	preflightScreenCapture func() bool
	requestScreenCapture   func() bool
	// Boolean AXIsProcessTrustedWithOptions(CFDictionaryRef)
	axTrustedWithOptions func(options uintptr) bool

	// Addresses of exported variables: the CFStringRef key
	// kAXTrustedCheckOptionPrompt, the CFBooleanRef kCFBooleanTrue, and
	// the callback structs CFDictionaryCreate takes by pointer.
	axPromptKeyAddr, cfTrueAddr, dictKeyCallBacks, dictValueCallBacks uintptr

	eventSourceCreate     func(state int32) uintptr
	eventCreate           func(source uintptr) uintptr
	eventGetLocation      func(event uintptr) Point
	eventCreateKeyboard   func(source uintptr, key uint16, down bool) uintptr
	eventCreateMouse      func(source uintptr, typ uint32, at Point, button uint32) uintptr
	eventCreateScroll2    func(source uintptr, units uint32, count uint32, wheel1, wheel2, wheel3 int32) uintptr
	eventSetUnicodeString func(event uintptr, n uint, units *uint16)
	eventSetFlags         func(event uintptr, flags uint64)
	eventSetIntegerField  func(event uintptr, field uint32, value int64)
	eventPost             func(tap uint32, event uintptr)
}

var (
	loadOnce sync.Once
	loadErr  error
)

// Load opens the frameworks and binds every function once; later calls
// return the first result.
func Load() error {
	loadOnce.Do(func() { loadErr = load() })
	return loadErr
}

func load() error {
	libs := map[string]uintptr{}
	for _, p := range []string{coreFoundationPath, coreGraphicsPath, appServicesPath} {
		h, err := purego.Dlopen(p, purego.RTLD_LAZY|purego.RTLD_GLOBAL)
		if err != nil {
			return fmt.Errorf("quartz: load %s: %w", p, err)
		}
		libs[p] = h
	}
	cf, cgl, as := libs[coreFoundationPath], libs[coreGraphicsPath], libs[appServicesPath]
	funcs := []struct {
		lib      uintptr
		fptr     any
		name     string
		optional bool
	}{
		{cf, &cg.cfRelease, "CFRelease", false},
		{cf, &cg.cfDataGetBytePtr, "CFDataGetBytePtr", false},
		{cf, &cg.cfDataGetLength, "CFDataGetLength", false},
		{cf, &cg.cfDictionaryCreate, "CFDictionaryCreate", false},
		{cgl, &cg.getActiveDisplayList, "CGGetActiveDisplayList", false},
		{cgl, &cg.mainDisplayID, "CGMainDisplayID", false},
		{cgl, &cg.displayBounds, "CGDisplayBounds", false},
		{cgl, &cg.displayPixelsWide, "CGDisplayPixelsWide", false},
		{cgl, &cg.displayPixelsHigh, "CGDisplayPixelsHigh", false},
		{cgl, &cg.displayCopyMode, "CGDisplayCopyDisplayMode", false},
		{cgl, &cg.modePixelWidth, "CGDisplayModeGetPixelWidth", false},
		{cgl, &cg.modePixelHeight, "CGDisplayModeGetPixelHeight", false},
		{cgl, &cg.modeRelease, "CGDisplayModeRelease", false},
		{cgl, &cg.displayMirrorsDisplay, "CGDisplayMirrorsDisplay", false},
		{cgl, &cg.displayCreateImage, "CGDisplayCreateImage", false},
		{cgl, &cg.imageWidth, "CGImageGetWidth", false},
		{cgl, &cg.imageHeight, "CGImageGetHeight", false},
		{cgl, &cg.imageBytesPerRow, "CGImageGetBytesPerRow", false},
		{cgl, &cg.imageBitsPerPixel, "CGImageGetBitsPerPixel", false},
		{cgl, &cg.imageBitsPerComponent, "CGImageGetBitsPerComponent", false},
		{cgl, &cg.imageBitmapInfo, "CGImageGetBitmapInfo", false},
		{cgl, &cg.imageDataProvider, "CGImageGetDataProvider", false},
		{cgl, &cg.dataProviderCopyData, "CGDataProviderCopyData", false},
		{cgl, &cg.imageRelease, "CGImageRelease", false},
		{cgl, &cg.preflightScreenCapture, "CGPreflightScreenCaptureAccess", true},
		{cgl, &cg.requestScreenCapture, "CGRequestScreenCaptureAccess", true},
		{as, &cg.axTrustedWithOptions, "AXIsProcessTrustedWithOptions", false},
		{cgl, &cg.eventSourceCreate, "CGEventSourceCreate", false},
		{cgl, &cg.eventCreate, "CGEventCreate", false},
		{cgl, &cg.eventGetLocation, "CGEventGetLocation", false},
		{cgl, &cg.eventCreateKeyboard, "CGEventCreateKeyboardEvent", false},
		{cgl, &cg.eventCreateMouse, "CGEventCreateMouseEvent", false},
		// Not the variadic CGEventCreateScrollWheelEvent: Apple's arm64
		// ABI passes variadic arguments on the stack, which a fixed Go
		// signature would put in registers. The "2" variant (10.13+)
		// takes all three wheels as fixed arguments.
		{cgl, &cg.eventCreateScroll2, "CGEventCreateScrollWheelEvent2", false},
		{cgl, &cg.eventSetUnicodeString, "CGEventKeyboardSetUnicodeString", false},
		{cgl, &cg.eventSetFlags, "CGEventSetFlags", false},
		{cgl, &cg.eventSetIntegerField, "CGEventSetIntegerValueField", false},
		{cgl, &cg.eventPost, "CGEventPost", false},
	}
	for _, f := range funcs {
		sym, err := purego.Dlsym(f.lib, f.name)
		if err != nil {
			if f.optional {
				continue
			}
			return fmt.Errorf("quartz: %s: %w", f.name, err)
		}
		purego.RegisterFunc(f.fptr, sym)
	}
	vars := []struct {
		lib  uintptr
		addr *uintptr
		name string
	}{
		{as, &cg.axPromptKeyAddr, "kAXTrustedCheckOptionPrompt"},
		{cf, &cg.cfTrueAddr, "kCFBooleanTrue"},
		{cf, &cg.dictKeyCallBacks, "kCFTypeDictionaryKeyCallBacks"},
		{cf, &cg.dictValueCallBacks, "kCFTypeDictionaryValueCallBacks"},
	}
	for _, v := range vars {
		sym, err := purego.Dlsym(v.lib, v.name)
		if err != nil {
			return fmt.Errorf("quartz: %s: %w", v.name, err)
		}
		*v.addr = sym
	}
	return nil
}
