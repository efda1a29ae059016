package capture

import (
	"fmt"
	"syscall"
	"unsafe"
)

// Minimal COM plumbing for the DXGI backend: an interface pointer is a
// pointer to a pointer to its vtable, and method n is the n-th function
// pointer there (slots in winabi.go, checked against the SDK headers).

// comCall calls method slot of the interface obj with obj as the implicit
// first argument.
//
//go:uintptrescapes
func comCall(obj unsafe.Pointer, slot int, args ...uintptr) uintptr {
	vtbl := *(*unsafe.Pointer)(obj)
	fn := *(*uintptr)(unsafe.Add(vtbl, uintptr(slot)*unsafe.Sizeof(uintptr(0))))
	all := make([]uintptr, 0, len(args)+1)
	all = append(all, uintptr(obj))
	all = append(all, args...)
	r, _, _ := syscall.SyscallN(fn, all...)
	return r
}

// hresultError is a failed HRESULT.
type hresultError uint32

func (e hresultError) Error() string {
	switch uint32(e) {
	case dxgiErrorAccessLost:
		return "DXGI_ERROR_ACCESS_LOST"
	case dxgiErrorWaitTimeout:
		return "DXGI_ERROR_WAIT_TIMEOUT"
	case dxgiErrorUnsupported:
		return "DXGI_ERROR_UNSUPPORTED"
	case dxgiErrorNotFound:
		return "DXGI_ERROR_NOT_FOUND"
	case eAccessDenied:
		return "E_ACCESSDENIED"
	case eNoInterface:
		return "E_NOINTERFACE"
	case 0x80004001:
		return "E_NOTIMPL"
	}
	return fmt.Sprintf("HRESULT %#08x", uint32(e))
}

// hr turns an HRESULT into an error (nil for S_OK and other successes).
func hr(r uintptr) error {
	if int32(r) < 0 {
		return hresultError(uint32(r))
	}
	return nil
}

// comRelease releases *obj if set and clears it.
func comRelease(obj *unsafe.Pointer) {
	if *obj != nil {
		comCall(*obj, vtRelease)
		*obj = nil
	}
}

// comQuery returns obj's interface iid (AddRef'd) or an error.
func comQuery(obj unsafe.Pointer, iid *guid) (unsafe.Pointer, error) {
	var out unsafe.Pointer
	if err := hr(comCall(obj, vtQueryInterface, uintptr(unsafe.Pointer(iid)), uintptr(unsafe.Pointer(&out)))); err != nil {
		return nil, err
	}
	return out, nil
}
