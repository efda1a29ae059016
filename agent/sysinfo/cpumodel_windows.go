package sysinfo

import (
	"strings"

	"golang.org/x/sys/windows/registry"
)

// cpuModelFallback reads the processor name the way Task Manager does,
// for when gopsutil's SMBIOS query fails (common in virtual machines).
func cpuModelFallback() string {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `HARDWARE\DESCRIPTION\System\CentralProcessor\0`, registry.QUERY_VALUE)
	if err != nil {
		return ""
	}
	defer k.Close()
	s, _, _ := k.GetStringValue("ProcessorNameString")
	return strings.TrimSpace(s)
}
