//go:build !linux && !windows && !darwin

package clipboard

func open(Options) (Clipboard, error) { return nil, ErrUnsupported }
