package files

import (
	"errors"
	"strings"
	"unicode/utf8"
)

// Limits on the paths a request may name.
const (
	maxPathLen = 4096 // PATH_MAX on Linux; Windows long paths go to 32767
	maxNameLen = 255  // NAME_MAX of ext4, APFS, NTFS (in UTF-16 units there)
)

// Reasons validate gives; the caller sees them wrapped in ErrPathNotAllowed.
var (
	errAbsolute  = errors.New("absolute path")
	errDotDot    = errors.New(`".." component`)
	errControl   = errors.New("control character")
	errBackslash = errors.New("backslash")
	errUTF8      = errors.New("not UTF-8")
	errTooLong   = errors.New("name too long")
	errWinChar   = errors.New(`character not allowed on Windows (<>:"|?*)`)
	errWinTrail  = errors.New("name ends in a dot or space")
	errWinDevice = errors.New("reserved device name")
)

// validate checks a path relative to a Root and returns it cleaned: "/"
// separated, without empty or "." components, "." for the root itself.
// windows applies the Windows rules too (always on Windows; tests use it
// elsewhere). It looks at the string only; os.Root does the rest.
func validate(p string, windows bool) (string, error) {
	switch {
	case len(p) > maxPathLen:
		return "", errTooLong
	case !utf8.ValidString(p):
		return "", errUTF8
	case strings.HasPrefix(p, "/"):
		return "", errAbsolute
	}
	for _, r := range p {
		switch {
		case r < 0x20 || r == 0x7f:
			return "", errControl
		case r == '\\':
			return "", errBackslash
		case windows && strings.ContainsRune(`<>:"|?*`, r):
			return "", errWinChar
		}
	}
	var parts []string
	for part := range strings.SplitSeq(p, "/") {
		switch {
		case part == "" || part == ".":
			continue
		case part == "..":
			return "", errDotDot
		case len(part) > maxNameLen:
			return "", errTooLong
		case windows && (strings.HasSuffix(part, ".") || strings.HasSuffix(part, " ")):
			return "", errWinTrail
		case windows && isWindowsDevice(part):
			return "", errWinDevice
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return ".", nil
	}
	return strings.Join(parts, "/"), nil
}

// isWindowsDevice reports whether Windows would open a device for this
// name: CON, PRN, AUX, NUL, COM0–9, LPT0–9 (and the superscript ¹²³
// forms), CONIN$, CONOUT$, in any case, with any extension or trailing
// spaces ("nul.txt", "Com1 .log").
func isWindowsDevice(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) < 4 || (!strings.HasPrefix(base, "COM") && !strings.HasPrefix(base, "LPT")) {
		return false
	}
	switch base[3:] {
	case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
		return true
	}
	return false
}
