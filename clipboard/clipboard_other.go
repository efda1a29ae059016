//go:build !linux && !windows

package clipboard

func open(Options) (Clipboard, error) { return nil, ErrUnsupported }
