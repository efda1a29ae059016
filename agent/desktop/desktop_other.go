//go:build !linux

package desktop

// Finder on Windows and macOS: the OS has one interactive desktop per
// console session, which the capture and input backends reach themselves
// (a Windows service starts a helper in the active console session).
type Finder struct{}

func defaultFinder() *Finder { return &Finder{} }

// Find returns the OS's own desktop.
func (*Finder) Find() (*Session, error) { return &Session{Source: "os"}, nil }
