package agent

import (
	"os"
	"path/filepath"
	"runtime"
)

// EnvMarkerDir overrides where installed jump clients leave their marker
// (tests; packaging for unusual layouts).
const EnvMarkerDir = "TETHER_MARKER_DIR"

// MarkerDirs are the directories where an installed jump client leaves a
// marker file, so that a support app run on the same computer refuses with
// host_installed (A9).
func MarkerDirs() []string {
	if d := os.Getenv(EnvMarkerDir); d != "" {
		return []string{d}
	}
	var dirs []string
	switch runtime.GOOS {
	case "windows":
		if pd := os.Getenv("ProgramData"); pd != "" {
			dirs = append(dirs, filepath.Join(pd, "Tether", "jumpclients"))
		}
	case "darwin":
		dirs = append(dirs, "/Library/Application Support/Tether/jumpclients")
	default:
		dirs = append(dirs, "/etc/tether/jumpclients")
	}
	if base, err := os.UserConfigDir(); err == nil {
		dirs = append(dirs, filepath.Join(base, "tether", "jumpclients"))
	}
	return dirs
}

// hostInstalled reports whether this computer has a jump client: a marker
// in the state dir, or — unless the state dir was given explicitly, which
// makes it a computer of its own — in the system-wide marker dirs.
func hostInstalled(st *State) bool {
	if _, err := os.Stat(st.path(JumpClientFile)); err == nil {
		return true
	}
	if st.Explicit && os.Getenv(EnvMarkerDir) == "" {
		return false
	}
	for _, d := range MarkerDirs() {
		if entries, err := os.ReadDir(d); err == nil && len(entries) > 0 {
			return true
		}
	}
	return false
}
