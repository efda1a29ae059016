package wire

import (
	"crypto/rand"
	"strings"
)

// Session codes are what a customer may read out or type: 9 decimal digits,
// the last one a Luhn check digit so a mistyped code is caught locally
// instead of costing a rate-limited attempt at the site.

// SessionCodeLen is the number of digits in a session code.
const SessionCodeLen = 9

// NewSessionCode returns a random code with a valid check digit, from
// crypto/rand (10^8 possibilities; the site adds rate limits and uniqueness).
func NewSessionCode() string {
	var d [SessionCodeLen - 1]byte
	randDigits(d[:])
	return string(d[:]) + string(luhnDigit(d[:]))
}

// NormalizeSessionCode strips spaces and dashes people type, and reports
// whether the result is a well-formed code with a correct check digit.
func NormalizeSessionCode(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, s)
	if len(s) != SessionCodeLen {
		return s, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return s, false
		}
	}
	return s, luhnDigit([]byte(s[:SessionCodeLen-1])) == s[SessionCodeLen-1]
}

// FormatSessionCode groups a code as "123 456 789" for display.
func FormatSessionCode(c string) string {
	if len(c) != SessionCodeLen {
		return c
	}
	return c[0:3] + " " + c[3:6] + " " + c[6:9]
}

// luhnDigit computes the Luhn check digit for payload.
func luhnDigit(payload []byte) byte {
	sum := 0
	double := true // the digit left of the check digit is doubled
	for i := len(payload) - 1; i >= 0; i-- {
		d := int(payload[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return byte('0' + (10-sum%10)%10)
}

func randDigits(out []byte) {
	// Rejection sampling keeps the digits uniform: bytes ≥ 250 are dropped.
	buf := make([]byte, len(out)*2)
	for i := 0; i < len(out); {
		rand.Read(buf)
		for _, b := range buf {
			if b >= 250 {
				continue
			}
			out[i] = '0' + b%10
			i++
			if i == len(out) {
				break
			}
		}
	}
}

// securityAlphabet is Crockford's base32 without I, L, O, U: nothing a
// customer can confuse over the phone.
const securityAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewSecurityCode returns an 8-character code (40 bits) shown as "XXXX-XXXX".
func NewSecurityCode() string {
	var raw [8]byte
	rand.Read(raw[:])
	out := make([]byte, 0, 9)
	for i, b := range raw {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, securityAlphabet[b&31])
	}
	return string(out)
}

// NormalizeSecurityCode maps what a customer typed to the canonical form:
// upper case, no separators, and the look-alikes O→0, I/L→1.
func NormalizeSecurityCode(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == 'O':
			b.WriteByte('0')
		case r == 'I' || r == 'L':
			b.WriteByte('1')
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		}
	}
	return b.String()
}
