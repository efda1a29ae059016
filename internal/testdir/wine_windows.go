//go:build wine

package testdir

import _ "unsafe" // for go:linkname

// Under Wine (scripts/wine.sh builds test binaries with -tags wine and
// -ldflags=-checklinkname=0), every delete in the test binary takes Go's
// own fallback for Windows versions without FileDispositionInformationEx
// (SetFileInformationByHandle with FileDispositionInfo), which Wine 8 has.
// Without it os.RemoveAll, os.Root.Remove and t.TempDir's cleanup fail
// with "Invalid function." (see the package comment) — also in the code
// under test, such as agent/files removing a part file. A test binary
// built for real Windows has no wine tag and deletes as Windows does.
//
//go:linkname deleteatFallback internal/syscall/windows.TestDeleteatFallback
var deleteatFallback bool

func init() { deleteatFallback = true }
