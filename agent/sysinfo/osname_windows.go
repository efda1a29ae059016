package sysinfo

import (
	"context"
	"fmt"
	"strconv"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

func osName() (string, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SOFTWARE\Microsoft\Windows NT\CurrentVersion`,
		registry.QUERY_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return "Windows", fmt.Errorf("registry: %w", err)
	}
	defer k.Close()
	str := func(name string) string {
		s, _, _ := k.GetStringValue(name)
		return s
	}
	build := str("CurrentBuildNumber")
	if build == "" {
		build = strconv.FormatUint(uint64(windows.RtlGetVersion().BuildNumber), 10)
	}
	return windowsName(str("ProductName"), str("DisplayVersion"), str("ReleaseId"), build), nil
}

// kernelVersion is the NT version, "10.0.19045"; RtlGetVersion is not
// subject to the compatibility shims that make GetVersionEx lie.
func kernelVersion(context.Context) (string, error) {
	v := windows.RtlGetVersion()
	return fmt.Sprintf("%d.%d.%d", v.MajorVersion, v.MinorVersion, v.BuildNumber), nil
}
