//go:build !unix

package site

import "errors"

// Elsewhere (Windows) agents are served by a goroutine reading each
// connection, as agents without beats are.
const canWaitReadable = false

type pollState struct{}

func onReadable(*rawLink, func()) error { return errors.ErrUnsupported }

func forgetReadable(*rawLink) {}
