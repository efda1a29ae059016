//go:build darwin

package macapp

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/ebitengine/purego"
)

// App Translocation runs a quarantined app from a random read-only mount
// where the files next to it are not visible. Security.framework maps the
// translocated path back to the original one (SecTranslocate* exist since
// macOS 10.12). Called through purego: agents are built without cgo. This
// file only compiles here; it runs on a Mac.

const (
	coreFoundationPath = "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation"
	securityPath       = "/System/Library/Frameworks/Security.framework/Security"
	macPathMax         = 1024 // PATH_MAX on macOS
)

var tl struct {
	once sync.Once
	err  error
	// CFURLRef CFURLCreateFromFileSystemRepresentation(CFAllocatorRef, const UInt8 *, CFIndex, Boolean)
	urlCreate func(alloc uintptr, buf *byte, n int, isDir bool) uintptr
	// Boolean CFURLGetFileSystemRepresentation(CFURLRef, Boolean resolveAgainstBase, UInt8 *, CFIndex)
	urlPath func(url uintptr, resolve bool, buf *byte, max int) bool
	release func(cf uintptr)
	// Boolean SecTranslocateIsTranslocatedURL(CFURLRef, bool *isTranslocated, CFErrorRef *)
	isTranslocated func(url uintptr, out *bool, cfErr *uintptr) bool
	// CFURLRef SecTranslocateCreateOriginalPathForURL(CFURLRef, CFErrorRef *)
	original func(url uintptr, cfErr *uintptr) uintptr
}

// bind registers fptr as the C function name in lib, returning an error
// (rather than purego's panic) when the symbol is missing.
func bind(lib uintptr, fptr any, name string) error {
	sym, err := purego.Dlsym(lib, name)
	if err != nil {
		return fmt.Errorf("macapp: %s: %w", name, err)
	}
	purego.RegisterFunc(fptr, sym)
	return nil
}

func loadTranslocate() error {
	tl.once.Do(func() {
		cf, err := purego.Dlopen(coreFoundationPath, purego.RTLD_LAZY|purego.RTLD_GLOBAL)
		if err != nil {
			tl.err = fmt.Errorf("macapp: load CoreFoundation: %w", err)
			return
		}
		sec, err := purego.Dlopen(securityPath, purego.RTLD_LAZY|purego.RTLD_GLOBAL)
		if err != nil {
			tl.err = fmt.Errorf("macapp: load Security: %w", err)
			return
		}
		for _, b := range []struct {
			lib  uintptr
			fptr any
			name string
		}{
			{cf, &tl.urlCreate, "CFURLCreateFromFileSystemRepresentation"},
			{cf, &tl.urlPath, "CFURLGetFileSystemRepresentation"},
			{cf, &tl.release, "CFRelease"},
			{sec, &tl.isTranslocated, "SecTranslocateIsTranslocatedURL"},
			{sec, &tl.original, "SecTranslocateCreateOriginalPathForURL"},
		} {
			if err := bind(b.lib, b.fptr, b.name); err != nil {
				tl.err = err
				return
			}
		}
	})
	return tl.err
}

// originalPath returns where the translocated bundle at path really is, or
// path itself when it is not translocated.
func originalPath(path string) (string, error) {
	if err := loadTranslocate(); err != nil {
		return path, err
	}
	b := []byte(path)
	if len(b) == 0 {
		return path, nil
	}
	url := tl.urlCreate(0, &b[0], len(b), true)
	if url == 0 {
		return path, fmt.Errorf("macapp: CFURL for %s failed", path)
	}
	defer tl.release(url)
	var translocated bool
	if !tl.isTranslocated(url, &translocated, nil) || !translocated {
		return path, nil
	}
	orig := tl.original(url, nil)
	if orig == 0 {
		return path, fmt.Errorf("macapp: original path of translocated %s unknown", path)
	}
	defer tl.release(orig)
	buf := make([]byte, macPathMax+1)
	if !tl.urlPath(orig, true, &buf[0], len(buf)) {
		return path, fmt.Errorf("macapp: original path of %s too long", path)
	}
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		buf = buf[:i]
	}
	return string(buf), nil
}
