package installer

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Registration is an installed jump client as the OS knows it: the
// service, unit, init script or autostart entry an install registered, and
// the agent binary it starts.
type Registration struct {
	Name   string // tether-<id> (or the launchd label)
	Kind   string // "systemd", "sysv", "systemd-user", "xdg-autostart", "launchd", "windows-service", "run-key"
	Path   string // the registration file or registry key
	Binary string // the agent it starts
}

// Installed lists the jump clients registered on this computer that the
// caller can see: system-wide registrations, and the per-user ones of the
// user whose home is home. A registration counts only when the agent it
// starts is still there (a hand-deleted install leaves a dead entry). This
// is what a support app checks for A9 host_installed.
func Installed(home string) []Registration {
	var out []Registration
	for _, c := range registrationPlaces(home) {
		matches, _ := filepath.Glob(filepath.Join(c.dir, c.glob))
		for _, p := range matches {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			bin := c.binary(b)
			if bin == "" || !isFile(bin) {
				continue
			}
			name := strings.TrimSuffix(filepath.Base(p), filepath.Ext(p))
			if id, ok := strings.CutPrefix(name, "com.tether.jumpclient."); ok {
				name = "tether-" + id
			}
			if !instanceName.MatchString(name) {
				continue
			}
			out = append(out, Registration{Name: name, Kind: c.kind, Path: p, Binary: bin})
		}
	}
	return append(out, installedOS()...)
}

// place is one directory of registration files and how to read the agent
// binary out of one.
type place struct {
	dir, glob, kind string
	binary          func([]byte) string
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// instanceName matches the names installs register under.
var instanceName = regexp.MustCompile(`^tether-[0-9a-f]{10}$`)

// unitBinary is the program of a systemd unit's ExecStart= (as systemdExec
// or kardianos/service write it: a word, maybe double-quoted with C
// escapes, with % and $ doubled).
func unitBinary(b []byte) string {
	v := keyValue(b, "ExecStart=")
	if v == "" {
		return ""
	}
	word := firstWord(v, `\`)
	return strings.NewReplacer("%%", "%", "$$", "$").Replace(word)
}

// desktopBinary is the program of an XDG autostart entry's Exec=.
func desktopBinary(b []byte) string {
	argv, err := DesktopFileArgs(b)
	if err != nil || len(argv) == 0 {
		return ""
	}
	return argv[0]
}

// initScriptBinary is the agent of root's launcher (DIR='…', see
// rootside.go) or of a kardianos SysV script (cmd="PATH …").
func initScriptBinary(b []byte) string {
	if v := keyValue(b, "DIR="); v != "" {
		if dir := shellWord(v); dir != "" {
			return filepath.Join(dir, "tether")
		}
	}
	if v := keyValue(b, `cmd="`); v != "" {
		return firstWord(`"`+v, `\`)
	}
	return ""
}

// plistBinary is the first ProgramArguments string of a launchd plist.
func plistBinary(b []byte) string {
	d := xml.NewDecoder(bytes.NewReader(b))
	afterKey, inArray := false, false
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		var text string
		switch se.Name.Local {
		case "key":
			d.DecodeElement(&text, &se)
			afterKey = text == "ProgramArguments"
		case "array":
			inArray = afterKey
		case "string":
			d.DecodeElement(&text, &se)
			if inArray {
				return text
			}
			afterKey = false
		}
	}
}

// keyValue returns the rest of the first line that starts with key.
func keyValue(b []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, key) {
			return strings.TrimPrefix(line, key)
		}
	}
	return ""
}

// firstWord reads one word: up to a space, or a double-quoted string whose
// escape character is esc.
func firstWord(s, esc string) string {
	if !strings.HasPrefix(s, `"`) {
		w, _, _ := strings.Cut(s, " ")
		return w
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i : i+1]
		switch {
		case c == esc && i+1 < len(s):
			i++
			b.WriteByte(s[i])
		case c == `"`:
			return b.String()
		default:
			b.WriteString(c)
		}
	}
	return ""
}

// shellWord undoes shellQuote: 'a'\”b' → a'b.
func shellWord(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, `\'`):
			b.WriteByte('\'')
			s = s[2:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return ""
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		default:
			return b.String()
		}
	}
	return b.String()
}
