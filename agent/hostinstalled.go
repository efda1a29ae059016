package agent

import (
	"os"

	"github.com/tetherhq/tether/installer"
)

// hostInstalled reports whether this computer has a jump client (A9
// host_installed): one registered with the OS — a system service, an init
// script, or this user's autostart entry — whose agent is still there
// (installer.Installed). A state dir given explicitly (--state-dir,
// TETHER_STATE_DIR) is a computer of its own: only a jump client enrolled
// with that state counts.
func hostInstalled(st *State) bool {
	if _, err := os.Stat(st.path(JumpClientFile)); err == nil {
		return true
	}
	if st.Explicit {
		return false
	}
	home, _ := os.UserHomeDir()
	return len(installer.Installed(home)) > 0
}
