package site

import (
	"unicode/utf8"

	"github.com/tetherhq/tether/wire"
)

// Limits on the text fields people type, in characters (not bytes: a name of
// 128 "é" is 128 characters, 256 bytes). The API, the console and jump-client
// enrolment apply the same ones.
const (
	maxJumpClientName = 128 // C2
	maxTagLen         = 64
	maxCommentsLen    = 1024
	maxGroupLen       = 128
	maxCustomerName   = 200
)

// checkLen refuses text that is not valid UTF-8 or longer than max
// characters.
func checkLen(field, v string, max int) error {
	if !utf8.ValidString(v) {
		return wire.Errorf(wire.BadRequest, "%s is not valid UTF-8.", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return wire.Errorf(wire.BadRequest, "%s is %d characters long; at most %d are allowed.", field, n, max)
	}
	return nil
}

// truncateChars cuts s to at most n characters, never inside one.
func truncateChars(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
