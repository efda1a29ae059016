package installer

import (
	"fmt"
	"strings"
)

// DesktopExecArgs reads the argv out of a .desktop file's Exec= value (the
// part after "Exec="), undoing desktopExec by the Desktop Entry rules: the
// value's own string escapes (\s \n \t \r \\) first, then the argument
// quoting (inside double quotes, \ escapes " ` $ and \), then %% for %.
// Other field codes (%f, %u, …) are refused: Tether never writes them.
// The agent's tests run a one-shot entry's command line with it, as a
// session manager would.
func DesktopExecArgs(value string) ([]string, error) {
	var s strings.Builder
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\\' && i+1 < len(value) {
			i++
			switch value[i] {
			case 's':
				c = ' '
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case '\\':
				c = '\\'
			default:
				return nil, fmt.Errorf("Exec: unknown escape \\%c", value[i])
			}
		}
		s.WriteByte(c)
	}
	v := s.String()
	var args []string
	for i := 0; i < len(v); {
		if v[i] == ' ' {
			i++
			continue
		}
		var arg strings.Builder
		if v[i] != '"' {
			end := strings.IndexByte(v[i:], ' ')
			if end < 0 {
				end = len(v) - i
			}
			arg.WriteString(v[i : i+end])
			i += end
		} else {
			closed := false
			for i++; i < len(v) && !closed; i++ {
				switch c := v[i]; {
				case c == '\\' && i+1 < len(v) && strings.IndexByte("\"`$\\", v[i+1]) >= 0:
					i++
					arg.WriteByte(v[i])
				case c == '"':
					closed = true
				default:
					arg.WriteByte(c)
				}
			}
			if !closed {
				return nil, fmt.Errorf("Exec: unterminated quoted argument")
			}
		}
		a, err := unFieldCode(arg.String())
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("Exec: no program")
	}
	return args, nil
}

// unFieldCode turns %% into % and refuses any other field code.
func unFieldCode(a string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(a); i++ {
		if a[i] != '%' {
			b.WriteByte(a[i])
			continue
		}
		if i+1 >= len(a) || a[i+1] != '%' {
			return "", fmt.Errorf("Exec: field code in %q", a)
		}
		b.WriteByte('%')
		i++
	}
	return b.String(), nil
}

// DesktopFileArgs reads the argv of a .desktop file's Exec= line (b is the
// whole file): what a session manager would run.
func DesktopFileArgs(b []byte) ([]string, error) {
	v := keyValue(b, "Exec=")
	if v == "" {
		return nil, fmt.Errorf("no Exec= line")
	}
	return DesktopExecArgs(v)
}
