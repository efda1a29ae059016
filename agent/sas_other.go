//go:build !windows

package agent

import "errors"

// secureAttention: elsewhere Ctrl+Alt+Del is an ordinary chord, injected as
// keys.
func secureAttention() error { return errors.ErrUnsupported }

// useServiceSAS: only a Windows view helper asks its service.
func useServiceSAS(uint64) {}
