// Package winapi holds the Win32 plumbing that capture and input share:
// per-monitor DPI awareness, following the input desktop (Default, Winlogon,
// Screen-saver) from a thread, and a goroutine locked to one OS thread to
// run thread-affine calls on.
//
// Only [Thread] builds on every platform (it is plain Go and tested on
// Linux); everything else is Windows-only.
package winapi
