//go:build darwin

package quartz

import "unsafe"

// System returns the Permissions of this process, asked of macOS.
func System() Permissions { return systemPerms{} }

type systemPerms struct{}

func (systemPerms) ScreenCapture(prompt bool) bool {
	if Load() != nil {
		return false
	}
	if cg.preflightScreenCapture == nil {
		return true // before macOS 10.15 capturing needed no permission
	}
	if prompt && cg.requestScreenCapture != nil {
		return cg.requestScreenCapture()
	}
	return cg.preflightScreenCapture()
}

func (systemPerms) Accessibility(prompt bool) bool {
	if Load() != nil {
		return false
	}
	if !prompt {
		return cg.axTrustedWithOptions(0)
	}
	// {kAXTrustedCheckOptionPrompt: kCFBooleanTrue}
	keys := [1]uintptr{deref(cg.axPromptKeyAddr)}
	values := [1]uintptr{deref(cg.cfTrueAddr)}
	opts := cg.cfDictionaryCreate(0, &keys[0], &values[0], 1, cg.dictKeyCallBacks, cg.dictValueCallBacks)
	if opts == 0 {
		return cg.axTrustedWithOptions(0)
	}
	defer cg.cfRelease(opts)
	return cg.axTrustedWithOptions(opts)
}

// deref reads the pointer-sized variable at addr (an exported C variable
// found with dlsym). The double indirection keeps go vet's unsafeptr
// check quiet: addr is C memory, never moved by the Go runtime.
func deref(addr uintptr) uintptr {
	if addr == 0 {
		return 0
	}
	return **(**uintptr)(unsafe.Pointer(&addr))
}
