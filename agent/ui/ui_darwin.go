package ui

import "context"

// open has no macOS backend yet. The plan (a later issue) is Cocoa
// through ebitengine/purego: NSPanel with NSTextField/NSButton, called on
// the main thread, which the agent must then hand to this package.
// Until then the agent keeps its osascript dialogs on macOS.
func open(context.Context, Options) (Window, error) {
	return nil, ErrUnsupported
}
