package clipboard

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// NSPasteboard through the Objective-C runtime, called with purego (the
// agent has no cgo for macOS). Every call runs inside its own autorelease
// pool on a locked thread: the objects AppKit hands back are autoreleased,
// and a pool belongs to the thread that pushed it. Only compiled here (no
// Mac); the logic around it is pasteboard.go's, tested everywhere.

const (
	libObjCPath  = "/usr/lib/libobjc.A.dylib"
	appKitPath   = "/System/Library/Frameworks/AppKit.framework/AppKit"
	utf8Encoding = 4 // NSUTF8StringEncoding
)

// objc_msgSend bound once per Go signature the calls need (it takes any
// receiver, selector and arguments; the caller's signature is the ABI).
var objc struct {
	getClass     func(name string) uintptr
	registerName func(name string) uintptr
	poolPush     func() uintptr
	poolPop      func(pool uintptr)

	send       func(obj, sel uintptr) uintptr
	sendInt    func(obj, sel uintptr) int
	sendArg    func(obj, sel, arg uintptr) uintptr
	sendUint   func(obj, sel, arg uintptr) uint
	sendCStr   func(obj, sel uintptr) *byte
	sendSet    func(obj, sel, str, typ uintptr) bool
	sendString func(obj, sel uintptr, bytes unsafe.Pointer, n uint, enc uint) uintptr
}

// sel holds the selectors used.
var sel struct {
	alloc, release, initWithBytes, utf8String, lengthOfBytes          uintptr
	generalPasteboard, changeCount, clearContents, setString, stringF uintptr
}

var (
	loadOnce sync.Once
	loadErr  error
	nsString uintptr // the NSString class
	pbShared *nsPasteboard
)

func open(Options) (Clipboard, error) {
	loadOnce.Do(func() { loadErr = load() })
	if loadErr != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupported, loadErr)
	}
	return newPBClip(pbShared, pasteboardPollEvery), nil
}

func load() error {
	lib, err := purego.Dlopen(libObjCPath, purego.RTLD_LAZY|purego.RTLD_GLOBAL)
	if err != nil {
		return fmt.Errorf("clipboard: %w", err)
	}
	appKit, err := purego.Dlopen(appKitPath, purego.RTLD_LAZY|purego.RTLD_GLOBAL)
	if err != nil {
		return fmt.Errorf("clipboard: %w", err)
	}
	for name, fptr := range map[string]any{
		"objc_getClass": &objc.getClass, "sel_registerName": &objc.registerName,
		"objc_autoreleasePoolPush": &objc.poolPush, "objc_autoreleasePoolPop": &objc.poolPop,
	} {
		sym, err := purego.Dlsym(lib, name)
		if err != nil {
			return fmt.Errorf("clipboard: %s: %w", name, err)
		}
		purego.RegisterFunc(fptr, sym)
	}
	msgSend, err := purego.Dlsym(lib, "objc_msgSend")
	if err != nil {
		return fmt.Errorf("clipboard: objc_msgSend: %w", err)
	}
	for _, fptr := range []any{&objc.send, &objc.sendInt, &objc.sendArg, &objc.sendUint, &objc.sendCStr,
		&objc.sendSet, &objc.sendString} {
		purego.RegisterFunc(fptr, msgSend)
	}
	for p, name := range map[*uintptr]string{
		&sel.alloc: "alloc", &sel.release: "release", &sel.initWithBytes: "initWithBytes:length:encoding:",
		&sel.utf8String: "UTF8String", &sel.lengthOfBytes: "lengthOfBytesUsingEncoding:",
		&sel.generalPasteboard: "generalPasteboard", &sel.changeCount: "changeCount",
		&sel.clearContents: "clearContents", &sel.setString: "setString:forType:", &sel.stringF: "stringForType:",
	} {
		*p = objc.registerName(name)
	}
	nsString = objc.getClass("NSString")
	pbClass := objc.getClass("NSPasteboard")
	typ, err := purego.Dlsym(appKit, "NSPasteboardTypeString")
	if nsString == 0 || pbClass == 0 || err != nil {
		return errors.New("clipboard: AppKit has no NSPasteboard or NSPasteboardTypeString")
	}
	pb := objc.send(pbClass, sel.generalPasteboard) // a shared instance, never released
	if pb == 0 {
		return errors.New("clipboard: no general pasteboard")
	}
	pbShared = &nsPasteboard{pb: pb, typ: deref(typ)}
	return nil
}

// nsPasteboard is the general pasteboard and the UTF-8 text type.
type nsPasteboard struct{ pb, typ uintptr }

// inPool runs f on a locked thread inside an autorelease pool.
func inPool(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pool := objc.poolPush()
	defer objc.poolPop(pool)
	f()
}

func (p *nsPasteboard) ChangeCount() int64 { return int64(objc.sendInt(p.pb, sel.changeCount)) }

func (p *nsPasteboard) ReadString() (text string, err error) {
	inPool(func() {
		s := objc.sendArg(p.pb, sel.stringF, p.typ) // autoreleased, or nil
		if s == 0 {
			return
		}
		n := objc.sendUint(s, sel.lengthOfBytes, utf8Encoding)
		if n > MaxText {
			err = ErrTooLarge
			return
		}
		if c := objc.sendCStr(s, sel.utf8String); c != nil && n > 0 {
			text = string(unsafe.Slice(c, n))
		}
	})
	return text, err
}

func (p *nsPasteboard) WriteString(text string) (n int64, err error) {
	b := []byte(text)
	inPool(func() {
		objc.sendInt(p.pb, sel.clearContents)
		var ptr unsafe.Pointer
		if len(b) > 0 {
			ptr = unsafe.Pointer(&b[0])
		}
		s := objc.sendString(objc.send(nsString, sel.alloc), sel.initWithBytes, ptr, uint(len(b)), utf8Encoding)
		runtime.KeepAlive(b)
		if s == 0 {
			err = errors.New("clipboard: the text is not valid UTF-8")
			return
		}
		defer objc.send(s, sel.release) // alloc'ed: ours to release
		if !objc.sendSet(p.pb, sel.setString, s, p.typ) {
			err = errors.New("clipboard: NSPasteboard setString:forType: failed")
		}
	})
	return p.ChangeCount(), err
}

// deref reads the pointer-sized C variable at addr (found with dlsym);
// the double indirection keeps go vet's unsafeptr check quiet.
func deref(addr uintptr) uintptr {
	if addr == 0 {
		return 0
	}
	return **(**uintptr)(unsafe.Pointer(&addr))
}
