package shell

import (
	"errors"
	"fmt"
	"strings"
)

// Default terminal size when Options leave it zero.
const (
	DefaultCols = 80
	DefaultRows = 24
)

// ErrRoot is returned when the shell would run as root (or elevated on
// Windows) and Options.AllowRoot is not set.
var ErrRoot = errors.New("shell: refusing to run as root without AllowRoot")

// Options describe the shell to start.
type Options struct {
	// Command and its arguments; empty means the user's login shell (from
	// the user database, then $SHELL, then /bin/sh), started as a login
	// shell. On Windows: powershell.exe, else cmd.exe.
	Command []string
	// Terminal size in character cells; DefaultCols × DefaultRows if 0.
	Cols, Rows uint16
	// Env adds or replaces "KEY=value" entries of the environment.
	Env []string
	// Dir is the working directory; the user's home when empty (or / when
	// the home does not exist).
	Dir string
	// RunAs runs the shell as another user (Unix; the agent must be root).
	RunAs *User
	// AllowRoot permits a shell with root (Windows: elevated) rights.
	AllowRoot bool
}

// User is an account to run the shell as. LookupUser fills one in.
type User struct {
	Name   string
	UID    uint32
	GID    uint32
	Groups []uint32 // supplementary groups
	Home   string
	Shell  string // login shell; empty means the default
}

// ExitError reports a shell that ended with a non-zero status. Code is the
// exit status, or 128+signal for a process killed by a signal (as shells
// report it).
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("shell: exit status %d", e.Code) }

func (o Options) size() (cols, rows uint16) {
	cols, rows = o.Cols, o.Rows
	if cols == 0 {
		cols = DefaultCols
	}
	if rows == 0 {
		rows = DefaultRows
	}
	return cols, rows
}

// mergeEnv returns base with each of over's entries added or replacing the
// entry with the same key (compared with fold on Windows, where variable
// names are case-insensitive). Order is kept; malformed entries dropped.
func mergeEnv(base, over []string, fold bool) []string {
	key := func(kv string) (string, bool) {
		start := 0
		if strings.HasPrefix(kv, "=") { // Windows' hidden "=C:=C:\dir" entries
			start = 1
		}
		i := strings.IndexByte(kv[start:], '=')
		if i <= 0 {
			return "", false
		}
		k := kv[:start+i]
		if fold {
			k = strings.ToUpper(k)
		}
		return k, true
	}
	out := make([]string, 0, len(base)+len(over))
	index := map[string]int{}
	for _, list := range [][]string{base, over} {
		for _, kv := range list {
			k, ok := key(kv)
			if !ok {
				continue
			}
			if i, seen := index[k]; seen {
				out[i] = kv
				continue
			}
			index[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}

// lookupEnv is os.LookupEnv over a list.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], key+"="); ok {
			return v, true
		}
	}
	return "", false
}
