package capture

import "unsafe"

// Binary layout of the Win32, DXGI and Direct3D 11 structures and COM
// vtables the Windows backends use without cgo. It lives in an
// OS-independent file so that winabi_test.go can check every vtable slot,
// size, offset and IID against the MinGW-w64 headers on Linux, where the
// DXGI backend cannot run (Wine has no Desktop Duplication).

type winRect struct{ Left, Top, Right, Bottom int32 }

type winPoint struct{ X, Y int32 }

// guid is a COM interface ID (GUID).
type guid struct {
	Data1        uint32
	Data2, Data3 uint16
	Data4        [8]byte
}

var (
	iidIDXGIFactory1   = guid{0x770aae78, 0xf26f, 0x4dba, [8]byte{0xa8, 0x29, 0x25, 0x3c, 0x83, 0xd1, 0xb3, 0x87}}
	iidIDXGIOutput1    = guid{0x00cddea8, 0x939b, 0x4b83, [8]byte{0xa3, 0x40, 0xa6, 0x85, 0x22, 0x66, 0x66, 0xcc}}
	iidIDXGIOutput5    = guid{0x80a07424, 0xab52, 0x42eb, [8]byte{0x83, 0x3c, 0x0c, 0x42, 0xfd, 0x28, 0x2d, 0x98}}
	iidID3D11Texture2D = guid{0x6f15aaf2, 0xd208, 0x4e89, [8]byte{0x9a, 0xb4, 0x48, 0x95, 0x35, 0xd3, 0x4f, 0x9c}}
)

// COM vtable slots: the index of each method from the start of its
// interface's vtable, inherited methods included (IUnknown takes 0-2,
// IDXGIObject 3-6, ID3D11DeviceChild 3-6).
const (
	vtQueryInterface               = 0
	vtAddRef                       = 1
	vtRelease                      = 2
	vtFactory1EnumAdapters1        = 12
	vtAdapterEnumOutputs           = 7
	vtOutputGetDesc                = 7
	vtOutput1DuplicateOutput       = 22
	vtOutput5DuplicateOutput1      = 26
	vtDuplGetDesc                  = 7
	vtDuplAcquireNextFrame         = 8
	vtDuplGetFrameDirtyRects       = 9
	vtDuplGetFrameMoveRects        = 10
	vtDuplReleaseFrame             = 14
	vtDeviceCreateTexture2D        = 5
	vtContextMap                   = 14
	vtContextUnmap                 = 15
	vtContextCopySubresourceRegion = 46
	vtContextCopyResource          = 47
	vtTexture2DGetDesc             = 10
)

// dxgiOutputDesc is DXGI_OUTPUT_DESC.
type dxgiOutputDesc struct {
	DeviceName         [32]uint16
	DesktopCoordinates winRect
	AttachedToDesktop  int32
	Rotation           uint32
	Monitor            uintptr
}

// dxgiOutduplFrameInfo is DXGI_OUTDUPL_FRAME_INFO.
type dxgiOutduplFrameInfo struct {
	LastPresentTime           int64
	LastMouseUpdateTime       int64
	AccumulatedFrames         uint32
	RectsCoalesced            int32
	ProtectedContentMaskedOut int32
	PointerPosition           struct {
		Position winPoint
		Visible  int32
	}
	TotalMetadataBufferSize uint32
	PointerShapeBufferSize  uint32
}

// dxgiOutduplDesc is DXGI_OUTDUPL_DESC.
type dxgiOutduplDesc struct {
	ModeDesc struct {
		Width, Height                     uint32
		RefreshNum, RefreshDen            uint32
		Format, ScanlineOrdering, Scaling uint32
	}
	Rotation                   uint32
	DesktopImageInSystemMemory int32
}

// dxgiOutduplMoveRect is DXGI_OUTDUPL_MOVE_RECT.
type dxgiOutduplMoveRect struct {
	SourcePoint     winPoint
	DestinationRect winRect
}

// d3d11Texture2DDesc is D3D11_TEXTURE2D_DESC.
type d3d11Texture2DDesc struct {
	Width, Height, MipLevels, ArraySize uint32
	Format                              uint32
	SampleCount, SampleQuality          uint32
	Usage, BindFlags, CPUAccessFlags    uint32
	MiscFlags                           uint32
}

// d3d11MappedSubresource is D3D11_MAPPED_SUBRESOURCE.
type d3d11MappedSubresource struct {
	Data                 unsafe.Pointer
	RowPitch, DepthPitch uint32
}

// d3d11Box is D3D11_BOX.
type d3d11Box struct{ Left, Top, Front, Right, Bottom, Back uint32 }

// bitmapInfoHeader is BITMAPINFOHEADER (a BITMAPINFO without colour table
// is enough for 32-bit BI_RGB DIBs).
type bitmapInfoHeader struct {
	Size          uint32
	Width, Height int32
	Planes, Bits  uint16
	Compression   uint32
	SizeImage     uint32
	XPelsPerMeter int32
	YPelsPerMeter int32
	ClrUsed       uint32
	ClrImportant  uint32
}

// monitorInfoEx is MONITORINFOEXW.
type monitorInfoEx struct {
	Size    uint32
	Monitor winRect
	Work    winRect
	Flags   uint32
	Device  [32]uint16
}

// cursorInfo is CURSORINFO.
type cursorInfo struct {
	Size   uint32
	Flags  uint32
	Cursor uintptr
	Pos    winPoint
}

// DXGI and Direct3D 11 constants.
const (
	dxgiFormatB8G8R8A8Unorm     = 87
	dxgiModeRotationUnspecified = 0
	dxgiModeRotationIdentity    = 1
	d3dDriverTypeUnknown        = 0
	d3d11SDKVersion             = 7
	d3d11UsageStaging           = 3
	d3d11CPUAccessRead          = 0x20000
	d3d11MapRead                = 1

	// HRESULTs (as uint32).
	dxgiErrorWaitTimeout = 0x887A0027
	dxgiErrorAccessLost  = 0x887A0026
	dxgiErrorMoreData    = 0x887A0003
	dxgiErrorNotFound    = 0x887A0002
	dxgiErrorUnsupported = 0x887A0004
	eAccessDenied        = 0x80070005
	eNoInterface         = 0x80004002
)
