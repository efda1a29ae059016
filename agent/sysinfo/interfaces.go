package sysinfo

import (
	"net"
	"slices"
	"strings"
)

// interfaces lists the network interfaces with their addresses; the
// standard library covers every platform.
func interfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	out := make([]Interface, 0, len(ifs))
	var firstErr error
	for _, ifc := range ifs {
		i := Interface{Name: ifc.Name, MAC: ifc.HardwareAddr.String(), Addresses: []string{},
			Up: ifc.Flags&net.FlagUp != 0, Loopback: ifc.Flags&net.FlagLoopback != 0}
		addrs, err := ifc.Addrs()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		for _, a := range addrs {
			i.Addresses = append(i.Addresses, a.String())
		}
		out = append(out, i)
	}
	// Loopback last, the rest by name: what a technician looks for first.
	slices.SortStableFunc(out, func(a, b Interface) int {
		if a.Loopback != b.Loopback {
			if a.Loopback {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, firstErr
}
