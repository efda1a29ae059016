//go:build linux

package capture

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// mingwCC finds the MinGW-w64 compiler, whose headers the ABI tests check
// the Go mirrors of Windows structures against. The tests run on the Linux
// build machine (scripts/deps.sh installs the compiler); they are not built
// for Windows, where it is rarely installed.
func mingwCC(t *testing.T) string {
	t.Helper()
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the headers are checked for 64-bit Windows")
	}
	cc, err := exec.LookPath("x86_64-w64-mingw32-gcc")
	if err != nil {
		if os.Getenv(EnvRequireX) == "1" {
			t.Fatalf("x86_64-w64-mingw32-gcc not found (apt-get install gcc-mingw-w64-x86-64): %v", err)
		}
		t.Skipf("x86_64-w64-mingw32-gcc not installed: %v", err)
	}
	return cc
}

// TestWinABI compiles static assertions of every vtable slot, structure
// size and field offset the Windows backends rely on: a wrong slot would
// call another method with the wrong arguments, which only shows up as a
// crash on a real Windows machine.
func TestWinABI(t *testing.T) {
	cc := mingwCC(t)
	slots := []struct {
		vtbl, method string
		slot         int
	}{
		{"IUnknownVtbl", "QueryInterface", vtQueryInterface},
		{"IUnknownVtbl", "AddRef", vtAddRef},
		{"IUnknownVtbl", "Release", vtRelease},
		{"IDXGIFactory1Vtbl", "EnumAdapters1", vtFactory1EnumAdapters1},
		{"IDXGIAdapter1Vtbl", "EnumOutputs", vtAdapterEnumOutputs},
		{"IDXGIOutputVtbl", "GetDesc", vtOutputGetDesc},
		{"IDXGIOutput1Vtbl", "DuplicateOutput", vtOutput1DuplicateOutput},
		{"IDXGIOutput5Vtbl", "DuplicateOutput1", vtOutput5DuplicateOutput1},
		{"IDXGIOutputDuplicationVtbl", "GetDesc", vtDuplGetDesc},
		{"IDXGIOutputDuplicationVtbl", "AcquireNextFrame", vtDuplAcquireNextFrame},
		{"IDXGIOutputDuplicationVtbl", "GetFrameDirtyRects", vtDuplGetFrameDirtyRects},
		{"IDXGIOutputDuplicationVtbl", "GetFrameMoveRects", vtDuplGetFrameMoveRects},
		{"IDXGIOutputDuplicationVtbl", "ReleaseFrame", vtDuplReleaseFrame},
		{"ID3D11DeviceVtbl", "CreateTexture2D", vtDeviceCreateTexture2D},
		{"ID3D11DeviceContextVtbl", "Map", vtContextMap},
		{"ID3D11DeviceContextVtbl", "Unmap", vtContextUnmap},
		{"ID3D11DeviceContextVtbl", "CopySubresourceRegion", vtContextCopySubresourceRegion},
		{"ID3D11DeviceContextVtbl", "CopyResource", vtContextCopyResource},
		{"ID3D11Texture2DVtbl", "GetDesc", vtTexture2DGetDesc},
	}
	sizes := []struct {
		ctype string
		size  uintptr
	}{
		{"RECT", unsafe.Sizeof(winRect{})},
		{"GUID", unsafe.Sizeof(guid{})},
		{"DXGI_OUTPUT_DESC", unsafe.Sizeof(dxgiOutputDesc{})},
		{"DXGI_OUTDUPL_FRAME_INFO", unsafe.Sizeof(dxgiOutduplFrameInfo{})},
		{"DXGI_OUTDUPL_DESC", unsafe.Sizeof(dxgiOutduplDesc{})},
		{"DXGI_OUTDUPL_MOVE_RECT", unsafe.Sizeof(dxgiOutduplMoveRect{})},
		{"D3D11_TEXTURE2D_DESC", unsafe.Sizeof(d3d11Texture2DDesc{})},
		{"D3D11_MAPPED_SUBRESOURCE", unsafe.Sizeof(d3d11MappedSubresource{})},
		{"D3D11_BOX", unsafe.Sizeof(d3d11Box{})},
		{"BITMAPINFOHEADER", unsafe.Sizeof(bitmapInfoHeader{})},
		{"MONITORINFOEXW", unsafe.Sizeof(monitorInfoEx{})},
		{"CURSORINFO", unsafe.Sizeof(cursorInfo{})},
	}
	var fi dxgiOutduplFrameInfo
	var od dxgiOutputDesc
	var dd dxgiOutduplDesc
	var td d3d11Texture2DDesc
	var mi monitorInfoEx
	offsets := []struct {
		ctype, field string
		off          uintptr
	}{
		{"DXGI_OUTDUPL_FRAME_INFO", "AccumulatedFrames", unsafe.Offsetof(fi.AccumulatedFrames)},
		{"DXGI_OUTDUPL_FRAME_INFO", "PointerPosition", unsafe.Offsetof(fi.PointerPosition)},
		{"DXGI_OUTDUPL_FRAME_INFO", "TotalMetadataBufferSize", unsafe.Offsetof(fi.TotalMetadataBufferSize)},
		{"DXGI_OUTPUT_DESC", "Rotation", unsafe.Offsetof(od.Rotation)},
		{"DXGI_OUTPUT_DESC", "Monitor", unsafe.Offsetof(od.Monitor)},
		{"DXGI_OUTDUPL_DESC", "Rotation", unsafe.Offsetof(dd.Rotation)},
		{"D3D11_TEXTURE2D_DESC", "Usage", unsafe.Offsetof(td.Usage)},
		{"MONITORINFOEXW", "dwFlags", unsafe.Offsetof(mi.Flags)},
		{"MONITORINFOEXW", "szDevice", unsafe.Offsetof(mi.Device)},
	}
	consts := []struct {
		cexpr string
		val   uint64
	}{
		{"DXGI_FORMAT_B8G8R8A8_UNORM", dxgiFormatB8G8R8A8Unorm},
		{"DXGI_MODE_ROTATION_IDENTITY", dxgiModeRotationIdentity},
		{"D3D_DRIVER_TYPE_UNKNOWN", d3dDriverTypeUnknown},
		{"D3D11_SDK_VERSION", d3d11SDKVersion},
		{"D3D11_USAGE_STAGING", d3d11UsageStaging},
		{"D3D11_CPU_ACCESS_READ", d3d11CPUAccessRead},
		{"D3D11_MAP_READ", d3d11MapRead},
		{"(unsigned)DXGI_ERROR_WAIT_TIMEOUT", dxgiErrorWaitTimeout},
		{"(unsigned)DXGI_ERROR_ACCESS_LOST", dxgiErrorAccessLost},
		{"(unsigned)DXGI_ERROR_MORE_DATA", dxgiErrorMoreData},
		{"(unsigned)DXGI_ERROR_NOT_FOUND", dxgiErrorNotFound},
		{"(unsigned)DXGI_ERROR_UNSUPPORTED", dxgiErrorUnsupported},
		{"(unsigned)E_ACCESSDENIED", eAccessDenied},
		{"(unsigned)E_NOINTERFACE", eNoInterface},
	}
	var src bytes.Buffer
	src.WriteString("#include <windows.h>\n#include <stddef.h>\n#include <d3d11.h>\n#include <dxgi1_5.h>\n")
	for _, s := range slots {
		fmt.Fprintf(&src, "_Static_assert(offsetof(%s, %s) == %d * sizeof(void *), \"slot %s.%s\");\n",
			s.vtbl, s.method, s.slot, s.vtbl, s.method)
	}
	for _, s := range sizes {
		fmt.Fprintf(&src, "_Static_assert(sizeof(%s) == %d, \"sizeof %s\");\n", s.ctype, s.size, s.ctype)
	}
	for _, o := range offsets {
		fmt.Fprintf(&src, "_Static_assert(offsetof(%s, %s) == %d, \"offsetof %s.%s\");\n", o.ctype, o.field, o.off, o.ctype, o.field)
	}
	for _, c := range consts {
		fmt.Fprintf(&src, "_Static_assert(%s == %#xu, \"value of %s\");\n", c.cexpr, c.val, c.cexpr)
	}
	cmd := exec.Command(cc, "-fsyntax-only", "-x", "c", "-")
	cmd.Stdin = &src
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Go mirrors disagree with the MinGW headers: %v\n%s", err, out)
	}
}

