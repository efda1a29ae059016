package agent

import (
	"net"
	"os"
	"os/user"
	"runtime"

	"github.com/tetherhq/tether/wire"
)

// collectHost gathers the statistics the console shows (C6).
func collectHost() wire.HostInfo {
	h := wire.HostInfo{OS: runtime.GOOS, Arch: runtime.GOARCH, HasDisplay: hasDesktop()}
	h.Hostname, _ = os.Hostname()
	if u, err := user.Current(); err == nil {
		h.ConsoleUser = u.Username
	}
	if c, err := net.Dial("udp", "192.0.2.1:9"); err == nil { // no packet is sent
		h.PrivateIP = c.LocalAddr().(*net.UDPAddr).IP.String()
		c.Close()
	}
	h.BootTime = bootTime()
	h.Domain, h.Workgroup = domainInfo()
	return h
}
