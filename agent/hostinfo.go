package agent

import (
	"cmp"
	"net"
	"os"
	"os/user"
	"runtime"

	"github.com/tetherhq/tether/agent/desktop"
	"github.com/tetherhq/tether/wire"
)

// collectHost gathers the statistics the console shows (C6). The console
// user is the one of the graphical session the agent found (desktop.Find),
// which for a jump client started at boot is not the agent's own account.
func collectHost() wire.HostInfo {
	h := wire.HostInfo{OS: runtime.GOOS, Arch: runtime.GOARCH}
	h.Hostname, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		h.ConsoleUser = u.Username
	}
	if s, err := desktop.Find(); err == nil {
		h.HasDisplay = true
		h.ConsoleUser = cmp.Or(s.User, h.ConsoleUser)
	}
	if c, err := net.Dial("udp", "192.0.2.1:9"); err == nil { // no packet is sent
		h.PrivateIP = c.LocalAddr().(*net.UDPAddr).IP.String()
		c.Close()
	}
	h.BootTime = bootTime()
	h.Domain, h.Workgroup = domainInfo()
	return h
}
