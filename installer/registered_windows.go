package installer

import (
	"strings"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// Windows keeps registrations in the registry (installedOS); there are no
// files to read.
func registrationPlaces(string) []place { return nil }

// installedOS lists the jump clients' services (HKLM …\Services\tether-*)
// and the current user's Run values (tether-*).
func installedOS() []Registration {
	var out []Registration
	if k, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Services`, registry.ENUMERATE_SUB_KEYS); err == nil {
		names, _ := k.ReadSubKeyNames(-1)
		k.Close()
		for _, n := range names {
			if !instanceName.MatchString(strings.ToLower(n)) {
				continue
			}
			sk, err := registry.OpenKey(registry.LOCAL_MACHINE, `SYSTEM\CurrentControlSet\Services\`+n, registry.QUERY_VALUE)
			if err != nil {
				continue
			}
			img, _, err := sk.GetStringValue("ImagePath")
			sk.Close()
			if bin := commandBinary(img); err == nil && isFile(bin) {
				out = append(out, Registration{Name: n, Kind: "windows-service", Path: `HKLM\SYSTEM\CurrentControlSet\Services\` + n, Binary: bin})
			}
		}
	}
	if k, err := registry.OpenKey(registry.CURRENT_USER, runKeyPath, registry.QUERY_VALUE); err == nil {
		names, _ := k.ReadValueNames(-1)
		for _, n := range names {
			if !instanceName.MatchString(strings.ToLower(n)) {
				continue
			}
			cmd, _, err := k.GetStringValue(n)
			if bin := commandBinary(cmd); err == nil && isFile(bin) {
				out = append(out, Registration{Name: n, Kind: "run-key", Path: `HKCU\` + runKeyPath + `\` + n, Binary: bin})
			}
		}
		k.Close()
	}
	return out
}

// commandBinary is the program of a Windows command line.
func commandBinary(cmd string) string {
	args, err := windows.DecomposeCommandLine(cmd)
	if err != nil || len(args) == 0 {
		return ""
	}
	return args[0]
}