// TestWinIIDs checks the interface IDs against the headers' DEFINE_GUID
// lines.
func TestWinIIDs(t *testing.T) {
	cc := mingwCC(t)
	out, err := exec.Command(cc, "-print-sysroot").Output()
	if err != nil {
		t.Fatal(err)
	}
	dirs := []string{filepath.Join(strings.TrimSpace(string(out)), "include"),
		"/usr/share/mingw-w64/include", "/usr/x86_64-w64-mingw32/include"}
	var headers []byte
	for _, d := range dirs {
		for _, h := range []string{"dxgi.h", "dxgi1_2.h", "dxgi1_5.h", "d3d11.h"} {
			if b, err := os.ReadFile(filepath.Join(d, h)); err == nil {
				headers = append(headers, b...)
			}
		}
	}
	re := regexp.MustCompile(`DEFINE_GUID\(IID_(\w+),\s*0x([0-9a-f]+),\s*0x([0-9a-f]+),\s*0x([0-9a-f]+),\s*` +
		strings.Repeat(`0x([0-9a-f]+),\s*`, 7) + `0x([0-9a-f]+)\)`)
	found := map[string]guid{}
	for _, m := range re.FindAllStringSubmatch(string(headers), -1) {
		n := func(i int) uint64 { v, _ := strconv.ParseUint(m[i], 16, 32); return v }
		g := guid{Data1: uint32(n(2)), Data2: uint16(n(3)), Data3: uint16(n(4))}
		for i := range 8 {
			g.Data4[i] = byte(n(5 + i))
		}
		found[m[1]] = g
	}
	for name, want := range map[string]guid{"IDXGIFactory1": iidIDXGIFactory1, "IDXGIOutput1": iidIDXGIOutput1,
		"IDXGIOutput5": iidIDXGIOutput5, "ID3D11Texture2D": iidID3D11Texture2D} {
		got, ok := found[name]
		if !ok {
			t.Errorf("IID_%s not found in the headers", name)
		} else if got != want {
			t.Errorf("IID_%s = %+v, headers say %+v", name, want, got)
		}
	}
}
